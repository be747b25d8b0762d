import { describe, expect, it } from "vitest";
import { normalised, toAppError } from "./index";

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
