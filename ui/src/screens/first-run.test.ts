// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { renderFirstRun, errorText } from "./first-run";

describe("first-run screen", () => {
  it("shows the version, platform and an available keychain", () => {
    const el = renderFirstRun(document, {
      ok: { version: "1.2.3", platform: "linux", arch: "x86_64", keychain: { status: "available", service: "Secret Service" } },
    });
    expect(el.querySelector("#version")?.textContent).toBe("1.2.3");
    expect(el.querySelector("#platform")?.textContent).toBe("linux (x86_64)");
    const status = el.querySelector("#keychain-status");
    expect(status?.className).toContain("ok");
    expect(status?.textContent).toContain("Secret Service");
    expect(el.querySelectorAll("button")).toHaveLength(0);
  });

  it("explains a missing keychain with its fix, as an alert", () => {
    const el = renderFirstRun(document, {
      ok: {
        version: "1.2.3",
        platform: "linux",
        arch: "x86_64",
        keychain: { status: "unavailable", service: "Secret Service", reason: "No provider is running.", fix: "Install gnome-keyring." },
      },
    });
    const status = el.querySelector("#keychain-status");
    expect(status?.getAttribute("role")).toBe("alert");
    expect(status?.textContent).toContain("No provider is running. Install gnome-keyring.");
    expect(status?.textContent).toContain("Missing: Secret Service");
  });

  it("renders every wire error kind as a sentence", () => {
    expect(errorText({ kind: "keychain-unavailable", service: "s", reason: "R.", fix: "F." })).toBe("R. F.");
    expect(errorText({ kind: "internal", message: "boom" })).toBe("boom");
    const el = renderFirstRun(document, { err: { kind: "keychain", message: "refused" } });
    expect(el.querySelector("#app-error")?.textContent).toContain("refused");
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
