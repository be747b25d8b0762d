// The queue view's state logic, kept free of the DOM so it can be tested: which section an
// item is in, which actions its state allows, how lateness and cost read, and the values of
// the datetime-local inputs (wall-clock times; Rust reads them in the system's time zone).
import type { CostView, QueueItemView, QueueStateView, SlotWait } from "../ipc";

/** Every state with its section title, in the order the sections are shown (a `Record`, so
 * `tsc` reports a state added in Rust and missing here). */
export const SECTIONS: Record<QueueStateView, string> = {
  "may-have-posted": "May have posted — check your profile",
  held: "Held for review",
  failed: "Failed",
  posting: "Sending now",
  scheduled: "Upcoming",
  posted: "Posted",
  cancelled: "Cancelled",
};

/** The short label of a state, for its badge. */
export const STATE_LABEL: Record<QueueStateView, string> = {
  scheduled: "scheduled",
  posting: "sending…",
  posted: "posted",
  held: "held",
  failed: "failed",
  "may-have-posted": "may have posted",
  cancelled: "cancelled",
};

/** What the person can do with an item. */
export type Action = "edit" | "cancel" | "reschedule" | "postNow" | "onX" | "postAgain";

/** The actions an item's state allows (the engine refuses the others). */
export function actionsFor(state: QueueStateView): Action[] {
  switch (state) {
    case "scheduled":
    case "held":
    case "failed":
      return ["postNow", "reschedule", "edit", "cancel"];
    case "may-have-posted":
      return ["onX", "postAgain", "cancel"];
    case "posting":
    case "posted":
    case "cancelled":
      return [];
  }
}

/** The items by section, in `SECTIONS` order, without empty sections. Upcoming and sending
 * items come soonest first; finished ones most recent first. */
export function sections(items: QueueItemView[]): { state: QueueStateView; title: string; items: QueueItemView[] }[] {
  const order = Object.keys(SECTIONS) as QueueStateView[];
  return order
    .map((state) => {
      const of = items.filter((i) => i.state === state);
      const soonestFirst = state === "scheduled" || state === "posting";
      of.sort((a, b) => (soonestFirst ? a.dueAt - b.dueAt : b.dueAt - a.dueAt) || a.id.localeCompare(b.id));
      return { state, title: SECTIONS[state], items: of };
    })
    .filter((s) => s.items.length > 0);
}

/** How late an item went out (or was held): "on time", "45 s late", "12 min late",
 * "2 h 5 min late". */
export function lateText(secs: number | null): string | null {
  if (secs === null) return null;
  if (secs < 60) return secs <= 5 ? "on time" : `${secs} s late`;
  const minutes = Math.floor(secs / 60);
  if (minutes < 60) return `${minutes} min late`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h late` : `${h} h ${m} min late`;
}

/** "$0.215 on pay-per-use (2 posts, 1 with a link)"; `null` when there is no cost to show
 * (a legacy plan, or the plan is not known). */
export function costText(cost: CostView | null): string | null {
  if (cost === null) return null;
  const posts = `${cost.posts} post${cost.posts === 1 ? "" : "s"}`;
  const links = cost.withUrl > 0 ? `, ${cost.withUrl} with a link` : "";
  return `${cost.dollars} on pay-per-use (${posts}${links})`;
}

/** What an account waiting for X's rate limits is told: which limit, and when it can post. */
export function waitText(w: SlotWait): string {
  const limit = w.limit === "daily" ? "its 24-hour posting cap" : "its 15-minute posting window";
  const when = w.atLocal.replace("T", " at ");
  return `${w.account} has used up ${limit} (as X last reported it): its next post can go on ${when}. Posts due before then wait for it.`;
}

/**
 * What the scheduled items due in the 24 hours after `nowSecs` will cost on pay-per-use, as a
 * sentence; `null` when none of them is billed per post (legacy plans, unknown plan).
 */
export function dayCostText(items: QueueItemView[], nowSecs: number): string | null {
  let micros = 0;
  let posts = 0;
  let billed = false;
  for (const i of items) {
    if (i.state !== "scheduled" || i.cost === null) continue;
    if (i.dueAt < nowSecs - 3600 || i.dueAt > nowSecs + 24 * 3600) continue;
    billed = true;
    micros += i.cost.micros;
    posts += i.cost.posts;
  }
  if (!billed) return null;
  const dollars = `$${(micros / 1_000_000).toFixed(3).replace(/0$/, "")}`;
  return `The next 24 hours of the queue: ${posts} post${posts === 1 ? "" : "s"}, ${dollars} on pay-per-use.`;
}

const pad = (n: number): string => String(n).padStart(2, "0");

/** `d` on the local wall clock as a datetime-local value (`2026-03-29T09:00`). */
export function localValue(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The time the schedule input starts at: the next full hour at least 30 minutes away. */
export function defaultScheduleValue(now: Date): string {
  const d = new Date(now.getTime() + 30 * 60_000);
  if (d.getMinutes() !== 0 || d.getSeconds() !== 0 || d.getMilliseconds() !== 0) {
    d.setHours(d.getHours() + 1, 0, 0, 0);
  }
  return localValue(d);
}

/** Why a datetime-local value cannot be used, or `null` when it can (Rust decides the rest:
 * a time too far in the past, a zone change). */
export function scheduleProblem(value: string): string | null {
  if (value.trim() === "") return "Choose a date and time to schedule it for.";
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim())) return `"${value}" is not a date and time.`;
  return null;
}

/** The page's IANA time zone (Rust uses the system's, and this one only when it has none). */
export function pageZone(): string | null {
  try {
    const z = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return z !== undefined && z !== "" ? z : null;
  } catch {
    return null;
  }
}

/** When an item is due, for people: "Sun 29 Mar 2026, 09:00 (Europe/Berlin)". */
export function dueText(item: QueueItemView): string {
  const [date = "", time = ""] = item.dueLocal.split("T");
  const [y, mo, da] = date.split("-").map(Number);
  const shown =
    y !== undefined && mo !== undefined && da !== undefined && !Number.isNaN(y + mo + da)
      ? `${new Date(y, mo - 1, da).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" })}, ${time}`
      : item.dueText;
  return item.zone !== null ? `${shown} (${item.zone})` : shown;
}

/** The counts shown on the Queue tab: items waiting for the person (held, failed, may have
 * posted) and upcoming ones. */
export function counts(items: QueueItemView[]): { attention: number; upcoming: number } {
  return {
    attention: items.filter((i) => i.state === "held" || i.state === "failed" || i.state === "may-have-posted").length,
    upcoming: items.filter((i) => i.state === "scheduled" || i.state === "posting").length,
  };
}
