// @vitest-environment happy-dom
// "Schedule…" in the composer against Tauri's IPC mock: the draft shown is handed to the
// queue at the datetime-local value (every earlier keystroke saved first, the parts read-only
// meanwhile), a fresh draft replaces it, and the cost line appears only on pay-per-use.
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AccountStatus, DraftView, QueueItemView, Scheduled } from "../ipc";
import { renderComposer } from "./composer";

type Part = DraftView["parts"][number];
const part = (text: string): Part => ({ text, status: "draft", postedId: null, media: [] });
const draftOf = (parts: Part[], id = "d1"): DraftView => ({ id, account: null, parts, replyTo: null, replySettings: null, replyTarget: "none", poll: null, problems: [] });
const account = (plan: AccountStatus["plan"]): AccountStatus => ({ name: "Work", configured: true, username: "worker", accessLevel: "read-write", plan, sandbox: false, isDefault: true, uploadRoute: null, signIn: "oauth1" });
const queued = (texts: string[]): QueueItemView => ({
  id: "q1", state: "scheduled", account: "Work", dueAt: 1_800_000_000, dueLocal: "2027-01-15T09:00", zone: "Europe/Berlin",
  dueText: "2027-01-15T09:00:00+01:00[Europe/Berlin]", preview: texts[0] ?? "", parts: texts.map((text) => ({ text, media: [] })),
  postIds: [], links: [], lateSecs: null, lateLimit: 3600, heldReason: null, diagnosis: null, profileLink: null, cost: null,
});

let draft: DraftView;
let calls: { cmd: string; args: Record<string, unknown> }[];
/** The running `queue_schedule`, answered by the test. */
let pending: ((s: Scheduled) => void) | null;

beforeEach(() => {
  calls = [];
  pending = null;
  mockWindows("main");
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      switch (cmd) {
        case "draft_get":
          return draft;
        case "history_list":
          return [];
        case "draft_focus_part":
          return null;
        case "draft_set_text": {
          const k = Number(a["part"]);
          draft = { ...draft, parts: draft.parts.map((p, j) => (j === k ? { ...p, text: String(a["text"]) } : p)) };
          return [];
        }
        case "post_cost": {
          const texts = a["texts"] as string[];
          return { micros: 15000 * texts.length, dollars: `$${(0.015 * texts.length).toFixed(3)}`, posts: texts.length, withUrl: 0 };
        }
        case "queue_schedule":
          return new Promise<Scheduled>((resolve) => {
            pending = (s) => {
              draft = s.draft;
              resolve(s);
            };
          });
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

async function mount(d: DraftView, plan: AccountStatus["plan"] = null): Promise<HTMLElement> {
  draft = d;
  const el = renderComposer({ onFix: () => {}, account: account(plan), onOpenQueue: () => {} });
  document.body.replaceChildren(el);
  await vi.waitFor(() => expect(el.querySelector("#schedule")?.hasAttribute("disabled")).toBe(false));
  return el;
}

describe("Schedule… in the composer", () => {
  it("saves what was typed, hands the draft to the queue read-only, and starts a fresh draft", async () => {
    const el = await mount(draftOf([part("One"), part("Two")]));
    const text = el.querySelector<HTMLTextAreaElement>("#part-1-text");
    if (text === null) throw new Error("no textarea");
    text.value = "Two, edited";
    text.dispatchEvent(new Event("input"));
    const at = el.querySelector<HTMLInputElement>("#schedule-at");
    if (at === null) throw new Error("no #schedule-at");
    expect(at.type).toBe("datetime-local");
    expect(at.value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00$/);
    at.value = "2027-01-15T09:00";
    el.querySelector<HTMLButtonElement>("#schedule")?.click();
    await vi.waitFor(() => expect(pending).not.toBeNull());
    // The edit reached Rust before the schedule, which names the draft shown and the time.
    const order = calls.map((c) => c.cmd).filter((c) => c === "draft_set_text" || c === "queue_schedule");
    expect(order).toEqual(["draft_set_text", "queue_schedule"]);
    expect(calls.find((c) => c.cmd === "queue_schedule")?.args).toMatchObject({ draft: "d1", at: "2027-01-15T09:00" });
    // Meanwhile nothing can be typed, posted or scheduled again.
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.disabled).toBe(true);
    expect(el.querySelector<HTMLButtonElement>("#post")?.disabled).toBe(true);
    expect(el.querySelector<HTMLButtonElement>("#schedule")?.disabled).toBe(true);
    pending?.({ item: queued(["One", "Two, edited"]), draft: draftOf([part("")], "d2") });
    await vi.waitFor(() => expect(el.querySelector("#schedule-result")?.getAttribute("data-id")).toBe("q1"));
    expect(el.querySelector("#schedule-result")?.textContent).toContain("thread of 2 parts");
    expect(el.querySelector("#open-queue")).not.toBeNull();
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.value).toBe("");
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.disabled).toBe(false);
    expect(el.querySelector("#part-1-text")).toBeNull();
  });

  it("refuses an empty time without asking Rust", async () => {
    const el = await mount(draftOf([part("One")]));
    const at = el.querySelector<HTMLInputElement>("#schedule-at");
    if (at === null) throw new Error("no #schedule-at");
    at.value = "";
    el.querySelector<HTMLButtonElement>("#schedule")?.click();
    await vi.waitFor(() => expect(el.querySelector("#composer-error")).not.toBeNull());
    expect(calls.some((c) => c.cmd === "queue_schedule")).toBe(false);
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.value).toBe("One");
  });

  it("shows the cost on pay-per-use only", async () => {
    const paid = await mount(draftOf([part("One"), part("Two")]), "pay-per-use");
    await vi.waitFor(() => expect(paid.querySelector<HTMLElement>("#post-cost")?.hidden).toBe(false));
    expect(paid.querySelector("#post-cost")?.textContent).toBe("This thread costs $0.030 on pay-per-use (2 posts)");
    document.body.replaceChildren();
    calls = [];
    for (const plan of ["basic", null] as const) {
      const el = await mount(draftOf([part("One")]), plan);
      await new Promise((r) => setTimeout(r, 300));
      expect(el.querySelector<HTMLElement>("#post-cost")?.hidden).toBe(true);
    }
    expect(calls.some((c) => c.cmd === "post_cost")).toBe(false);
  });
});
