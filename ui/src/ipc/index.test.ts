import { describe, expect, it } from "vitest";
import { errorText, normalised, okOr, toAppError } from "./index";

describe("command failures", () => {
  it("are always AppErrors", () => {
    expect(toAppError("invalid args `part` for command `x`")).toEqual({ kind: "internal", message: "invalid args `part` for command `x`" });
    expect(toAppError(new Error("gone"))).toEqual({ kind: "internal", message: "gone" });
    expect(toAppError({ kind: "composer", message: "locked" })).toEqual({ kind: "composer", message: "locked" });
    expect(toAppError({ weird: true })).toEqual({ kind: "internal", message: 'Unexpected error: {"weird":true}' });
    expect(normalised({ status: "error", error: "plain" })).toEqual({ status: "error", error: { kind: "internal", message: "plain" } });
    expect(normalised({ status: "ok", data: 1 })).toEqual({ status: "ok", data: 1 });
  });
});

describe("errorText", () => {
  it("renders every wire error kind as a sentence", () => {
    expect(errorText({ kind: "keychain-unavailable", service: "s", reason: "R.", fix: "F." })).toBe("R. F.");
    expect(errorText({ kind: "internal", message: "boom" })).toBe("boom");
  });

  it("renders plain strings and unknown values too, never undefined or empty", () => {
    // Tauri rejects an argument-decoding failure with a plain string.
    expect(errorText("invalid args `part` for command `draft_set_text`: invalid type: string")).toBe(
      "invalid args `part` for command `draft_set_text`: invalid type: string",
    );
    expect(errorText(new Error("IPC broke"))).toBe("IPC broke");
    expect(errorText({ message: "database is locked" })).toBe("database is locked");
    expect(errorText({ code: 5 })).toBe('Unexpected error: {"code":5}');
    expect(errorText(42)).toBe("42");
    for (const nothing of [undefined, null, "", "   ", {}, new Error("")]) {
      const text = errorText(nothing);
      expect(typeof text).toBe("string");
      expect(text.length).toBeGreaterThan(0);
    }
  });
});

describe("okOr", () => {
  it("gives the data of an answer, or tells the failure's sentence and gives undefined", () => {
    const told: string[] = [];
    expect(okOr({ status: "ok", data: 7 }, (t) => told.push(t))).toBe(7);
    expect(told).toEqual([]);
    expect(okOr<number>({ status: "error", error: { kind: "account", message: "No such account." } }, (t) => told.push(t))).toBeUndefined();
    expect(told).toEqual(["No such account."]);
  });
});
