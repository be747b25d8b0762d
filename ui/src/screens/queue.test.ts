// @vitest-environment happy-dom
// The queue view against Tauri's IPC mock: items by section with stable ids and data-state,
// each state's actions calling their commands, and a `queue-changed` event (the app's runner
// sent something) reading the queue again.
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { QueueItemView, QueueStateView, QueueView } from "../ipc";
import { renderQueue } from "./queue";

const item = (id: string, state: QueueStateView, over: Partial<QueueItemView> = {}): QueueItemView => ({
  id,
  state,
  account: "Work",
  dueAt: 1_800_000_000,
  dueLocal: "2027-01-15T09:00",
  zone: "Europe/Berlin",
  dueText: "2027-01-15T09:00:00+01:00[Europe/Berlin]",
  preview: `Post ${id}`,
  parts: [{ text: `Post ${id}`, media: [] }],
  postIds: [],
  links: [],
  lateSecs: null,
  lateLimit: 3600,
  heldReason: null,
  diagnosis: null,
  profileLink: null,
  cost: null,
  ...over,
});

let queue: QueueView;
let calls: { cmd: string; args: Record<string, unknown> }[];

beforeEach(() => {
  calls = [];
  mockWindows("main");
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      const id = (args as { id?: string } | undefined)?.id ?? "";
      const found = queue.items.find((i) => i.id === id);
      switch (cmd) {
        case "queue_list":
          return queue;
        case "queue_edit":
          if (found === undefined || found.state !== "scheduled") throw { kind: "invalid-input", message: "The composer has a draft in it; post, schedule or discard it first, then edit this one. Nothing was changed." };
          found.state = "cancelled";
          return { id: "draft-2", parts: [] };
        case "settings_get":
          return { keepRunningWhenClosed: false, startAtLogin: false, startAtLoginProblem: null };
        case "queue_cancel":
          if (found === undefined) throw { kind: "invalid-input", message: "This queued post no longer exists; the queue was read again." };
          found.state = "cancelled";
          return found;
        case "queue_post_now":
        case "queue_resolve":
          if (found === undefined) throw new Error("no item");
          found.state = "scheduled";
          return found;
        case "queue_reschedule":
          if (found === undefined) throw new Error("no item");
          found.dueLocal = String((args as { at: string }).at);
          return found;
        default:
          throw new Error(`unexpected command ${cmd}`);
      }
    },
    { shouldMockEvents: true },
  );
});

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

async function mount(): Promise<HTMLElement> {
  const el = renderQueue();
  document.body.replaceChildren(el);
  await vi.waitFor(() => expect(el.dataset["count"]).toBe(String(queue.items.length)));
  return el;
}

const button = (el: HTMLElement, id: string): HTMLButtonElement => {
  const b = el.querySelector<HTMLButtonElement>(`#${id}`);
  if (b === null) throw new Error(`no #${id}`);
  return b;
};

describe("the queue view", () => {
  it("lists every item with its state, and reads the queue again when the runner changed it", async () => {
    queue = {
      zone: "Europe/Berlin",
      waits: [{ account: "Work", limit: "fifteenMinutes", at: 1_800_000_900, atLocal: "2027-01-15T09:15" }],
      items: [
        item("a", "scheduled", { cost: { micros: 15000, dollars: "$0.015", posts: 1, withUrl: 0 } }),
        item("b", "held", { lateSecs: 7200, heldReason: "Held: 7200 s past its time." }),
        item("c", "posted", { postIds: ["111"], links: ["https://x.com/worker/status/111"], lateSecs: 30 }),
        item("d", "may-have-posted", { profileLink: "https://x.com/worker" }),
        item("e", "failed", { diagnosis: { kind: "media-invalid", status: null, detail: "cat.png is gone", cause: "", fix: [], wizardStep: null } }),
        item("f", "cancelled"),
      ],
    };
    const el = await mount();
    for (const i of queue.items) expect(el.querySelector(`#queue-item-${i.id}`)?.getAttribute("data-state")).toBe(i.state);
    expect(el.dataset["attention"]).toBe("3");
    expect(el.querySelector(".queue-wait[data-account=Work]")?.textContent).toContain("2027-01-15 at 09:15");
    expect(el.querySelector("#queue-item-a-cost")?.textContent).toContain("$0.015");
    expect(el.querySelector("#queue-item-b-held")?.textContent).toContain("7200 s");
    expect(el.querySelector("#queue-item-c-late")?.textContent).toBe("30 s late");
    expect(el.querySelector("#queue-item-c .post-link")?.textContent).toBe("https://x.com/worker/status/111");
    expect(el.querySelector("#queue-item-e-error")?.getAttribute("data-kind")).toBe("media-invalid");
    // What each state allows, and nothing else.
    expect(el.querySelector("#queue-item-a-post-now")).not.toBeNull();
    expect(el.querySelector("#queue-item-a-on-x")).toBeNull();
    expect(el.querySelector("#queue-item-d-on-x")).not.toBeNull();
    expect(el.querySelector("#queue-item-d-post-now")).toBeNull();
    expect(el.querySelector("#queue-item-c button")).toBeNull();
    expect(el.querySelector("#queue-item-f button")).toBeNull();
    expect(el.querySelector<HTMLInputElement>("#queue-item-b-reschedule-at")?.value).toBe("2027-01-15T09:00");

    // The runner posted "a": the event makes the view read the queue again.
    const a = queue.items[0];
    if (a === undefined) throw new Error("no item");
    a.state = "posted";
    a.postIds = ["222"];
    const lists = calls.filter((c) => c.cmd === "queue_list").length;
    await emit("queue-changed", { cause: "ran" });
    await vi.waitFor(() => expect(el.querySelector("#queue-item-a")?.getAttribute("data-state")).toBe("posted"));
    expect(calls.filter((c) => c.cmd === "queue_list").length).toBe(lists + 1);
  });

  it("cancels, posts now, reschedules and settles an item that may have posted through their commands", async () => {
    queue = { zone: null, waits: [], items: [item("a", "scheduled"), item("b", "held"), item("d", "may-have-posted")] };
    const el = await mount();
    button(el, "queue-item-b-post-now").click();
    await vi.waitFor(() => expect(el.querySelector("#queue-item-b")?.getAttribute("data-state")).toBe("scheduled"));
    expect(calls.some((c) => c.cmd === "queue_post_now" && c.args["id"] === "b")).toBe(true);

    const at = el.querySelector<HTMLInputElement>("#queue-item-a-reschedule-at");
    if (at === null) throw new Error("no input");
    at.value = "2027-02-01T18:30";
    button(el, "queue-item-a-reschedule").click();
    await vi.waitFor(() => expect(calls.some((c) => c.cmd === "queue_reschedule")).toBe(true));
    expect(calls.find((c) => c.cmd === "queue_reschedule")?.args).toMatchObject({ id: "a", at: "2027-02-01T18:30" });
    await vi.waitFor(() => expect(el.querySelector("#queue-notice")?.textContent).toContain("Rescheduled"));

    const link = el.querySelector<HTMLInputElement>("#queue-item-d-post-link");
    if (link === null) throw new Error("no link input");
    link.value = " https://x.com/worker/status/9 ";
    button(el, "queue-item-d-on-x").click();
    await vi.waitFor(() => expect(calls.some((c) => c.cmd === "queue_resolve")).toBe(true));
    expect(calls.find((c) => c.cmd === "queue_resolve")?.args).toMatchObject({ id: "d", choice: "onX", link: "https://x.com/worker/status/9" });

    await vi.waitFor(() => expect(el.querySelector("#queue-item-a-cancel")?.hasAttribute("disabled")).toBe(false));
    button(el, "queue-item-a-cancel").click();
    await vi.waitFor(() => expect(el.querySelector("#queue-item-a")?.getAttribute("data-state")).toBe("cancelled"));
    expect(el.querySelector("#queue-item-a button")).toBeNull();
  });

  it("refuses an empty time without asking Rust, and shows Rust's refusal", async () => {
    queue = { zone: null, waits: [], items: [item("a", "scheduled")] };
    const el = await mount();
    const at = el.querySelector<HTMLInputElement>("#queue-item-a-reschedule-at");
    if (at === null) throw new Error("no input");
    at.value = "";
    button(el, "queue-item-a-reschedule").click();
    await vi.waitFor(() => expect(el.querySelector("#queue-error")).not.toBeNull());
    expect(calls.some((c) => c.cmd === "queue_reschedule")).toBe(false);
    queue.items = [];
    button(el, "queue-item-a-cancel").click();
    await vi.waitFor(() => expect(el.querySelector("#queue-error")?.textContent).toContain("no longer exists"));
    expect(el.querySelector("#queue-empty")).not.toBeNull();
  });

  it("Edit takes an item into the composer, and a refusal stays in the queue saying why", async () => {
    queue = { zone: null, waits: [], items: [item("a", "scheduled"), item("b", "held")] };
    const onEdited = vi.fn();
    const el = renderQueue({ onEdited });
    document.body.replaceChildren(el);
    await vi.waitFor(() => expect(el.dataset["count"]).toBe("2"));
    button(el, "queue-item-b-edit").click();
    await vi.waitFor(() => expect(el.querySelector("#queue-error")?.textContent).toContain("has a draft in it"));
    expect(onEdited).not.toHaveBeenCalled();
    expect(el.querySelector("#queue-item-b")?.getAttribute("data-state")).toBe("held");
    button(el, "queue-item-a-edit").click();
    await vi.waitFor(() => expect(onEdited).toHaveBeenCalledTimes(1));
    expect(calls.filter((c) => c.cmd === "queue_edit").map((c) => c.args["id"])).toEqual(["b", "a"]);
  });
});
