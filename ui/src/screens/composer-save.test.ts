// @vitest-environment happy-dom
// The composer's "not saved" state: a failed keystroke save (an AppError, or the plain string
// Tauri rejects bad arguments with) shows "Not saved — <reason>. Retrying…" at once, keeps the
// text on screen, is retried, and clears after the next successful save.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const mocks = vi.hoisted(() => ({
  /** What each draftSetText call answers, in order; then "ok". */
  answers: [] as ("ok" | { error: unknown } | { reject: unknown })[],
  saved: [] as string[],
}));

vi.mock("@tauri-apps/api/core", () => ({ Channel: class {} }));
vi.mock("@tauri-apps/api/webview", () => ({ getCurrentWebview: () => ({ onDragDropEvent: () => Promise.resolve(() => {}) }) }));
vi.mock("../ipc", async (importOriginal) => {
  // The real errorText and okOr; the commands and events below.
  const actual = await importOriginal<typeof import("../ipc")>();
  const ok = (data: unknown) => Promise.resolve({ status: "ok", data });
  const draft = {
    id: "d1",
    account: null,
    replyTo: null,
    replySettings: null,
    replyTarget: "none",
    poll: null,
    problems: [],
    parts: [{ text: "", status: "draft", postedId: null, media: [] }],
  };
  return {
    ...actual,
    events: { draftChanged: { listen: () => Promise.resolve() }, attachRefused: { listen: () => Promise.resolve() } },
    commands: {
      draftGet: () => ok(draft),
      historyList: () => ok([]),
      draftFocusPart: () => ok(null),
      draftSetText: (...args: unknown[]) => {
        const text = String(args[args.length - 1]);
        const answer = mocks.answers.shift() ?? "ok";
        if (answer === "ok") {
          mocks.saved.push(text);
          return ok([]);
        }
        if ("reject" in answer) return Promise.reject(answer.reject);
        return Promise.resolve({ status: "error", error: answer.error });
      },
    },
  };
});

const { renderComposer, RETRY_MS } = await import("./composer");

async function mount(): Promise<HTMLElement> {
  const el = renderComposer({ onFix: () => {} });
  document.body.replaceChildren(el);
  await vi.waitFor(() => expect(el.querySelector("#part-0-text")).not.toBeNull());
  return el;
}

function type(el: HTMLElement, text: string): void {
  const field = el.querySelector<HTMLTextAreaElement>("#part-0-text");
  if (field === null) throw new Error("no text field");
  field.value = text;
  field.dispatchEvent(new Event("input"));
}

const saveLine = (el: HTMLElement) => el.querySelector<HTMLElement>("#save-state");

beforeEach(() => {
  mocks.answers.length = 0;
  mocks.saved.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a failed save", () => {
  it("shows Not saved with the plain-string reason, and clears after the next successful save", async () => {
    const el = await mount();
    mocks.answers.push({ error: "invalid args `text` for command `draft_set_text`: missing field" });
    type(el, "Hel");
    await vi.waitFor(() => expect(el.dataset["save"]).toBe("failed"));
    expect(saveLine(el)?.hidden).toBe(false);
    expect(saveLine(el)?.textContent).toBe("Not saved — invalid args `text` for command `draft_set_text`: missing field. Retrying…");
    expect(saveLine(el)?.getAttribute("role")).toBe("alert");
    // The field the person types in is not replaced and keeps the text.
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.value).toBe("Hel");

    type(el, "Hello");
    await vi.waitFor(() => expect(el.dataset["save"]).toBe("saved"));
    expect(saveLine(el)?.hidden).toBe(true);
    expect(saveLine(el)?.textContent).toBe("");
    expect(mocks.saved).toEqual(["Hello"]);
  });

  it("is retried after a few seconds without another edit, then clears", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const el = await mount();
    mocks.answers.push({ error: { kind: "composer", message: "database is locked" } });
    mocks.answers.push({ reject: new Error("disk full") });
    type(el, "Typed once");
    await vi.waitFor(() => expect(saveLine(el)?.textContent).toBe("Not saved — database is locked. Retrying…"));
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    await vi.waitFor(() => expect(saveLine(el)?.textContent).toBe("Not saved — disk full. Retrying…"));
    expect(mocks.saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    await vi.waitFor(() => expect(el.dataset["save"]).toBe("saved"));
    expect(mocks.saved).toEqual(["Typed once"]);
    expect(saveLine(el)?.hidden).toBe(true);
  });

  it("holds Post back until the text is saved", async () => {
    const el = await mount();
    mocks.answers.push({ error: "database is locked" });
    type(el, "Not yet saved");
    await vi.waitFor(() => expect(el.dataset["save"]).toBe("failed"));
    el.querySelector<HTMLButtonElement>("#post")?.click();
    // Post saved the text again first instead of posting what Rust had.
    await vi.waitFor(() => expect(mocks.saved).toEqual(["Not yet saved"]));
    expect(el.dataset["postAttempt"]).toBe("0");
    await vi.waitFor(() => expect(el.dataset["save"]).toBe("saved"));
  });
});
