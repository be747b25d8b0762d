// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AccountStatus, DraftView } from "../ipc";

const ok = <T>(data: T) => Promise.resolve({ status: "ok" as const, data });
const mocks = vi.hoisted(() => ({ draft: null as unknown, calls: [] as unknown[][] }));

vi.mock("@tauri-apps/api/core", () => ({ Channel: class {} }));
vi.mock("@tauri-apps/api/webview", () => ({ getCurrentWebview: () => ({ onDragDropEvent: () => Promise.resolve(() => {}) }) }));
vi.mock("../ipc", async (importOriginal) => {
  // The real errorText and okOr; the commands and events below.
  const actual = await importOriginal<typeof import("../ipc")>();
  const record =
    (name: string, answer: () => unknown) =>
    (...args: unknown[]) => {
      mocks.calls.push([name, ...args]);
      return answer();
    };
  return {
    ...actual,
    events: { draftChanged: { listen: () => Promise.resolve() }, attachRefused: { listen: () => Promise.resolve() } },
    commands: {
      draftGet: record("draftGet", () => ok(mocks.draft)),
      historyList: record("historyList", () => ok([])),
      draftResolvePart: record("draftResolvePart", () => ok(mocks.draft)),
      draftDiscard: record("draftDiscard", () => ok(mocks.draft)),
      openLink: record("openLink", () => ok(null)),
      draftFocusPart: record("draftFocusPart", () => ok(null)),
      draftKeepOriginal: record("draftKeepOriginal", () => ok(mocks.draft)),
      draftAddPart: record("draftAddPart", () => {
        const d = mocks.draft as DraftView;
        return ok({ ...d, parts: [...d.parts, { text: "", status: "draft", postedId: null, media: [] }] });
      }),
      draftSetText: record("draftSetText", () => ok([])),
      draftSetAlt: record("draftSetAlt", () => ok(mocks.draft)),
      draftPickSubtitles: record("draftPickSubtitles", () => ok(mocks.draft)),
      draftSetSubtitleLanguage: record("draftSetSubtitleLanguage", () => ok(mocks.draft)),
      draftRemoveSubtitles: record("draftRemoveSubtitles", () => ok(mocks.draft)),
    },
  };
});

const { renderComposer, removable, shownStatus, REPLY_RULE, fitNote, subtitlesNote, mediaLine } = await import("./composer");

type Part = DraftView["parts"][number];
const part = (status: Part["status"], text: string, postedId: string | null = null): Part => ({ text, status, postedId, media: [] });
const draftOf = (parts: Part[], account: string | null = "Work"): DraftView => ({ id: "d1", account, parts, replyTo: null, replySettings: null, replyTarget: "none", poll: null, problems: [] });
const account = (name: string, username: string): AccountStatus => ({ name, configured: true, username, accessLevel: "read-write", plan: null, sandbox: false, isDefault: name === "Work", uploadRoute: null, signIn: "oauth1" });

async function mount(d: DraftView, current = account("Work", "worker")): Promise<HTMLElement> {
  mocks.draft = d;
  const el = renderComposer({
    onFix: () => {},
    account: current,
    accounts: [account("Work", "worker"), account("Home", "homebody")],
    onSwitchAccount: (name) => mocks.calls.push(["switch", name]),
  });
  document.body.replaceChildren(el);
  await vi.waitFor(() => expect(el.querySelector(".part")).not.toBeNull());
  return el;
}

beforeEach(() => {
  mocks.calls.length = 0;
});

describe("part statuses", () => {
  it("marks the parts a running post sends", () => {
    expect(shownStatus("draft", 0, 2)).toBe("sending");
    expect(shownStatus("draft", 2, 2)).toBe("draft");
    expect(shownStatus("posted", 0, 2)).toBe("posted");
  });

  it("removes only parts after every part that was sent", () => {
    expect(removable(["posted", "draft", "draft"], 1)).toBe(true);
    expect(removable(["posted", "draft"], 0)).toBe(false);
    expect(removable(["draft", "mayHavePosted", "draft"], 0)).toBe(false);
    expect(removable(["draft", "mayHavePosted", "draft"], 2)).toBe(true);
    expect(removable(["draft"], 0)).toBe(false);
  });
});

describe("a part that may have posted", () => {
  it("is read-only and asks the person, with the profile link and both choices", async () => {
    const el = await mount(draftOf([part("mayHavePosted", "Hello"), part("draft", "")]));
    const box = el.querySelector("#part-0-unknown");
    expect(box?.textContent).toContain("X's answer was lost. This part may already be on X.");
    expect(el.querySelector("#part-0-profile")?.getAttribute("href")).toBe("https://x.com/worker");
    expect(el.querySelector("#part-0-on-x")?.textContent).toBe("It's on X");
    expect(el.querySelector("#part-0-post-again")?.textContent).toBe("Post it again");
    expect(el.querySelector<HTMLTextAreaElement>("#part-0-text")?.disabled).toBe(true);
    expect(el.querySelector('[data-part="0"] .remove-part')).toBeNull();
    expect(el.querySelector("#part-0-pick")).toBeNull();
    expect(el.querySelector<HTMLTextAreaElement>("#part-1-text")?.disabled).toBe(false);
  });

  it("sends the link given with \"It's on X\"", async () => {
    const el = await mount(draftOf([part("mayHavePosted", "Hello")]));
    const input = el.querySelector<HTMLInputElement>("#part-0-post-link");
    if (input) input.value = " https://x.com/worker/status/12 ";
    el.querySelector<HTMLButtonElement>("#part-0-on-x")?.click();
    await vi.waitFor(() => expect(mocks.calls).toContainEqual(["draftResolvePart", 0, "onX", "https://x.com/worker/status/12"]));
  });

  it("shows posted and interrupted parts read-only with their mark", async () => {
    const el = await mount(draftOf([part("posted", "One", "7"), part("sending", "Two"), part("draft", "Three")]));
    expect(el.querySelector("#part-0-status")?.textContent).toBe("posted · 7");
    expect(el.querySelector("#part-1-status")?.textContent).toContain("never sent twice");
    expect(el.querySelector<HTMLTextAreaElement>("#part-1-text")?.disabled).toBe(true);
    expect(el.querySelectorAll(".remove-part")).toHaveLength(1);
    expect(el.querySelector("#post")?.textContent).toBe("Resume");
  });
});

describe("the draft's account", () => {
  it("says which account a started thread belongs to and offers a way out", async () => {
    const el = await mount(draftOf([part("posted", "One", "7"), part("draft", "Two")], "Home"));
    expect(el.querySelector("#account-mismatch")?.textContent).toContain("This thread was started as Home");
    expect(el.querySelector("#switch-back")?.textContent).toBe("Switch back to Home");
    el.querySelector<HTMLButtonElement>("#switch-back")?.click();
    expect(mocks.calls).toContainEqual(["switch", "Home"]);
    el.querySelector<HTMLButtonElement>("#start-new-draft")?.click();
    await vi.waitFor(() => expect(el.querySelector("#discard-confirm")).not.toBeNull());
    el.querySelector<HTMLButtonElement>("#discard-confirm")?.click();
    await vi.waitFor(() => expect(mocks.calls).toContainEqual(["draftDiscard"]));
  });

  it("says nothing for a draft that has not started", async () => {
    const el = await mount(draftOf([part("draft", "One")], "Home"));
    expect(el.querySelector("#account-mismatch")).toBeNull();
  });
});

describe("problems", () => {
  const problem = { part: 0, message: "This part is empty: write something or attach media.", blocking: true };
  it("a new, untouched draft is not greeted with an error, and cannot be posted", async () => {
    const el = await mount({ ...draftOf([part("draft", "")]), problems: [problem] });
    expect(el.querySelector<HTMLElement>("#draft-problems")?.hidden).toBe(true);
    expect(el.querySelector<HTMLButtonElement>("#post")?.disabled).toBe(true);
  });
  it("a warning is shown but does not stop Post", async () => {
    const warning = { part: 0, message: "talk.mp4 is 21:30 long; X takes videos up to 20 minutes (125 with Premium), so X will probably refuse it", blocking: false };
    const el = await mount({ ...draftOf([part("draft", "A long talk")]), problems: [warning] });
    const box = el.querySelector<HTMLElement>("#draft-problems");
    expect(box?.hidden).toBe(false);
    expect(box?.querySelector("li.warning")?.textContent).toBe(`Part 1: Warning: ${warning.message}`);
    expect(el.querySelector<HTMLButtonElement>("#post")?.disabled).toBe(false);
  });
  it("an empty part added to a thread is shown as the problem it is", async () => {
    const el = await mount({ ...draftOf([part("draft", "First"), part("draft", "")]), problems: [{ part: 1, message: "This part is empty.", blocking: true }] });
    const box = el.querySelector<HTMLElement>("#draft-problems");
    expect(box?.hidden).toBe(false);
    expect(box?.textContent).toContain("Part 2: This part is empty.");
    // An alert holding a list: the items stay a list for screen readers (axe's listitem rule).
    expect(box?.getAttribute("role")).toBe("alert");
    expect(box?.querySelector(":scope > ul > li")?.textContent).toBe("Part 2: This part is empty.");
  });
});

describe("a reply under X's 2026 rule", () => {
  it("warns before sending when the post is not known to be the person's own", async () => {
    const el = await mount({ ...draftOf([part("draft", "Nice post")]), replyTo: "1234567890", replyTarget: "notKnownOwn" });
    const note = el.querySelector("#reply-warning");
    expect(note?.textContent).toBe(REPLY_RULE);
    expect(note?.getAttribute("role")).toBe("note");
    expect(el.querySelector("#reply-to")?.getAttribute("aria-describedby")).toBe("reply-warning");
    expect((el.querySelector("#post-options") as HTMLDetailsElement).open).toBe(true);
  });

  it("says nothing for a reply to one's own post, or no reply", async () => {
    const own = await mount({ ...draftOf([part("draft", "Part two")]), replyTo: "1234567890", replyTarget: "own" });
    expect(own.querySelector("#reply-warning")).toBeNull();
    const none = await mount(draftOf([part("draft", "Hello")]));
    expect(none.querySelector("#reply-warning")).toBeNull();
  });
});

describe("an image fitted to X's limits", () => {
  const fit = { beforeBytes: 12_582_912, beforeWidth: 6000, beforeHeight: 4000, afterWidth: 6000, afterHeight: 4000, quality: 87 };

  it("says before and after, how, and that the original is unchanged", () => {
    expect(fitNote(5_138_022, fit)).toBe("Fitted to X's limits: 12.0 MB, 6000×4000 → 4.9 MB, 6000×4000 (JPEG quality 87). Your original file is unchanged.");
    expect(fitNote(4_000_000, { ...fit, afterWidth: 1024, afterHeight: 683, quality: null })).toContain("→ 3.8 MB, 1024×683 (PNG)");
    expect(fitNote(20_000, { ...fit, beforeBytes: 300_000 })).toContain("293 KB, 6000×4000 → 20 KB");
  });

  it("shows the note on the attachment, by the original's name", async () => {
    const media = { name: "IMG_0001.jpg", kind: "image" as const, mime: "image/jpeg", size: 5_138_022, width: 6000, height: 4000, alt: null, thumb: null, uploaded: false, fitted: fit, refusal: null, subtitles: null, durationMs: null };
    const el = await mount(draftOf([{ text: "A big photo", status: "draft", postedId: null, media: [media] }]));
    expect(el.querySelector(".media .fit-note")?.textContent).toContain("12.0 MB, 6000×4000 → 4.9 MB");
    expect(el.querySelector(".media .media-name")?.textContent).toContain("IMG_0001.jpg");
    // The person may keep their original instead (and get X's refusal).
    const keep = el.querySelector<HTMLButtonElement>(".media .keep-original");
    expect(keep?.getAttribute("aria-label")).toBe("Keep the original IMG_0001.jpg instead");
    keep?.click();
    await vi.waitFor(() => expect(mocks.calls).toContainEqual(["draftKeepOriginal", 0, 0]));
  });

  it("says why X refuses an original the person kept", async () => {
    const media = { name: "IMG_0001.jpg", kind: "image" as const, mime: "image/jpeg", size: 12_582_912, width: 6000, height: 4000, alt: null, thumb: null, uploaded: false, fitted: null, refusal: "IMG_0001.jpg: image is 12.0 MB; the limit is 5 MB", subtitles: null, durationMs: null };
    const el = await mount(draftOf([{ text: "A big photo", status: "draft", postedId: null, media: [media] }]));
    expect(el.querySelector(".media .kept-note")?.textContent).toBe("Your original, as it is: X refuses it (IMG_0001.jpg: image is 12.0 MB; the limit is 5 MB). Remove it and add it again to have it fitted.");
    expect(el.querySelector(".media .keep-original")).toBeNull();
  });
});

describe("subtitles on a video", () => {
  const video = (subtitles: { name: string; language: string; displayName: string } | null) => ({ name: "clip.mp4", kind: "video" as const, durationMs: null, mime: "video/mp4", size: 2_000_000, width: null, height: null, alt: null, thumb: null, uploaded: false, fitted: null, refusal: null, subtitles });

  it("a video offers Add subtitles…, which opens the picker for its part", async () => {
    const el = await mount(draftOf([{ text: "A clip", status: "draft", postedId: null, media: [video(null)] }]));
    const add = el.querySelector<HTMLButtonElement>("#part-0-media-0-add-subtitles");
    expect(add?.textContent).toBe("Add subtitles…");
    add?.click();
    await vi.waitFor(() => expect(mocks.calls).toContainEqual(["draftPickSubtitles", 0]));
  });

  it("a video's line says its duration, resolution and size", async () => {
    expect(mediaLine({ ...video(null), durationMs: 95_000, width: 1920, height: 1080 })).toBe("clip.mp4 · video · 1:35 · 1920×1080 · 1.9 MB");
    expect(mediaLine({ ...video(null), uploaded: true })).toBe("clip.mp4 · video · 1.9 MB · uploaded");
    // A Premium video past 4 GiB shows its real size (sizes cross IPC as plain numbers).
    expect(mediaLine({ ...video(null), size: 6 * 1024 ** 3 + 512 * 1024 ** 2 })).toBe("clip.mp4 · video · 6.50 GB");
    const el = await mount(draftOf([{ text: "A clip", status: "draft", postedId: null, media: [{ ...video(null), durationMs: 5_000, width: 1080, height: 1920 }] }]));
    expect(el.querySelector(".media .media-name")?.textContent).toBe("clip.mp4 · video · 0:05 · 1080×1920 · 1.9 MB");
  });

  it("images get no subtitle button", async () => {
    const image = { ...video(null), name: "cat.png", kind: "image" as const, mime: "image/png" };
    const el = await mount(draftOf([{ text: "A cat", status: "draft", postedId: null, media: [image] }]));
    expect(el.querySelector(".add-subtitles")).toBeNull();
  });

  it("shows the file's name and language, changes the language, and removes them", async () => {
    const el = await mount(draftOf([{ text: "A clip", status: "draft", postedId: null, media: [video({ name: "captions.vtt", language: "en", displayName: "English" })] }]));
    expect(el.querySelector(".media .subtitles-note")?.textContent).toBe("Subtitles: captions.vtt · English (en)");
    expect(el.querySelector("#part-0-media-0-add-subtitles")).toBeNull();
    const select = el.querySelector<HTMLSelectElement>("#part-0-media-0-subtitle-language")!;
    expect(select.value).toBe("en");
    select.value = "de";
    select.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(mocks.calls).toContainEqual(["draftSetSubtitleLanguage", 0, 0, "de"]));
    el.querySelector<HTMLButtonElement>("#part-0-media-0-remove-subtitles")!.click();
    await vi.waitFor(() => expect(mocks.calls).toContainEqual(["draftRemoveSubtitles", 0, 0]));
  });

  it("keeps a language that is not in the list as the selected one", async () => {
    const el = await mount(draftOf([{ text: "A clip", status: "draft", postedId: null, media: [video({ name: "c.srt", language: "pt-BR", displayName: "Português" })] }]));
    expect(el.querySelector<HTMLSelectElement>("#part-0-media-0-subtitle-language")!.value).toBe("pt-BR");
  });

  it("a posted video shows its subtitles read-only", async () => {
    const el = await mount(draftOf([{ text: "A clip", status: "posted", postedId: "1", media: [video({ name: "captions.vtt", language: "en", displayName: "English" })] }]));
    expect(el.querySelector(".media .subtitles-note")?.textContent).toBe(subtitlesNote({ name: "captions.vtt", language: "en", displayName: "English" }));
    expect(el.querySelector(".subtitle-language")).toBeNull();
    expect(el.querySelector(".remove-subtitles")).toBeNull();
  });
});

describe("keyboard shortcuts", () => {
  it("Ctrl+Shift+Enter in a part adds a part and puts the caret in it", async () => {
    const el = await mount(draftOf([part("draft", "First")]));
    const text = el.querySelector<HTMLTextAreaElement>("#part-0-text")!;
    text.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, shiftKey: true, bubbles: true }));
    await vi.waitFor(() => expect(el.querySelector("#part-1-text")).not.toBeNull());
    expect(mocks.calls.filter((c) => c[0] === "draftAddPart").length).toBe(1);
    await vi.waitFor(() => expect(document.activeElement?.id).toBe("part-1-text"));
  });

  it("a re-render gives the focus back to the element that had it", async () => {
    const media = { name: "cat.png", kind: "image" as const, mime: "image/png", size: 100, width: 8, height: 8, alt: null, thumb: null, uploaded: false, fitted: null, refusal: null, subtitles: null, durationMs: null };
    const el = await mount(draftOf([{ text: "A cat", status: "draft", postedId: null, media: [media] }]));
    const alt = el.querySelector<HTMLTextAreaElement>("#part-0-media-0-alt")!;
    alt.focus();
    alt.value = "A cat asleep";
    alt.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(mocks.calls.some((c) => c[0] === "draftSetAlt")).toBe(true));
    await vi.waitFor(() => expect(el.querySelector("#part-0-media-0-alt")).not.toBe(alt));
    expect(document.activeElement?.id).toBe("part-0-media-0-alt");
  });

  it("a button's focus is not handed to another item's button after a re-render", async () => {
    const media = (name: string) => ({ name, kind: "image" as const, mime: "image/png", size: 100, width: 8, height: 8, alt: null, thumb: null, uploaded: false, fitted: null, refusal: null, subtitles: null, durationMs: null });
    const el = await mount(draftOf([{ text: "Two cats", status: "draft", postedId: null, media: [media("a.png"), media("b.png")] }]));
    el.querySelector<HTMLButtonElement>("#part-0-media-0-remove")!.focus();
    el.querySelector<HTMLTextAreaElement>("#part-0-media-0-alt")!.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(el.querySelector("#part-0-media-0-remove")).not.toBeNull());
    await vi.waitFor(() => expect(mocks.calls.some((c) => c[0] === "draftSetAlt")).toBe(true));
    await vi.waitFor(() => expect(document.activeElement?.id ?? "").not.toBe("part-0-media-0-remove"));
  });

  it("Esc cancels a running post wherever the focus is", async () => {
    const el = await mount(draftOf([part("draft", "Sending")]));
    document.body.focus();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(mocks.calls.some((c) => c[0] === "draftCancel")).toBe(false); // nothing is being sent
    expect(el.isConnected).toBe(true);
  });

  it("the buttons name their shortcuts for assistive technology", async () => {
    const el = await mount(draftOf([part("draft", "First")]));
    expect(el.querySelector("#post")?.getAttribute("aria-keyshortcuts")).toBe("Control+Enter Meta+Enter");
    expect(el.querySelector("#add-part")?.getAttribute("aria-keyshortcuts")).toBe("Control+Shift+Enter Meta+Shift+Enter");
  });
});
