import { describe, expect, it } from "vitest";
import { count, weightedLength } from "./counter";

describe("weighted length (twitter-text v3)", () => {
  it.each([
    ["cafe\u0301", 4],
    ["日本語", 6],
    ["—", 1],
    ["…", 2],
    ["€", 2],
    ["see https://example.com/a/very/long/path?q=1", 27],
    ["👨‍👩‍👧‍👦", 2],
    ["日".repeat(140), 280],
  ])("%s weighs %i", (text, n) => {
    expect(weightedLength(text)).toBe(n);
  });

  it("warns above 280 and blocks only above 25,000", () => {
    expect(count("a".repeat(280)).level).toBe("ok");
    expect(count("a".repeat(281)).level).toBe("premium");
    expect(count("a".repeat(281)).label).toContain("needs Premium");
    expect(count("a".repeat(25_000)).level).toBe("premium");
    expect(count("a".repeat(25_001)).level).toBe("blocked");
  });
});
