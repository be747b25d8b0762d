// The queue: scheduled posts by section (may have posted, held, failed, sending, upcoming,
// posted, cancelled) with what each state allows — post now, edit in the composer, reschedule (a datetime-local
// input, read by Rust in the system's time zone), cancel, and for a post that may have posted
// the person's word: "It's on X" or "Post it again". The app's runner sends due posts while
// the app runs; every change (here, or by the runner) arrives as `queue-changed` and the list
// is read again. State logic is in `queue-state.ts`.
//
// Stable hooks for journeys: #queue (data-count), #queue-item-<id> (data-state), and inside
// it #queue-item-<id>-{post-now,reschedule-at,reschedule,edit,cancel,on-x,post-again,post-link}.
import { commands, events, okOr, type Answer, type QueueItemView, type QueueView } from "../ipc";
import { h } from "../lib/dom";
import { renderBackgroundSettings } from "./background";
import { actionsFor, costText, counts, dayCostText, waitText, dueText, lateText, pageZone, scheduleProblem, sections, STATE_LABEL } from "./queue-state";

/** The queue view on screen; the event listener is registered once, for the window's life. */
let current: (() => void) | null = null;
let listening = false;

function listenOnce(): void {
  if (listening) return;
  listening = true;
  void events.queueChanged.listen(() => current?.());
}

export interface QueueOptions {
  /** An item went back into the composer ("Edit"): show it there. */
  onEdited?: () => void;
}

export function renderQueue(opts: QueueOptions = {}): HTMLElement {
  const root = h("section", { id: "queue", "aria-labelledby": "queue-title" });
  let view: QueueView | null = null;
  let error: string | null = null;
  let notice: string | null = null;
  /** The item whose action is running (its buttons are disabled meanwhile). */
  let busy: string | null = null;
  /** Made once: it keeps its own state across the list's re-renders. */
  const background = renderBackgroundSettings();

  const load = async (): Promise<void> => {
    const r = await commands.queueList(pageZone());
    const v = okOr(r, (text) => (error = text));
    if (v !== undefined) view = v;
    render();
  };

  /** Runs an action on item `id`, says what it did, and reads the queue again. */
  const act = async (id: string, work: () => Promise<Answer<QueueItemView>>, done: (i: QueueItemView) => string): Promise<void> => {
    if (busy !== null) return;
    busy = id;
    error = null;
    notice = null;
    render();
    const r = await work();
    busy = null;
    const item = okOr(r, (text) => (error = text));
    if (item !== undefined) notice = done(item);
    await load();
  };

  function actions(item: QueueItemView): HTMLElement | null {
    const allowed = actionsFor(item.state);
    if (allowed.length === 0) return null;
    const id = item.id;
    const key = `queue-item-${id}`;
    const disabled = busy !== null;
    const row = h("div", { className: "row queue-actions" });
    if (allowed.includes("onX")) {
      const link = h("input", { id: `${key}-post-link`, type: "text", placeholder: "https://x.com/you/status/… (optional)", "aria-label": "Its link, if you found it", disabled });
      row.append(
        link,
        h("button", { id: `${key}-on-x`, className: "primary", disabled, onclick: () => void act(id, () => commands.queueResolve(id, "onX", link.value.trim() || null), () => "Marked as on X. Nothing was sent.") }, "It's on X"),
        h("button", { id: `${key}-post-again`, disabled, onclick: () => void act(id, () => commands.queueResolve(id, "postAgain", null), () => "It will be posted again now.") }, "Post it again"),
      );
    }
    const edit = allowed.includes("edit")
      ? h("button", {
          id: `${key}-edit`,
          disabled,
          onclick: () => {
            if (busy !== null) return;
            busy = id;
            error = null;
            notice = null;
            render();
            void commands.queueEdit(id).then(async (r) => {
              busy = null;
              const draft = okOr(r, (text) => (error = text));
              if (draft !== undefined && opts.onEdited) opts.onEdited();
              else await load();
            });
          },
        }, "Edit in the composer")
      : null;
    if (allowed.includes("postNow")) {
      row.append(h("button", { id: `${key}-post-now`, className: "primary", disabled, onclick: () => void act(id, () => commands.queuePostNow(id), () => "It is being posted now.") }, "Post now"));
    }
    if (allowed.includes("reschedule")) {
      const at = h("input", { id: `${key}-reschedule-at`, type: "datetime-local", value: item.dueLocal, "aria-label": "New date and time", disabled });
      row.append(
        at,
        h("button", {
          id: `${key}-reschedule`,
          disabled,
          onclick: () => {
            const problem = scheduleProblem(at.value);
            if (problem !== null) {
              error = problem;
              render();
              return;
            }
            void act(id, () => commands.queueReschedule(id, at.value, pageZone()), (i) => `Rescheduled for ${dueText(i)}.`);
          },
        }, "Reschedule"),
      );
    }
    if (edit !== null) row.append(edit);
    if (allowed.includes("cancel")) {
      row.append(h("button", { id: `${key}-cancel`, className: "danger", disabled, onclick: () => void act(id, () => commands.queueCancel(id), () => "Cancelled. It will not be posted.") }, "Cancel"));
    }
    return row;
  }

  function itemCard(item: QueueItemView): HTMLElement {
    const key = `queue-item-${item.id}`;
    const late = item.state === "posted" || item.state === "held" ? lateText(item.lateSecs) : null;
    const cost = costText(item.cost);
    const parts = item.parts.length;
    return h(
      "li",
      { id: key, className: `queue-item ${item.state}`, "data-state": item.state, "data-id": item.id },
      h(
        "div",
        { className: "row queue-meta" },
        h("time", { id: `${key}-due`, dateTime: new Date(item.dueAt * 1000).toISOString() }, dueText(item)),
        h("span", { className: `badge state-badge ${item.state}` }, STATE_LABEL[item.state]),
        h("span", { className: "muted" }, item.account),
        late ? h("span", { id: `${key}-late`, className: "muted" }, late) : null,
        cost ? h("span", { id: `${key}-cost`, className: "muted" }, cost) : null,
      ),
      h("p", { className: "queue-preview" }, item.preview || "(media only)"),
      parts > 1 || item.parts.some((p) => p.media.length > 0)
        ? h("p", { className: "muted" }, [parts > 1 ? `Thread of ${parts} parts` : null, ...item.parts.flatMap((p) => p.media)].filter((x) => x !== null).join(" · "))
        : null,
      item.links.length > 0
        ? h("ul", { className: "queue-links" }, ...item.links.map((l) => h("li", {}, h("a", { href: l, className: "post-link", onclick: (ev: Event) => { ev.preventDefault(); void commands.openLink(l); } }, l))))
        : null,
      item.heldReason ? h("p", { id: `${key}-held`, className: "status error" }, item.heldReason) : null,
      item.diagnosis
        ? h(
            "p",
            { id: `${key}-error`, className: "status error", "data-kind": item.diagnosis.kind },
            item.state === "scheduled" ? `Not sent yet: ${item.diagnosis.detail}` : item.diagnosis.detail,
            item.diagnosis.cause ? h("span", { className: "muted" }, ` ${item.diagnosis.cause}`) : null,
          )
        : null,
      item.state === "may-have-posted"
        ? h("p", {}, "X's answer was lost, and Postbridge did not find the post. ", item.profileLink
            ? h("a", { id: `${key}-profile`, href: item.profileLink, onclick: (ev: Event) => { ev.preventDefault(); void commands.openLink(item.profileLink ?? ""); } }, "Open your profile")
            : "Open your profile on X", " and look for it.")
        : null,
      actions(item),
    );
  }

  function render(): void {
    const items = view?.items ?? [];
    const c = counts(items);
    root.dataset["count"] = String(items.length);
    root.dataset["attention"] = String(c.attention);
    root.setAttribute("aria-busy", busy !== null ? "true" : "false");
    const groups = sections(items);
    const children: (HTMLElement | null)[] = [
      h("h2", { id: "queue-title" }, "Queue"),
      h("p", { className: "muted" }, `Scheduled posts go out while Postbridge runs, with its window open or closed (below)${view?.zone ? `; times are in ${view.zone}` : ""}. A post more than its late limit past its time is held for you instead.`),
      ...(view?.waits ?? []).map((w) => h("p", { className: "status warning queue-wait", role: "status", "data-account": w.account }, waitText(w))),
      ((text) => (text ? h("p", { id: "queue-day-cost", className: "muted" }, text) : null))(dayCostText(items, Date.now() / 1000)),
      error ? h("p", { id: "queue-error", className: "status error", role: "alert" }, error) : null,
      notice ? h("p", { id: "queue-notice", className: "status ok", role: "status" }, notice) : null,
      view === null
        ? h("p", { className: "muted" }, "Reading the queue…")
        : groups.length === 0
          ? h("p", { id: "queue-empty", className: "muted" }, "Nothing scheduled. Write a post and use Schedule… next to Post.")
          : h("div", {}, ...groups.map((g) =>
              h("section", { className: "queue-section", "data-section": g.state },
                h("h3", {}, `${g.title} (${g.items.length})`),
                h("ul", { className: "queue-list" }, ...g.items.map(itemCard))))),
      background,
    ];
    root.replaceChildren(...children.filter((c): c is HTMLElement => c !== null));
  }

  listenOnce();
  current = () => void load();
  render();
  void load();
  return root;
}
