// @vitest-environment happy-dom
// A check's verdict, as home, accounts and the wizard all show it.
import { describe, expect, it } from "vitest";
import { renderVerifyReport } from "./diagnosis";

describe("a check's verdict", () => {
  it("says a read-only token can only read, with one button into the permissions step", () => {
    const steps: string[] = [];
    const el = renderVerifyReport({ outcome: "readOnly", username: "dana", reason: "Choose Read and write, then regenerate.", wizardStep: "permissions" }, (s) => steps.push(s), "fix-permissions");
    expect(el.getAttribute("role")).toBe("alert");
    expect(el.querySelector("h3")?.textContent).toBe("@dana can only read");
    expect(el.textContent).toContain("Choose Read and write, then regenerate.");
    const button = el.querySelector<HTMLButtonElement>("button.diagnosis-action");
    expect(button?.id).toBe("fix-permissions");
    expect(button?.dataset["step"]).toBe("permissions");
    expect(button?.textContent).toBe("Fix the app's permissions");
    button?.click();
    expect(steps).toEqual(["permissions"]);
    // Without an id (several verdicts on one screen) the button has none.
    const other = renderVerifyReport({ outcome: "readOnly", username: "dana", reason: "r", wizardStep: "permissions" }, () => {});
    expect(other.querySelector("button")?.hasAttribute("id")).toBe(false);
  });

  it("says a working account can post, and explains a failure with its step", () => {
    expect(renderVerifyReport({ outcome: "verified", username: "dana", name: "Dana", accessLevel: "read-write" }, () => {}).textContent).toBe("@dana can post (read-write).");
    const steps: string[] = [];
    const failed = renderVerifyReport(
      { outcome: "failed", diagnosis: { kind: "clock-skew", status: 401, detail: "Timestamp out of bounds", cause: "Your clock is off.", fix: ["Turn on automatic time."], wizardStep: "clock" } },
      (s) => steps.push(s),
    );
    expect(failed.dataset["kind"]).toBe("clock-skew");
    expect(failed.textContent).toContain("X said: “Timestamp out of bounds”");
    failed.querySelector<HTMLButtonElement>(".diagnosis-action")?.click();
    expect(steps).toEqual(["clock"]);
  });
});
