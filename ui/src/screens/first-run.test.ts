// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { renderFirstRun } from "./first-run";

describe("first-run screen", () => {
  it("shows the version, platform and an available keychain", () => {
    const el = renderFirstRun({
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
    const el = renderFirstRun({
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

  it("shows why the computer could not be checked", () => {
    const el = renderFirstRun({ err: { kind: "keychain", message: "refused" } });
    expect(el.querySelector("#app-error")?.textContent).toContain("refused");
    expect(el.querySelector("#app-error")?.getAttribute("role")).toBe("alert");
  });
});
