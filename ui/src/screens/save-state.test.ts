import { describe, expect, it } from "vitest";
import { UnsavedText } from "./save-state";

describe("unsaved text", () => {
  it("goes from saved to not saved and back after the next successful save", () => {
    const u = new UnsavedText();
    expect(u.failing).toBe(false);
    expect(u.message()).toBeNull();
    u.failed(0, "Hello", "database is locked.");
    expect(u.failing).toBe(true);
    expect(u.message()).toBe("Not saved — database is locked. Retrying…");
    expect(u.valueOf(0)).toBe("Hello");
    u.failed(0, "Hello!", "disk full");
    expect(u.entries()).toEqual([[0, "Hello!"]]);
    expect(u.message()).toBe("Not saved — disk full. Retrying…");
    u.saved(0);
    expect(u.failing).toBe(false);
    expect(u.message()).toBeNull();
    expect(u.valueOf(0)).toBeUndefined();
  });

  it("stays not saved until every failed part is saved", () => {
    const u = new UnsavedText();
    u.failed(0, "one", "disk full");
    u.failed(2, "three", "disk full");
    u.saved(0);
    expect(u.failing).toBe(true);
    expect(u.entries()).toEqual([[2, "three"]]);
    u.forget(2);
    expect(u.message()).toBeNull();
  });
});
