// The composer: write (live weighted counter), add media by dropping files on the window or
// with the native picker, reorder, remove, alt text, threads, replies, polls; post with
// progress per file and overall, cancel, resume a thread; the result's link and rate-limit
// state, or the diagnosis with a button into the wizard step that fixes it; the history.
// The draft lives in Rust (SQLite) and is saved on every change; this screen only renders it.
//
// Parts that are being sent, may have posted or are posted are read-only (Rust refuses edits
// to them too). During a post every part it sends shows "Sending…"; a part added meanwhile
// stays editable and, when the post settles, the current draft is read again from Rust (the
// engine moves such parts into the next draft). A part that "may have posted" waits for the
// person: "It's on X" (nothing is sent) or "Post it again" (it becomes a draft part again;
// the next Post sends it). A thread started on another account says so and offers to switch
// back or start a new draft.
//
// "Schedule…" (#schedule-at, a datetime-local input, and #schedule) hands the draft to the
// queue at that wall-clock time (Rust reads it in the system's time zone): the queued post
// owns the text and media from then on, and a fresh draft starts. While it is handed over the
// parts are read-only, so nothing typed is lost. On a pay-per-use plan the cost of the post
// or thread is shown (#post-cost, from Rust's price table); on a legacy plan, or when the
// plan is not known, nothing is.
import { Channel } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { commands, errorText, events, okOr, type AccountStatus, type Answer, type CostView, type DraftView, type FitView, type HistoryView, type PostOutcome, type ProgressView, type QueueItemView, type ReplySettings, type WizardStep } from "../ipc";
import { count } from "../lib/counter";
import { h } from "../lib/dom";
import { markInteractive } from "../lib/probe";
import { clock, renderPreview, type Preview } from "./preview";
import { renderDiagnosis } from "./diagnosis";
import { costText, defaultScheduleValue, dueText, pageZone, scheduleProblem } from "./queue-state";
import { UnsavedText } from "./save-state";

export interface ComposerOptions {
  /** Opens the setup wizard at a step, for the account in use. */
  onFix: (step: WizardStep) => void;
  /** The account in use. */
  account?: AccountStatus;
  /** Every account (the handle of the one a draft was started on gives its profile link). */
  accounts?: AccountStatus[];
  /** Makes `name` the account in use again (the draft was started there). */
  onSwitchAccount?: (name: string) => void;
  /** Shows the queue (after a draft was scheduled). */
  onOpenQueue?: () => void;
}

/** How long typing pauses before the cost is asked again. */
export const COST_DEBOUNCE_MS = 250;

type PartStatus = DraftView["parts"][number]["status"];

/** How part `i` is shown: while a post runs, each of the `sending` parts it sends is `sending`. */
export function shownStatus(status: PartStatus, i: number, sending: number): PartStatus {
  return status === "draft" && i < sending ? "sending" : status;
}

/** Whether part `i` may be removed: it and every part after it were never sent (the engine
 * refuses anything else, since removing it would shift the parts that were). */
export function removable(statuses: PartStatus[], i: number): boolean {
  return statuses.length > 1 && statuses.slice(i).every((s) => s === "draft");
}

/** Whether any part of the draft was sent, or may have been. */
export function started(d: DraftView): boolean {
  return d.parts.some((p) => p.status !== "draft");
}

/** A draft nobody has written in yet: one part, no text, no media, nothing sent. */
export function pristine(d: DraftView): boolean {
  return d.parts.length === 1 && !started(d) && d.parts.every((p) => p.text.trim() === "" && p.media.length === 0);
}

/** The profile page to check for a part that may have posted. */
export function profileLinkOf(username: string | null | undefined): string | null {
  return username ? `https://x.com/${username}` : null;
}

/** Sizes as X counts its limits (MiB): one decimal in MB, or whole KB under 1 MB. */
const mb = (bytes: number): string =>
  bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} KB`
    : bytes < 1024 * 1024 * 1024
      ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
      : `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;

/** What fitting an image to X's limits did: before → after, and that the original is unchanged. */
export function fitNote(afterBytes: number, f: FitView): string {
  const how = f.quality === null ? "PNG" : `JPEG quality ${f.quality}`;
  return `Fitted to X's limits: ${mb(f.beforeBytes)}, ${f.beforeWidth}×${f.beforeHeight} → ${mb(afterBytes)}, ${f.afterWidth}×${f.afterHeight} (${how}). Your original file is unchanged.`;
}

/** Said before a reply to a post that is not known to be the person's own (docs/protocol.md §15). */
export const REPLY_RULE =
  "If this post is someone else's: since 2026, X accepts a reply only when its author mentioned you. If they did not, X refuses it, and your draft stays here to post on its own. Replies in your own threads are not affected.";

/** Who may reply, as the menu offers it: everyone (no setting), then every `ReplySettings`
 * (`tsc` reports one added in Rust and missing here). */
export const REPLY_SETTINGS: Record<ReplySettings, string> = {
  following: "Accounts you follow",
  mentionedUsers: "Only accounts you mention",
  verified: "Verified accounts",
  subscribers: "Subscribers",
};
const replySettingsOf = (value: string): ReplySettings | null => (Object.hasOwn(REPLY_SETTINGS, value) ? (value as ReplySettings) : null);

const ALT_LIMIT = 1000;

/** Subtitle languages offered by the picker (BCP-47 codes X takes, with their names); a
 * file's language not listed here is added to its select as it is. */
export const SUBTITLE_LANGUAGES: ReadonlyArray<readonly [string, string]> = [
  ["en", "English"], ["es", "Español"], ["fr", "Français"], ["de", "Deutsch"], ["it", "Italiano"],
  ["pt", "Português"], ["nl", "Nederlands"], ["sv", "Svenska"], ["pl", "Polski"], ["tr", "Türkçe"],
  ["ru", "Русский"], ["uk", "Українська"], ["ar", "العربية"], ["hi", "हिन्दी"], ["ja", "日本語"],
  ["ko", "한국어"], ["zh", "中文"],
];

/** An attachment's one-line description: name, kind, and for a video its duration,
 * resolution and size; for images their pixels. */
export function mediaLine(m: { name: string; kind: string; width: number | null; height: number | null; size: number; durationMs: number | null; uploaded: boolean }): string {
  const parts = [m.name, m.kind];
  if (m.kind === "video") {
    if (m.durationMs !== null) parts.push(clock(m.durationMs));
    if (m.width !== null && m.height !== null) parts.push(`${m.width}×${m.height}`);
    parts.push(mb(m.size));
  } else if (m.width !== null && m.height !== null) {
    parts.push(`${m.width}×${m.height}`);
  }
  if (m.uploaded) parts.push("uploaded");
  return parts.join(" · ");
}

/** The line shown under a video with subtitles: the file's name and the track's language. */
export function subtitlesNote(s: { name: string; language: string; displayName: string }): string {
  return `Subtitles: ${s.name} · ${s.displayName} (${s.language})`;
}
/** How long after a failed save it is tried again (also on the next edit). */
export const RETRY_MS = 3000;

export function formatReset(resetAt: number | null): string {
  if (resetAt === null) return "";
  const d = new Date(resetAt * 1000);
  return `resets ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

export function rateLimitText(r: { remaining: number | null; limit: number | null; resetAt: number | null } | null): string {
  if (r === null || r.remaining === null) return "";
  const reset = formatReset(r.resetAt);
  return `${r.remaining} post${r.remaining === 1 ? "" : "s"} left${r.limit !== null ? ` of ${r.limit}` : ""}${reset ? `, ${reset}` : ""}`;
}

/** Overall progress (0–1) from the latest progress per file. */
export function overall(files: Map<string, { sent: number; total: number; processing: number | null }>): number {
  let sent = 0;
  let total = 0;
  for (const f of files.values()) {
    sent += f.processing === null ? f.sent : f.total * (0.5 + f.processing / 200);
    total += f.total;
  }
  return total === 0 ? 0 : Math.min(1, sent / total);
}

/** The composer on screen (the listeners below are registered once, for the window's life). */
let current: { changed: (d: DraftView) => void; refused: (message: string) => void; dragging: (on: boolean) => void } | null = null;
let listening = false;

function listenOnce(): void {
  if (listening) return;
  listening = true;
  void events.draftChanged.listen((e) => current?.changed(e.payload));
  void events.attachRefused.listen((e) => current?.refused(e.payload.message));
  void getCurrentWebview().onDragDropEvent((e) => current?.dragging(e.payload.type === "enter" || e.payload.type === "over"));
}

export function renderComposer(opts: ComposerOptions): HTMLElement {
  const root = h("section", { id: "composer", "aria-labelledby": "composer-title" });
  let draft: DraftView | null = null;
  let posting = false;
  /** The last post's outcome, and which post it was. */
  let outcome: (PostOutcome & { attempt: number }) | null = null;
  let error: string | null = null;
  let history: HistoryView[] = [];
  const progress = new Map<string, { label: string; sent: number; total: number; processing: number | null }>();
  let stage = "";
  /** Every edit's save, chained so they reach Rust in the order they were made. */
  let saves: Promise<void> = Promise.resolve();
  /** Saves queued and not finished yet; shown as `data-save` ("saving" / "saved"). */
  let pending = 0;
  /** Posts started in this window; the result carries its number (`data-attempt`). */
  let attempts = 0;
  /** Text Rust did not save, until a later save of it succeeds (shown in `#save-state`). */
  const unsaved = new UnsavedText();
  const saveBox = h("p", { id: "save-state", className: "status error", role: "alert", hidden: true });
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** While a post runs: how many leading parts it sends (read-only, "Sending…"). */
  let sendingCount = 0;
  /** Whether the running post has started sending (its first progress); until then the
   * draft's shape must not change, so "Add to thread" waits. */
  let postStarted = false;
  /** What the person's last decision did ("It's on X", "Post it again", discard). */
  let notice: string | null = null;
  /** The profile link Rust gave with the last "may have posted" failure. */
  let lastProfileLink: string | null = null;
  /** Whether "Discard draft" is asking for confirmation. */
  let confirmingDiscard = false;
  /** While the draft is handed to the queue: every part is read-only. */
  let scheduling = false;
  /** The post the last "Schedule…" queued. */
  let scheduled: QueueItemView | null = null;
  /** The cost of the draft on a pay-per-use plan (`null`: none to show). */
  let cost: CostView | null = null;
  let costTimer: ReturnType<typeof setTimeout> | null = null;

  /** `data-save` ("saving" / "saved" / "failed") and the persistent "Not saved" line. */
  const showSaveState = (): void => {
    root.dataset["save"] = unsaved.failing ? "failed" : pending > 0 ? "saving" : "saved";
    const message = unsaved.message();
    saveBox.textContent = message ?? "";
    saveBox.hidden = message === null;
  };
  /** Saves every unsaved part's text again, through its field (as if typed again). */
  const retryUnsaved = (): void => {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    for (const [part, value] of unsaved.entries()) {
      const field = root.querySelector<HTMLTextAreaElement>(`#part-${part}-text`);
      if (field === null) {
        if (draft !== null && part >= draft.parts.length) unsaved.forget(part);
        continue;
      }
      if (field.value !== value) field.value = value;
      field.dispatchEvent(new Event("input"));
    }
    if (unsaved.failing && retryTimer === null) retryTimer = setTimeout(retryUnsaved, RETRY_MS);
    showSaveState();
  };
  /** A text save failed: say so (without re-rendering the field being typed in), retry soon. */
  const saveFailed = (part: number, value: string, err: unknown): void => {
    unsaved.failed(part, value, errorText(err));
    if (retryTimer === null) retryTimer = setTimeout(retryUnsaved, RETRY_MS);
    showSaveState();
  };
  /** A text save succeeded: Rust works again, so save what is still unsaved right away. */
  const saveSucceeded = (part: number): void => {
    const was = unsaved.failing;
    unsaved.saved(part);
    if (was && unsaved.failing) retryUnsaved();
    else if (!unsaved.failing && retryTimer !== null) {
      clearTimeout(retryTimer);
      retryTimer = null;
    }
    showSaveState();
  };
  /** Queues `work` after every earlier save; Post waits for all of them. */
  const queue = (work: () => Promise<void>): Promise<void> => {
    pending += 1;
    showSaveState();
    const next = saves.then(work).catch((e: unknown) => {
      error = errorText(e);
      render();
    }).finally(() => {
      pending -= 1;
      showSaveState();
    });
    saves = next;
    return next;
  };

  const load = async (): Promise<void> => {
    const [d, hist] = await Promise.all([commands.draftGet(), commands.historyList()]);
    draft = okOr(d, (text) => (error = text)) ?? draft;
    if (hist.status === "ok") history = hist.data;
    render();
    if (draft !== null) markInteractive();
  };

  type Edit = () => Promise<Answer<DraftView>>;
  const show = (r: Answer<DraftView>): void => {
    const d = okOr(r, (text) => (error = text));
    if (d !== undefined) {
      draft = d;
      error = null;
    }
    render();
  };
  /** Runs a structural edit in the save chain (after every earlier save, before any post),
   * then shows the draft Rust returns. */
  const apply = (work: Edit): Promise<void> => queue(async () => show(await work()));
  /** Like `apply` for the native picker, which waits for the person: it waits for the earlier
   * saves but does not hold up later ones while the picker is open. */
  const pick = async (work: Edit): Promise<void> => {
    await saves;
    show(await work());
  };

  /** The text on screen of the parts from `from` on that hold something (text or media), in
   * order: what the person wrote while a post sent the parts before them. */
  const writtenFrom = (from: number): string[] => {
    const d = draft;
    if (d === null) return [];
    const out: string[] = [];
    for (let i = from; i < d.parts.length; i++) {
      const text = root.querySelector<HTMLTextAreaElement>(`#part-${i}-text`)?.value ?? d.parts[i]?.text ?? "";
      if (text.trim() !== "" || (d.parts[i]?.media.length ?? 0) > 0) out.push(text);
    }
    return out;
  };

  /** Reads the current draft from Rust after a post. When the post moved the parts written
   * meanwhile into a new draft, their text on screen is applied to it once more: keystrokes
   * that reached Rust after the move were not saved (they named the old draft). */
  const reload = async (sentId: string, written: string[]): Promise<void> => {
    const got = okOr(await commands.draftGet(), (text) => (error = text));
    if (got === undefined) return;
    let current = got;
    if (current.id !== sentId && !started(current)) {
      for (const [k, text] of written.entries()) {
        if (k >= current.parts.length) {
          const added = await commands.draftAddPart();
          if (added.status !== "ok") break;
          current = added.data;
        }
        if (current.parts[k]?.text === text) continue;
        const saved = await commands.draftSetText(current.id, k, text);
        if (saved.status !== "ok") break;
        current = { ...current, parts: current.parts.map((p, j) => (j === k ? { ...p, text } : p)), problems: saved.data };
      }
    }
    draft = current;
  };

  /** The person's decision about part `i`, which may have posted. */
  const resolve = (i: number, choice: "onX" | "postAgain", link: string | null): Promise<void> =>
    queue(async () => {
      const before = draft?.id;
      const r = await commands.draftResolvePart(i, choice, link);
      if (r.status === "ok") {
        outcome = null;
        notice =
          choice === "postAgain"
            ? `Part ${i + 1} is a draft again. Nothing was sent; click Post to send it.`
            : r.data.id !== before
              ? "Marked as on X. Nothing was sent; the draft is done."
              : `Part ${i + 1} is marked as on X. Nothing was sent.`;
      }
      show(r);
    });

  /** Gives up the draft (after the person confirmed). */
  const discard = (): Promise<void> =>
    queue(async () => {
      confirmingDiscard = false;
      const r = await commands.draftDiscard();
      if (r.status === "ok") {
        outcome = null;
        notice = "The draft was discarded. Anything already on X stays there.";
      }
      show(r);
    });

  /** Asks Rust what the draft costs (only on a pay-per-use plan), after typing pauses. */
  const updateCost = (): void => {
    if (costTimer !== null) clearTimeout(costTimer);
    costTimer = null;
    if (opts.account?.plan !== "pay-per-use" || draft === null) {
      cost = null;
      showCost();
      return;
    }
    const d = draft;
    costTimer = setTimeout(() => {
      costTimer = null;
      const texts = d.parts.map((p, i) => root.querySelector<HTMLTextAreaElement>(`#part-${i}-text`)?.value ?? p.text);
      void commands.postCost(texts).then((r) => {
        cost = r.status === "ok" ? r.data : null;
        showCost();
      });
    }, COST_DEBOUNCE_MS);
  };
  function showCost(): void {
    const text = costText(cost);
    costLine.textContent = text !== null ? `${draft !== null && draft.parts.length > 1 ? "This thread costs" : "This post costs"} ${text}` : "";
    costLine.hidden = text === null;
  }

  /** Hands the draft to the queue at the time in #schedule-at; a fresh draft starts. */
  const schedule = async (): Promise<void> => {
    if (posting || scheduling || draft === null) return;
    const problem = scheduleProblem(scheduleAt.value);
    if (problem !== null) {
      error = problem;
      render();
      return;
    }
    if (unsaved.failing) {
      // Rust would queue the text it has, not the text on screen: save it first.
      retryUnsaved();
      return;
    }
    scheduling = true;
    scheduleButton.disabled = true;
    // Every keystroke's save reaches Rust first (also those typed while waiting) ...
    let last: Promise<void>;
    do {
      last = saves;
      await last;
    } while (last !== saves);
    // ... then the parts are read-only until the queue owns them.
    error = null;
    notice = null;
    outcome = null;
    scheduled = null;
    confirmingDiscard = false;
    render();
    const r = await commands.queueSchedule(draft.id, scheduleAt.value, pageZone());
    scheduling = false;
    const s = okOr(r, (text) => (error = text));
    if (s !== undefined) {
      draft = s.draft;
      scheduled = s.item;
      scheduleAt.value = defaultScheduleValue(new Date());
    }
    render();
  };

  const post = async (): Promise<void> => {
    if (posting || scheduling || draft === null) return;
    if (unsaved.failing) {
      // Rust would post the text it has, not the text on screen: save it first.
      retryUnsaved();
      return;
    }
    posting = true;
    scheduled = null;
    attempts += 1;
    const attempt = attempts;
    root.dataset["postAttempt"] = String(attempt);
    outcome = null;
    error = null;
    notice = null;
    confirmingDiscard = false;
    const sentId = draft.id;
    sendingCount = draft.parts.length;
    postStarted = false;
    progress.clear();
    stage = "Starting…";
    render();
    // Every keystroke's save reaches Rust, in order, before the post reads the draft.
    await saves;
    const channel = new Channel<ProgressView>();
    channel.onmessage = (p) => {
      if (!postStarted) {
        postStarted = true;
        addPartButton.disabled = false;
      }
      switch (p.stage) {
        case "uploading": {
          const key = `${p.part}/${p.file}`;
          progress.set(key, { label: p.file, sent: p.bytesSent, total: p.total, processing: progress.get(key)?.processing ?? null });
          stage = `Uploading ${p.file}`;
          break;
        }
        case "paused": {
          const key = `${p.part}/${p.file}`;
          progress.set(key, { label: p.file, sent: p.bytesSent, total: p.total, processing: null });
          stage = `Paused — waiting for the network (${p.file} goes on by itself; nothing is lost)`;
          break;
        }
        case "processing": {
          const key = `${p.part}/${p.file}`;
          const prev = progress.get(key);
          const pct = p.percent ?? prev?.processing ?? 0;
          progress.set(key, { label: p.file, sent: prev?.total ?? 0, total: prev?.total ?? 1, processing: pct });
          stage = `X is processing ${p.file} (${pct}%)`;
          break;
        }
        case "subtitles":
          stage = `Adding subtitles ${p.file} to the video`;
          break;
        case "posting":
          stage = sendingCount > 1 ? `Posting part ${p.part + 1} of ${sendingCount}` : "Posting";
          break;
        case "posted":
          stage = `Posted part ${p.part + 1}`;
          break;
      }
      renderProgress();
    };
    const r = await commands.draftPost(channel);
    const written = writtenFrom(sendingCount);
    posting = false;
    postStarted = false;
    sendingCount = 0;
    const o = okOr(r, (text) => (error = text));
    if (o !== undefined) {
      outcome = { ...o, attempt };
      draft = o.draft;
      if (o.outcome === "failed" && o.profileLink !== null) lastProfileLink = o.profileLink;
    }
    // What was typed during the post is saved first; then the draft is read again from Rust.
    await queue(() => reload(sentId, written));
    const hist = await commands.historyList();
    if (hist.status === "ok") history = hist.data;
    render();
  };

  const progressBox = h("div", { id: "progress", "aria-live": "polite" });
  // An alert holding a list (a list with role=alert would no longer be a list to screen readers).
  const problemsList = h("ul", {});
  const problemsBox = h("div", { id: "draft-problems", className: "status error", role: "alert" }, problemsList);
  const postButton = h("button", { id: "post", className: "primary", title: "Ctrl+Enter", "aria-keyshortcuts": "Control+Enter Meta+Enter", onclick: () => void post() }, "Post");
  /** Adds a part and puts the caret in it (the button, or Ctrl/Cmd+Shift+Enter in a part). */
  const addPart = (): Promise<void> =>
    apply(() => commands.draftAddPart()).then(() => {
      const n = draft?.parts.length ?? 0;
      root.querySelector<HTMLTextAreaElement>(`#part-${n - 1}-text`)?.focus();
    });
  const addPartButton = h("button", { id: "add-part", title: "Ctrl+Shift+Enter", "aria-keyshortcuts": "Control+Shift+Enter Meta+Shift+Enter", onclick: () => void addPart() }, "Add to thread");
  const scheduleAt = h("input", { id: "schedule-at", type: "datetime-local", "aria-label": "Date and time to post it", value: defaultScheduleValue(new Date()) });
  const scheduleButton = h("button", { id: "schedule", title: "Post it at this date and time", onclick: () => void schedule() }, "Schedule…");
  const costLine = h("p", { id: "post-cost", className: "muted", hidden: true });

  /** Shows the draft's problems (none on an untouched draft) and enables Post only when there are none. */
  function updateProblems(): void {
    const d = draft;
    if (d === null) return;
    // A new, untouched draft is not a mistake: Post stays disabled, but no error greets the
    // person. Problems show once there is something to post (an empty part added to a thread).
    const shown = pristine(d) ? [] : d.problems;
    // Warnings (a video longer than the account may post …) are said, but Post stays possible:
    // X decides.
    problemsList.replaceChildren(...shown.map((p) => h("li", { className: p.blocking ? "problem" : "warning" }, `Part ${p.part + 1}: ${p.blocking ? "" : "Warning: "}${p.message}`)));
    problemsBox.hidden = shown.length === 0;
    const blocked = d.problems.some((p) => p.blocking) || d.parts.some((p) => count(p.text).level === "blocked");
    postButton.disabled = posting || scheduling || blocked;
    scheduleButton.disabled = posting || scheduling || blocked || started(d);
    scheduleAt.disabled = posting || scheduling;
  }
  function renderProgress(): void {
    if (!posting) {
      progressBox.replaceChildren();
      return;
    }
    const rows = [...progress.values()].map((f) => {
      const pct = f.processing ?? Math.round((100 * f.sent) / Math.max(1, f.total));
      const bar = h("progress", { max: "100", value: String(pct), "aria-label": `${f.label}` });
      return h("div", { className: "file-progress" }, h("span", {}, f.processing === null ? `${f.label}: ${Math.round((100 * f.sent) / Math.max(1, f.total))}% sent` : `${f.label}: processing ${f.processing}%`), bar);
    });
    const all = Math.round(overall(progress) * 100);
    const overallRow = rows.length > 0 ? [h("div", { className: "file-progress" }, h("span", {}, `Overall ${all}%`), h("progress", { id: "overall-progress", max: "100", value: String(all), "aria-label": "Overall progress" }))] : [];
    progressBox.replaceChildren(
      h("p", { id: "progress-stage" }, stage),
      ...rows,
      ...overallRow,
      h("button", { id: "cancel-post", title: "Esc", "aria-keyshortcuts": "Escape", onclick: () => void commands.draftCancel() }, "Cancel"),
    );
  }

  function mediaItem(part: number, index: number, count_: number, m: DraftView["parts"][number]["media"][number], readOnly: boolean): HTMLElement {
    const fitted = m.fitted
      ? h("span", { className: "fit-note muted" }, fitNote(m.size, m.fitted), " ",
          readOnly ? null : h("button", { className: "keep-original small", "aria-label": `Keep the original ${m.name} instead`, onclick: () => void apply(() => commands.draftKeepOriginal(part, index)) }, "Keep the original instead"))
      : m.refusal
        ? h("span", { className: "kept-note" }, `Your original, as it is: X refuses it (${m.refusal}). Remove it and add it again to have it fitted.`)
        : null;
    // A video's first frame (decoded in Rust) carries a play mark, as on X; without one, a tile.
    const preview = m.thumb && m.kind === "video"
      ? h("div", { className: "thumb-video" }, h("img", { src: m.thumb, alt: `First frame of the video ${m.name}`, className: "thumb" }), h("span", { className: "thumb-play", "aria-hidden": "true" }, "▶"))
      : m.thumb
        ? h("img", { src: m.thumb, alt: m.alt ?? `Preview of ${m.name}`, className: "thumb" })
        : h("div", { className: "thumb video-tile", role: "img", "aria-label": `Video ${m.name}` }, m.kind === "video" ? "▶ video" : m.kind);
    const alt = h("textarea", { id: `part-${part}-media-${index}-alt`, className: "alt", rows: "2", maxlength: String(ALT_LIMIT), "aria-label": `Alt text for ${m.name}`, placeholder: "Describe the image for people who cannot see it" });
    alt.value = m.alt ?? "";
    const altCount = h("small", { className: "alt-count" }, `${alt.value.length} / ${ALT_LIMIT}`);
    alt.addEventListener("input", () => {
      altCount.textContent = `${alt.value.length} / ${ALT_LIMIT}${alt.value.length > 420 ? " (some languages' apps show 420)" : ""}`;
    });
    alt.addEventListener("change", () => void apply(() => commands.draftSetAlt(part, index, alt.value)));
    const subs = m.subtitles;
    let subtitles: HTMLElement | null = null;
    if (m.kind === "video" && subs !== null && readOnly) {
      subtitles = h("span", { className: "subtitles-note muted" }, subtitlesNote(subs));
    } else if (m.kind === "video" && subs !== null) {
      const select = h("select", { id: `part-${part}-media-${index}-subtitle-language`, className: "subtitle-language", "aria-label": `Language of the subtitles ${subs.name}` });
      const known = SUBTITLE_LANGUAGES.some(([code]) => code.toLowerCase() === subs.language.toLowerCase());
      const options = known ? SUBTITLE_LANGUAGES : [[subs.language, subs.displayName] as const, ...SUBTITLE_LANGUAGES];
      for (const [code, name] of options) {
        const o = h("option", { value: code }, `${name} (${code})`);
        if (code.toLowerCase() === subs.language.toLowerCase()) o.selected = true;
        select.append(o);
      }
      select.addEventListener("change", () => void apply(() => commands.draftSetSubtitleLanguage(part, index, select.value)));
      subtitles = h(
        "div",
        { className: "subtitles row" },
        h("span", { className: "subtitles-note" }, subtitlesNote(subs)),
        h("label", { className: "subtitle-language-label" }, "Language ", select),
        h("button", { id: `part-${part}-media-${index}-remove-subtitles`, className: "remove-subtitles small", "aria-label": `Remove the subtitles ${subs.name}`, onclick: () => void apply(() => commands.draftRemoveSubtitles(part, index)) }, "Remove subtitles"),
      );
    } else if (m.kind === "video" && !readOnly) {
      subtitles = h(
        "div",
        { className: "subtitles row" },
        h("button", { id: `part-${part}-media-${index}-add-subtitles`, className: "add-subtitles small", "aria-label": `Add subtitles to ${m.name}`, title: "An .srt or .vtt file; you can also drop it on the window", onclick: () => void pick(() => commands.draftPickSubtitles(part)) }, "Add subtitles…"),
      );
    }
    if (readOnly) {
      return h(
        "li",
        { className: "media", "data-index": String(index) },
        preview,
        h("span", { className: "media-name" }, mediaLine(m)),
        fitted,
        m.alt ? h("span", { className: "alt-text muted" }, `Alt text: ${m.alt}`) : null,
        subtitles,
      );
    }
    return h(
      "li",
      { className: "media", "data-index": String(index) },
      preview,
      h("span", { className: "media-name" }, mediaLine(m)),
      fitted,
      m.kind !== "video" ? h("label", { className: "alt-label" }, "Alt text", alt, altCount) : null,
      subtitles,
      h(
        "div",
        { className: "row media-actions" },
        h("button", { id: `part-${part}-media-${index}-earlier`, className: "move-earlier", disabled: index === 0, "aria-label": `Move ${m.name} earlier`, onclick: () => void apply(() => commands.draftMoveMedia(part, index, index - 1)) }, "◀"),
        h("button", { id: `part-${part}-media-${index}-later`, className: "move-later", disabled: index === count_ - 1, "aria-label": `Move ${m.name} later`, onclick: () => void apply(() => commands.draftMoveMedia(part, index, index + 1)) }, "▶"),
        h("button", { id: `part-${part}-media-${index}-remove`, className: "remove-media danger", "aria-label": `Remove ${m.name}`, onclick: () => void apply(() => commands.draftRemoveMedia(part, index)) }, "Remove"),
      ),
    );
  }

  /** The statuses as shown: during a post, the parts it sends are `sending`. */
  function statusesOf(d: DraftView): PartStatus[] {
    return d.parts.map((q, j) => shownStatus(q.status, j, posting ? sendingCount : 0));
  }

  /** The mark on a part that is not a draft. */
  function statusBadge(status: PartStatus, p: DraftView["parts"][number], i: number): HTMLElement | null {
    switch (status) {
      case "draft":
        return null;
      case "posted":
        return h("span", { id: `part-${i}-status`, className: "badge posted-badge" }, p.postedId ? `posted · ${p.postedId}` : "posted (marked by you)");
      case "sending":
        return h(
          "span",
          { id: `part-${i}-status`, className: "badge sending-badge" },
          posting ? "Sending…" : "Sent before Postbridge stopped; Post checks X for it (it is never sent twice)",
        );
      case "mayHavePosted":
        return h("span", { id: `part-${i}-status`, className: "badge unknown-badge" }, "May already be on X");
    }
  }

  /** The decision a part that may have posted waits for. */
  function mayHavePostedBox(d: DraftView, i: number): HTMLElement {
    const bound = opts.accounts?.find((a) => a.name === (d.account ?? opts.account?.name));
    const link = lastProfileLink ?? profileLinkOf(bound?.username ?? opts.account?.username);
    const postLink = h("input", { id: `part-${i}-post-link`, type: "text", placeholder: "https://x.com/you/status/…", disabled: posting });
    return h(
      "div",
      { id: `part-${i}-unknown`, className: "status error may-have-posted", role: "alert" },
      h("p", {}, "X's answer was lost. This part may already be on X."),
      link
        ? h("p", {}, h("a", { id: `part-${i}-profile`, className: "profile-link", href: link, onclick: (ev: Event) => { ev.preventDefault(); void commands.openLink(link); } }, "Open your profile"), " and look for it.")
        : h("p", {}, "Open your profile on X and look for it."),
      h("label", { className: "field", for: `part-${i}-post-link` }, "Its link, if you found it (optional)"),
      postLink,
      h(
        "div",
        { className: "row" },
        h("button", { id: `part-${i}-on-x`, className: "primary", disabled: posting, onclick: () => void resolve(i, "onX", postLink.value.trim() || null) }, "It's on X"),
        h("button", { id: `part-${i}-post-again`, disabled: posting, onclick: () => void resolve(i, "postAgain", null) }, "Post it again"),
      ),
    );
  }

  function partCard(d: DraftView, i: number): HTMLElement {
    const p = d.parts[i];
    if (p === undefined) return h("div", {});
    const statuses = statusesOf(d);
    const status = statuses[i] ?? p.status;
    const readOnly = status !== "draft" || scheduling;
    const text = h("textarea", { id: `part-${i}-text`, className: "post-text", rows: "5", "aria-describedby": `part-${i}-count`, disabled: readOnly, placeholder: i === 0 ? "What's happening?" : "Add to the thread" });
    // Text Rust has not saved yet stays on screen (it is being retried).
    text.value = unsaved.valueOf(i) ?? p.text;
    const c0 = count(text.value);
    const counter = h("span", { id: `part-${i}-count`, className: `counter ${c0.level}`, "aria-live": "polite" }, c0.label);
    text.addEventListener("input", () => {
      const c = count(text.value);
      counter.textContent = c.label;
      counter.className = `counter ${c.level}`;
      // Saved on every change; the draft's problems come back and update in place (the
      // textarea is not re-rendered while typing). The save names its draft: one that
      // arrives after a post moved this part to a new draft is not saved (see `reload`).
      const value = text.value;
      updateCost();
      previewTyped(i, value);
      void queue(() =>
        commands.draftSetText(d.id, i, value).then((r) => {
          if (r.status === "ok" && draft !== null && draft.id === d.id) {
            draft.parts[i] = { ...p, text: value };
            draft.problems = r.data;
            updateProblems();
          } else if (r.status === "error") {
            saveFailed(i, value, r.error);
          }
          if (r.status === "ok") saveSucceeded(i);
        }, (e: unknown) => saveFailed(i, value, e)),
      );
    });
    text.addEventListener("focus", () => void commands.draftFocusPart(i));
    text.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.shiftKey) {
        ev.preventDefault();
        if (!addPartButton.disabled) void addPart();
      } else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        void post();
      }
    });
    const label = d.parts.length > 1 ? `Part ${i + 1} of ${d.parts.length}` : "Post";
    return h(
      "div",
      { className: `part ${status}`, "data-part": String(i), "data-status": status },
      h("label", { for: `part-${i}-text` }, label),
      text,
      h("div", { className: "row part-meta" }, counter, statusBadge(status, p, i)),
      status === "mayHavePosted" ? mayHavePostedBox(d, i) : null,
      p.media.length > 0 ? h("ul", { className: "media-list", "aria-label": `Media of ${label}` }, ...p.media.map((m, j) => mediaItem(i, j, p.media.length, m, readOnly))) : null,
      h(
        "div",
        { className: "row" },
        !readOnly ? h("button", { id: `part-${i}-pick`, className: "pick", onclick: () => void pick(() => commands.draftPickFiles(i)) }, "Add images or video…") : null,
        removable(statuses, i) ? h("button", { className: "remove-part danger", onclick: () => void apply(() => commands.draftRemovePart(i)) }, "Remove this part") : null,
      ),
    );
  }

  /** "This thread was started as …" when the draft belongs to another account. */
  function accountBox(d: DraftView): HTMLElement | null {
    const current = opts.account?.name;
    const bound = d.account;
    if (bound === null || current === undefined || bound === current || !started(d)) return null;
    const exists = opts.accounts?.some((a) => a.name === bound) ?? false;
    return h(
      "div",
      { id: "account-mismatch", className: "status error", role: "alert" },
      h("p", {}, `This thread was started as ${bound}. The account in use is ${current}; posting the rest from it would split the thread across accounts.`),
      h(
        "div",
        { className: "row" },
        exists && opts.onSwitchAccount
          ? h("button", { id: "switch-back", className: "primary", disabled: posting, onclick: () => opts.onSwitchAccount?.(bound) }, `Switch back to ${bound}`)
          : null,
        h("button", { id: "start-new-draft", disabled: posting, onclick: () => { confirmingDiscard = true; render(); } }, "Start a new draft"),
      ),
    );
  }

  /** "Discard draft", with its confirmation. */
  function discardBox(d: DraftView): HTMLElement | null {
    if (confirmingDiscard) {
      return h(
        "div",
        { id: "discard-confirm-box", className: "status error", role: "alert" },
        h("p", {}, started(d) ? "Discard this draft? Parts already on X stay there; everything else in it is gone." : "Discard this draft? Its text and attachments are gone."),
        h(
          "div",
          { className: "row" },
          h("button", { id: "discard-confirm", className: "danger", disabled: posting, onclick: () => void discard() }, "Discard"),
          h("button", { id: "discard-cancel", onclick: () => { confirmingDiscard = false; render(); } }, "Keep it"),
        ),
      );
    }
    const empty = !started(d) && d.parts.every((p) => p.text.trim() === "" && p.media.length === 0);
    if (empty) return null;
    return h("button", { id: "discard-draft", className: "danger", disabled: posting, onclick: () => { confirmingDiscard = true; render(); } }, "Discard draft");
  }

  /** X's 2026 reply rule, said before sending when the reply is not to one of the person's own
   * posts (Rust decides which: `replyTarget`). A note, not an error: it may well be allowed. */
  function replyWarning(d: DraftView, reply: HTMLInputElement): HTMLElement[] {
    if (d.replyTarget !== "notKnownOwn") return [];
    reply.setAttribute("aria-describedby", "reply-warning");
    return [h("p", { id: "reply-warning", className: "note", role: "note" }, REPLY_RULE)];
  }

  function optionsBox(d: DraftView): HTMLElement {
    const reply = h("input", { id: "reply-to", type: "text", placeholder: "A post's link or id", value: d.replyTo ?? "" });
    const settings = h("select", { id: "reply-settings" },
      ...[["", "Everyone can reply"], ...Object.entries(REPLY_SETTINGS)].map(([v, t]) => {
        const o = h("option", { value: v ?? "" }, t ?? "");
        if ((d.replySettings ?? "") === v) o.selected = true;
        return o;
      }));
    const pollOn = h("input", { id: "poll-on", type: "checkbox" });
    pollOn.checked = d.poll !== null;
    const pollOptions = [0, 1, 2, 3].map((k) => h("input", { type: "text", className: "poll-option", maxlength: "25", "aria-label": `Poll option ${k + 1}`, value: d.poll?.options[k] ?? "" }));
    const duration = h("input", { id: "poll-minutes", type: "number", min: "5", max: "10080", value: String(d.poll?.durationMinutes ?? 1440), "aria-label": "Poll duration in minutes" });
    const save = (): void => {
      const poll = pollOn.checked ? { options: pollOptions.map((o) => o.value.trim()).filter((o) => o !== ""), durationMinutes: Number(duration.value) || 1440 } : null;
      void apply(() => commands.draftSetOptions(reply.value, replySettingsOf(settings.value), poll));
    };
    for (const el of [reply, settings, pollOn, duration, ...pollOptions]) {
      el.addEventListener("change", save);
      // The post being sent was read when Post was clicked; its options cannot change now.
      el.disabled = posting;
    }
    const open = d.replyTo !== null || d.replySettings !== null || d.poll !== null;
    const details = h(
      "details",
      { id: "post-options" },
      h("summary", {}, "Reply, who can reply, poll"),
      h("div", { className: "field" }, h("label", { for: "reply-to" }, "Reply to"), reply),
      ...replyWarning(d, reply),
      h("div", { className: "field" }, h("label", { for: "reply-settings" }, "Who can reply"), settings),
      h("div", { className: "field" }, h("label", { for: "poll-on" }, pollOn, " Add a poll (not with media)"), h("div", { className: "poll-options" }, ...pollOptions), h("label", { for: "poll-minutes" }, "Duration (minutes)"), duration),
    );
    if (open) details.open = true;
    return details;
  }

  /** What the last "Schedule…" did. */
  function scheduledBox(): HTMLElement | null {
    const item = scheduled;
    if (item === null) return null;
    return h(
      "div",
      { id: "schedule-result", className: "status ok", role: "status", "data-id": item.id, "data-state": item.state },
      h("p", {}, `Scheduled for ${dueText(item)}${item.parts.length > 1 ? ` (a thread of ${item.parts.length} parts)` : ""}. The queue has it; this is a new draft.`),
      opts.onOpenQueue ? h("button", { id: "open-queue", onclick: () => opts.onOpenQueue?.() }, "Open the queue") : null,
    );
  }

  function outcomeBox(): HTMLElement | null {
    const o = outcome;
    if (o === null) return null;
    switch (o.outcome) {
      case "posted":
        return h(
          "div",
          { id: "post-result", className: "status ok", role: "status", "data-outcome": "posted", "data-attempt": String(o.attempt) },
          h("h3", {}, o.ids.length > 1 ? `Thread posted (${o.ids.length} parts)` : "Posted"),
          h("ul", {}, ...o.links.map((l) => h("li", {}, h("a", { href: l, className: "post-link", onclick: (ev: Event) => { ev.preventDefault(); void commands.openLink(l); } }, l)))),
          o.rateLimit ? h("p", { id: "rate-limit", className: "muted" }, rateLimitText(o.rateLimit)) : null,
        );
      case "failed":
        return h(
          "div",
          { id: "post-result", "data-outcome": "failed", "data-kind": o.diagnosis.kind, "data-part": String(o.part), "data-attempt": String(o.attempt) },
          o.posted.length > 0 ? h("p", { className: "muted" }, `${o.posted.length} part${o.posted.length === 1 ? "" : "s"} posted before part ${o.part + 1} failed; Resume continues from part ${o.part + 1}.`) : null,
          renderDiagnosis(o.diagnosis, opts.onFix),
        );
      case "cancelled":
        return h("p", { id: "post-result", className: "status", "data-outcome": "cancelled", "data-attempt": String(o.attempt) }, "Cancelled. Nothing more was posted; the draft is kept.");
    }
  }

  function historyBox(): HTMLElement {
    return h(
      "section",
      { id: "history", "aria-labelledby": "history-title" },
      h("h2", { id: "history-title" }, "History"),
      history.length === 0
        ? h("p", { className: "muted" }, "Nothing posted yet.")
        : h("ul", { className: "history-list" }, ...history.map((e) =>
            h("li", { className: e.postId ? "history-post" : "history-failure" },
              h("time", {}, new Date(e.at * 1000).toLocaleString()),
              h("span", {}, ` · ${e.account} · ${e.excerpt}${e.mediaCount ? ` · ${e.mediaCount} media` : ""}`),
              e.link ? h("a", { href: e.link, onclick: (ev: Event) => { ev.preventDefault(); void commands.openLink(e.link ?? ""); } }, " open") : null,
              e.diagnosis ? h("span", { className: "muted" }, ` · failed: ${e.diagnosis.cause}`) : null))),
    );
  }

  /** The live preview of the draft on screen (rebuilt with the draft; typing updates it). */
  let preview: Preview | null = null;
  /** Parts typed into since the last frame: their preview text is updated once per frame. */
  const typed = new Map<number, string>();
  function previewTyped(i: number, value: string): void {
    if (typed.size === 0) {
      requestAnimationFrame(() => {
        for (const [k, v] of typed) preview?.setText(k, v);
        typed.clear();
      });
    }
    typed.set(i, value);
  }

  function render(): void {
    if (draft === null) {
      root.replaceChildren(h("p", { className: "muted" }, "Loading your draft…"));
      return;
    }
    const d = draft;
    postButton.textContent = started(d) ? "Resume" : "Post";
    addPartButton.disabled = posting && !postStarted;
    updateProblems();
    root.setAttribute("aria-busy", posting ? "true" : "false");
    const children: (HTMLElement | null)[] = [
      h("h2", { id: "composer-title" }, "Compose"),
      h("p", { className: "muted drop-hint" }, "Drop images, a GIF or a video anywhere on the window. Ctrl+Enter posts, Ctrl+Shift+Enter adds a part, Esc cancels a post."),
      accountBox(d),
      ...d.parts.map((_, i) => partCard(d, i)),
      h("div", { className: "row" }, addPartButton),
      optionsBox(d),
      (preview = renderPreview(d, opts.accounts?.find((a) => a.name === (d.account ?? opts.account?.name)) ?? opts.account)).el,
      problemsBox,
      saveBox,
      error ? h("p", { id: "composer-error", className: "status error", role: "alert" }, error) : null,
      notice ? h("p", { id: "composer-notice", className: "status ok", role: "status" }, notice) : null,
      h("div", { className: "row post-row" }, discardBox(d), h("span", { className: "schedule-box" }, scheduleAt, scheduleButton), postButton),
      costLine,
      scheduledBox(),
      progressBox,
      outcomeBox(),
      historyBox(),
    ];
    // A re-render replaces the elements: the field with the keyboard focus gets it back (and its
    // caret), so a save on blur or a change from Rust never drops a keyboard user to the page.
    // Fields only: a button's id may now name another item (after Move or Remove, the next
    // image's Remove), and Enter pressed again must not act on that one.
    const active = document.activeElement;
    const field = active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement || active instanceof HTMLSelectElement;
    const focusId = field && root.contains(active) && active.id !== "" ? active.id : null;
    const caret = active instanceof HTMLTextAreaElement ? [active.selectionStart, active.selectionEnd] as const : null;
    root.replaceChildren(...children.filter((c): c is HTMLElement => c !== null));
    if (focusId !== null && !root.contains(document.activeElement)) {
      const again = root.querySelector<HTMLElement>(`[id="${focusId}"]`);
      again?.focus();
      if (again instanceof HTMLTextAreaElement && caret !== null) again.setSelectionRange(caret[0], caret[1]);
    }
    // Text not saved yet is what the textareas show: the preview shows it too.
    d.parts.forEach((_, i) => {
      const u = unsaved.valueOf(i);
      if (u !== undefined) preview?.setText(i, u);
    });
    renderProgress();
    updateCost();
  }

  // Files dropped on the window arrive from Rust (it reads the paths); this only shows them.
  listenOnce();
  current = {
    changed: (d) => {
      draft = d;
      render();
    },
    refused: (message) => {
      error = message;
      render();
    },
    dragging: (on) => root.classList.toggle("dragging", on),
  };
  // Esc while a post runs cancels it (what the Cancel button does), wherever the focus is: the
  // parts being sent are disabled, so it is often on the page itself.
  const onEscape = (ev: KeyboardEvent): void => {
    if (!root.isConnected) {
      document.removeEventListener("keydown", onEscape);
      return;
    }
    if (ev.key === "Escape" && posting) {
      ev.preventDefault();
      void commands.draftCancel();
    }
  };
  document.addEventListener("keydown", onEscape);
  root.dataset["postAttempt"] = "0";
  showSaveState();
  render();
  void load();
  return root;
}
