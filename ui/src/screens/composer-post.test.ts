// @vitest-environment happy-dom
// The composer's post flow against Tauri's own IPC mock (`mockIPC`): the real command
// wrappers, the real `Channel`. Progress arrives on the channel as Rust sends it (indexed
// messages to the channel's callback) and becomes the progress rows; the post's outcome
// becomes the result box, and a thread that stopped part-way offers Resume (or, when X's
// answer was lost, the "may have posted" decision).
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { Channel } from "@tauri-apps/api/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DraftView, PostOutcome, ProgressView } from "../ipc";
import { renderComposer } from "./composer";

type Part = DraftView["parts"][number];
const image = { name: "cat.png", kind: "image" as const, mime: "image/png", size: 100, width: 8, height: 8, alt: null, thumb: null, uploaded: false, fitted: null, refusal: null, subtitles: null, durationMs: null };
const part = (status: Part["status"], text: string, postedId: string | null = null, media: Part["media"] = []): Part => ({ text, status, postedId, media });
const draftOf = (parts: Part[], id = "d1"): DraftView => ({ id, account: "Work", parts, replyTo: null, replySettings: null, replyTarget: "none", poll: null, problems: [] });

/** What the mocked Rust side holds and saw. */
let draft: DraftView;
let calls: string[];
/** The running `draft_post`: its channel, and how to answer it. */
let posting: { channel: Channel<ProgressView>; answer: (o: PostOutcome) => void } | null;

/** Delivers `messages` on `channel` the way Rust does: indexed, to the channel's callback. */
function send(channel: Channel<ProgressView>, from: number, ...messages: ProgressView[]): void {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } }).__TAURI_INTERNALS__;
  messages.forEach((message, k) => internals.runCallback(channel.id, { index: from + k, message }));
}

beforeEach(() => {
  calls = [];
  posting = null;
  mockWindows("main");
  mockIPC(
    (cmd, args) => {
      calls.push(cmd);
      switch (cmd) {
        case "draft_get":
          return draft;
        case "history_list":
          return [];
        case "draft_focus_part":
        case "draft_cancel":
          return null;
        case "draft_post":
          return new Promise<PostOutcome>((resolve) => {
            posting = {
              channel: (args as { onProgress: Channel<ProgressView> }).onProgress,
              answer: (o) => {
                draft = o.draft;
                resolve(o);
              },
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

async function mount(d: DraftView): Promise<HTMLElement> {
  draft = d;
  const el = renderComposer({ onFix: () => {}, account: { name: "Work", configured: true, username: "worker", accessLevel: "read-write", plan: null, sandbox: false, isDefault: true, uploadRoute: null, signIn: "oauth1" } });
  document.body.replaceChildren(el);
  await vi.waitFor(() => expect(el.querySelector("#post")?.hasAttribute("disabled")).toBe(false));
  return el;
}

async function clickPost(el: HTMLElement): Promise<NonNullable<typeof posting>> {
  el.querySelector<HTMLButtonElement>("#post")?.click();
  await vi.waitFor(() => expect(posting).not.toBeNull());
  if (posting === null) throw new Error("draft_post was not called");
  return posting;
}

const text = (el: HTMLElement, css: string): string => el.querySelector(css)?.textContent ?? "";

describe("posting", () => {
  it("Esc cancels the running post, with the focus on the page (the parts are disabled)", async () => {
    const el = await mount(draftOf([part("draft", "Hello")]));
    const run = await clickPost(el);
    expect(calls).not.toContain("draft_cancel");
    document.body.focus();
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await vi.waitFor(() => expect(calls).toContain("draft_cancel"));
    run.answer({ outcome: "cancelled", draft: draftOf([part("draft", "Hello")]) } as unknown as PostOutcome);
  });

  it("says the upload is paused while the network is away, and goes back to uploading", async () => {
    const el = await mount(draftOf([part("draft", "Hello", null, [image])]));
    const run = await clickPost(el);
    send(run.channel, 0, { stage: "uploading", part: 0, file: "cat.png", bytesSent: 40, total: 100 });
    send(run.channel, 1, { stage: "paused", part: 0, file: "cat.png", bytesSent: 40, total: 100 });
    expect(text(el, "#progress-stage")).toContain("Paused — waiting for the network");
    expect(el.querySelector("#progress")?.getAttribute("aria-live")).toBe("polite");
    expect(text(el, "#progress .file-progress span")).toBe("cat.png: 40% sent");
    send(run.channel, 2, { stage: "uploading", part: 0, file: "cat.png", bytesSent: 60, total: 100 });
    expect(text(el, "#progress-stage")).toBe("Uploading cat.png");
    run.answer({ outcome: "cancelled", draft: draftOf([part("draft", "Hello")]) } as unknown as PostOutcome);
  });

  it("shows each progress message on the channel as rows, then the posted result", async () => {
    const el = await mount(draftOf([part("draft", "Hello", null, [image])]));
    const run = await clickPost(el);
    expect(el.getAttribute("aria-busy")).toBe("true");
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.disabled).toBe(true);

    send(run.channel, 0, { stage: "uploading", part: 0, file: "cat.png", bytesSent: 50, total: 100 });
    expect(text(el, "#progress-stage")).toBe("Uploading cat.png");
    expect(text(el, "#progress .file-progress span")).toBe("cat.png: 50% sent");
    expect(el.querySelector("#overall-progress")?.getAttribute("value")).toBe("50");

    send(run.channel, 1, { stage: "uploading", part: 0, file: "cat.png", bytesSent: 100, total: 100 }, { stage: "processing", part: 0, file: "cat.png", percent: 40 });
    expect(text(el, "#progress-stage")).toBe("X is processing cat.png (40%)");
    expect(text(el, "#progress .file-progress span")).toBe("cat.png: processing 40%");
    expect(el.querySelector("#overall-progress")?.getAttribute("value")).toBe("70");

    send(run.channel, 3, { stage: "posting", part: 0 });
    expect(text(el, "#progress-stage")).toBe("Posting");
    expect(el.querySelector("#cancel-post")).not.toBeNull();

    run.answer({ outcome: "posted", ids: ["42"], links: ["https://x.com/worker/status/42"], rateLimit: { remaining: 16, limit: 17, resetAt: null }, draft: draftOf([part("draft", "")], "d2") });
    await vi.waitFor(() => expect(el.querySelector("#post-result")?.getAttribute("data-outcome")).toBe("posted"));
    expect(el.querySelector("#post-result")?.getAttribute("data-attempt")).toBe("1");
    expect(text(el, "#post-result h3")).toBe("Posted");
    expect(text(el, "#post-result .post-link")).toBe("https://x.com/worker/status/42");
    expect(text(el, "#rate-limit")).toBe("16 posts left of 17");
    await vi.waitFor(() => expect(el.getAttribute("aria-busy")).toBe("false"));
    expect(el.querySelector("#progress")?.children).toHaveLength(0);
    expect(text(el, "#post")).toBe("Post");
  });

  it("says which part failed after the first posted, and offers Resume", async () => {
    const el = await mount(draftOf([part("draft", "One"), part("draft", "Two")]));
    const run = await clickPost(el);
    send(run.channel, 0, { stage: "posting", part: 0 }, { stage: "posted", part: 0, id: "7" }, { stage: "posting", part: 1 });
    expect(text(el, "#progress-stage")).toBe("Posting part 2 of 2");
    run.answer({
      outcome: "failed",
      part: 1,
      posted: ["7"],
      diagnosis: { kind: "rate-limited", status: 429, detail: "Too Many Requests", cause: "X's limit for posts was reached.", fix: ["Wait until the limit resets."], wizardStep: null },
      profileLink: null,
      draft: draftOf([part("posted", "One", "7"), part("draft", "Two")]),
    });
    await vi.waitFor(() => expect(el.querySelector("#post-result")?.getAttribute("data-outcome")).toBe("failed"));
    const result = el.querySelector("#post-result");
    expect(result?.getAttribute("data-kind")).toBe("rate-limited");
    expect(result?.getAttribute("data-part")).toBe("1");
    expect(result?.textContent).toContain("1 part posted before part 2 failed; Resume continues from part 2.");
    expect(result?.querySelector(".diagnosis h3")?.textContent).toBe("X's limit for posts was reached.");
    await vi.waitFor(() => expect(el.getAttribute("aria-busy")).toBe("false"));
    expect(text(el, "#post")).toBe("Resume");
    expect(text(el, "#part-0-status")).toBe("posted · 7");
    expect(el.querySelector<HTMLTextAreaElement>("#part-1-text")?.disabled).toBe(false);

    // Resume posts again (the engine skips the posted part).
    posting = null;
    await clickPost(el);
    expect(el.querySelector("#post-result")).toBeNull();
    expect(calls.filter((c) => c === "draft_post")).toHaveLength(2);
  });

  it("asks the person about a part whose answer was lost, with the profile Rust gave", async () => {
    const el = await mount(draftOf([part("draft", "Hello")]));
    const run = await clickPost(el);
    run.answer({
      outcome: "failed",
      part: 0,
      posted: [],
      diagnosis: { kind: "outcome-unknown", status: null, detail: "", cause: "X's answer was lost.", fix: ["Look on your profile."], wizardStep: null },
      profileLink: "https://x.com/worker_profile",
      draft: draftOf([part("mayHavePosted", "Hello")]),
    });
    await vi.waitFor(() => expect(el.querySelector("#part-0-unknown")).not.toBeNull());
    expect(el.querySelector("#post-result")?.getAttribute("data-kind")).toBe("outcome-unknown");
    expect(el.querySelector("#part-0-profile")?.getAttribute("href")).toBe("https://x.com/worker_profile");
    expect(text(el, "#part-0-status")).toBe("May already be on X");
    expect(text(el, "#part-0-on-x")).toBe("It's on X");
    expect(text(el, "#part-0-post-again")).toBe("Post it again");
    expect(text(el, "#post")).toBe("Resume");
  });

  it("shows a failed post command's sentence and lets the person post again", async () => {
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "draft_post") return Promise.reject({ kind: "composer", message: "database is locked" });
      if (cmd === "draft_get") return draft;
      if (cmd === "history_list") return [];
      return null;
    });
    const el = await mount(draftOf([part("draft", "Hello")]));
    el.querySelector<HTMLButtonElement>("#post")?.click();
    await vi.waitFor(() => expect(text(el, "#composer-error")).toBe("database is locked"));
    await vi.waitFor(() => expect(el.getAttribute("aria-busy")).toBe("false"));
    expect(el.querySelector("#post-result")).toBeNull();
    expect(text(el, "#post")).toBe("Post");
    expect(el.querySelector<HTMLButtonElement>("#post")?.disabled).toBe(false);
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.value).toBe("Hello");
  });
});
