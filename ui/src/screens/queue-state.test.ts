import { describe, expect, it } from "vitest";
import type { QueueItemView, QueueStateView } from "../ipc";
import { actionsFor, costText, counts, dayCostText, waitText, defaultScheduleValue, dueText, lateText, localValue, scheduleProblem, sections, SECTIONS } from "./queue-state";

const item = (id: string, state: QueueStateView, dueAt: number, over: Partial<QueueItemView> = {}): QueueItemView => ({
  id,
  state,
  account: "Work",
  dueAt,
  dueLocal: "2026-03-29T09:00",
  zone: "Europe/Berlin",
  dueText: "2026-03-29T09:00:00+02:00[Europe/Berlin]",
  preview: "Hello",
  parts: [{ text: "Hello", media: [] }],
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

describe("queue sections", () => {
  it("puts what needs the person first, upcoming soonest first and finished most recent first, without empty sections", () => {
    const list = [
      item("p1", "posted", 100),
      item("s2", "scheduled", 300),
      item("s1", "scheduled", 200),
      item("p2", "posted", 150),
      item("m", "may-have-posted", 50),
      item("h", "held", 10),
    ];
    const got = sections(list);
    expect(got.map((s) => s.state)).toEqual(["may-have-posted", "held", "scheduled", "posted"]);
    expect(got.find((s) => s.state === "scheduled")?.items.map((i) => i.id)).toEqual(["s1", "s2"]);
    expect(got.find((s) => s.state === "posted")?.items.map((i) => i.id)).toEqual(["p2", "p1"]);
    expect(got.reduce((n, s) => n + s.items.length, 0)).toBe(list.length);
    expect(sections([])).toEqual([]);
    expect(counts(list)).toEqual({ attention: 2, upcoming: 2 });
  });

  it("offers each state only what the engine allows", () => {
    const all = Object.keys(SECTIONS) as QueueStateView[];
    expect(all).toHaveLength(7);
    for (const s of ["posting", "posted", "cancelled"] as const) expect(actionsFor(s)).toEqual([]);
    for (const s of ["scheduled", "held", "failed"] as const) {
      expect(actionsFor(s)).toEqual(expect.arrayContaining(["postNow", "reschedule", "cancel"]));
      expect(actionsFor(s)).not.toContain("onX");
    }
    expect(actionsFor("may-have-posted")).toEqual(["onX", "postAgain", "cancel"]);
    expect(actionsFor("may-have-posted")).not.toContain("postNow");
  });
});

describe("texts", () => {
  it("says how late a post went out", () => {
    expect(lateText(null)).toBeNull();
    expect(lateText(0)).toBe("on time");
    expect(lateText(45)).toBe("45 s late");
    expect(lateText(12 * 60 + 59)).toBe("12 min late");
    expect(lateText(2 * 3600)).toBe("2 h late");
    expect(lateText(2 * 3600 + 5 * 60)).toBe("2 h 5 min late");
  });

  it("shows a cost only when there is one", () => {
    expect(costText(null)).toBeNull();
    expect(costText({ micros: 15000, dollars: "$0.015", posts: 1, withUrl: 0 })).toBe("$0.015 on pay-per-use (1 post)");
    expect(costText({ micros: 215000, dollars: "$0.215", posts: 2, withUrl: 1 })).toBe("$0.215 on pay-per-use (2 posts, 1 with a link)");
  });

  it("shows the due time on its zone's wall clock, with the zone", () => {
    const t = dueText(item("a", "scheduled", 0));
    expect(t).toContain("09:00");
    expect(t).toContain("2026");
    expect(t.endsWith("(Europe/Berlin)")).toBe(true);
    expect(dueText(item("b", "scheduled", 0, { zone: null, dueLocal: "bad" }))).toBe("2026-03-29T09:00:00+02:00[Europe/Berlin]");
  });
});

describe("datetime-local values", () => {
  it("starts at the next full hour at least 30 minutes away, on the local clock", () => {
    expect(defaultScheduleValue(new Date(2026, 2, 29, 8, 10))).toBe("2026-03-29T09:00");
    expect(defaultScheduleValue(new Date(2026, 2, 29, 8, 30))).toBe("2026-03-29T09:00");
    expect(defaultScheduleValue(new Date(2026, 2, 29, 8, 31))).toBe("2026-03-29T10:00");
    expect(defaultScheduleValue(new Date(2026, 11, 31, 23, 45))).toBe("2027-01-01T01:00");
    expect(localValue(new Date(2026, 0, 5, 7, 3))).toBe("2026-01-05T07:03");
  });

  it("refuses an empty or malformed value before asking Rust", () => {
    expect(scheduleProblem("")).not.toBeNull();
    expect(scheduleProblem("tomorrow")).not.toBeNull();
    expect(scheduleProblem("2026-03-29 09:00")).not.toBeNull();
    expect(scheduleProblem("2026-03-29T09:00")).toBeNull();
    expect(scheduleProblem("2026-03-29T09:00:30")).toBeNull();
  });
});

describe("dayCostText", () => {
  const now = 1_800_000_000;
  const cost = (micros: number, posts: number) => ({ micros, dollars: "", posts, withUrl: 0 });
  it("adds up the scheduled items due in the next 24 hours", () => {
    const items = [
      item("a", "scheduled", now + 600, { cost: cost(15_000, 1) }),
      item("b", "scheduled", now + 3600, { cost: cost(215_000, 2) }),
      item("c", "scheduled", now + 25 * 3600, { cost: cost(15_000, 1) }), // after tomorrow
      item("d", "posted", now - 60, { cost: cost(15_000, 1) }), // already billed
      item("e", "cancelled", now + 60, { cost: cost(15_000, 1) }),
    ];
    expect(dayCostText(items, now)).toBe("The next 24 hours of the queue: 3 posts, $0.23 on pay-per-use.");
  });
  it("says nothing when no item is billed per post", () => {
    expect(dayCostText([item("a", "scheduled", now + 60)], now)).toBeNull();
    expect(dayCostText([], now)).toBeNull();
  });
  it("keeps a third decimal when there is one", () => {
    expect(dayCostText([item("a", "scheduled", now + 60, { cost: cost(15_000, 1) })], now)).toContain("1 post, $0.015");
  });
});

describe("waitText", () => {
  it("names the account, the limit and its local time", () => {
    expect(waitText({ account: "Work", limit: "fifteenMinutes", at: 1, atLocal: "2027-01-15T09:00" })).toBe(
      "Work has used up its 15-minute posting window (as X last reported it): its next post can go on 2027-01-15 at 09:00. Posts due before then wait for it.",
    );
    expect(waitText({ account: "Night", limit: "daily", at: 1, atLocal: "2027-01-15T09:00" })).toContain("24-hour posting cap");
  });
});
