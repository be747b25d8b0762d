// The wizard's transitions, without a window: what each button and each answer leads to.
import { describe, expect, it } from "vitest";
import type { AccountStatus, PasteReport, VerifyReport, WizardStep } from "../ipc";
import { back, initial, keepAppKeysOf, next, sandboxKeys, STEP_OF, type WizardEvent, type WizardState } from "./wizard-state";

const run = (state: WizardState, ...events: WizardEvent[]): WizardState => events.reduce(next, state);

const slips: PasteReport = {
  ok: false,
  notes: [{ field: "apiKey", message: "A space at the end was removed." }],
  problems: [{ field: "accessToken", message: "This looks like an API Key, not an Access Token." }],
};
const clean: PasteReport = { ok: true, notes: [], problems: [] };
const readOnly: VerifyReport = { outcome: "readOnly", username: "dana", reason: "The token was made before the app could write.", wizardStep: "permissions" };
const verified: VerifyReport = { outcome: "verified", username: "dana", name: "Dana", accessLevel: "read-write" };
const account: AccountStatus = { name: "Sandbox", configured: true, username: "demo", accessLevel: "read-write", plan: null, sandbox: true, isDefault: true, uploadRoute: null, signIn: "oauth1" };

describe("pasting keys", () => {
  it("keeps the person at Paste with the slips shown, and checks the keys once none is left", () => {
    let s = run(initial({ kind: "new" }, "paste"), { type: "working" });
    expect(s.busy).toBe(1);
    s = run(s, { type: "pasted", report: slips }, { type: "finished" });
    expect(s).toMatchObject({ step: "paste", paste: slips, busy: 0, run: null });

    s = run(s, { type: "working" }, { type: "pasted", report: clean });
    expect(s).toMatchObject({ step: "verify", paste: clean, run: "verify" });
    // The check starts: any earlier verdict is gone while X is asked.
    s = run(s, { type: "working", clears: "verify" }, { type: "finished" });
    expect(s).toMatchObject({ step: "verify", verify: null, busy: 1, run: null });
  });

  it("shows a failed command's sentence until the next command or step", () => {
    let s = run(initial({ kind: "new" }, "paste"), { type: "working" }, { type: "failed", error: { kind: "invalid-input", message: "The API Key is empty." } }, { type: "finished" });
    expect(s).toMatchObject({ step: "paste", error: "The API Key is empty.", busy: 0 });
    s = run(s, { type: "working" });
    expect(s.error).toBeNull();
    s = run(s, { type: "failed", error: { kind: "keychain-unavailable", service: "Secret Service", reason: "No provider.", fix: "Install gnome-keyring." } }, { type: "go", step: "regenerate" });
    expect(s).toMatchObject({ step: "regenerate", error: null });
  });
});

describe("a read-only token", () => {
  it("leads to Permissions, then Regenerate, then Paste and a new check", () => {
    let s = run(initial({ kind: "new" }, "verify"));
    expect(s.run).toBe("verify");
    s = run(s, { type: "working", clears: "verify" }, { type: "verified", report: readOnly }, { type: "finished" });
    expect(s).toMatchObject({ step: "verify", verify: readOnly, busy: 0 });
    // The verdict's button names the step.
    s = run(s, { type: "fix", step: "permissions" });
    expect(s.step).toBe("permissions");
    expect(back(s)).toBe("plan");
    s = run(s, { type: "go", step: "regenerate" });
    expect(s.step).toBe("regenerate");
    expect(back(s)).toBe("permissions");
    s = run(s, { type: "go", step: "paste" }, { type: "pasted", report: clean });
    expect(s).toMatchObject({ step: "verify", run: "verify" });
    s = run(s, { type: "working", clears: "verify" }, { type: "verified", report: verified }, { type: "finished" });
    expect(s.verify).toEqual(verified);
  });

  it("in the sandbox, Regenerate saves the new pair and the wizard is done", () => {
    const mode = { kind: "replace", account: "Sandbox", sandbox: true } as const;
    let s = run(initial(mode, "permissions"), { type: "go", step: "regenerate" });
    expect(sandboxKeys(s)).toBe(true);
    s = run(s, { type: "working" }, { type: "regenerated", report: readOnly, account }, { type: "finished" });
    // Still read-only: nothing is saved, the verdict is shown.
    expect(s).toMatchObject({ step: "regenerate", verify: readOnly, saved: null });
    s = run(s, { type: "working" }, { type: "regenerated", report: verified, account }, { type: "finished" });
    expect(s).toMatchObject({ step: "done", verify: verified, saved: account });
  });
});

describe("replace mode", () => {
  it("starts at Plan with no way back, keeps the app's keys and pastes only the token pair", () => {
    const s = initial({ kind: "replace", account: "Work", sandbox: false }, "plan");
    expect(back(s)).toBeNull();
    expect(keepAppKeysOf(s)).toBe("Work");
    expect(sandboxKeys(s)).toBe(false);
    const fresh = initial({ kind: "new" }, "plan");
    expect(back(fresh)).toBe("start");
    expect(keepAppKeysOf(fresh)).toBeNull();
  });

  it("remembers the plan chosen and ends at Done once saved", () => {
    const s = run(initial({ kind: "replace", account: "Work", sandbox: false }, "plan"), { type: "plan", plan: "pay-per-use" }, { type: "go", step: "permissions" });
    expect(s).toMatchObject({ plan: "pay-per-use", step: "permissions" });
    const done = run(s, { type: "working" }, { type: "saved", account: { ...account, name: "Work", sandbox: false } }, { type: "finished" });
    expect(done).toMatchObject({ step: "done", plan: "pay-per-use", busy: 0 });
    expect(done.saved?.name).toBe("Work");
  });
});

describe("a diagnosis' button", () => {
  it("opens the step that fixes it; a clock problem checks again", () => {
    const at = initial({ kind: "new" }, "verify");
    expect(run(at, { type: "fix", step: "regenerate" }).step).toBe("regenerate");
    expect(run(at, { type: "fix", step: "plan" }).step).toBe("plan");
    expect(run(at, { type: "fix", step: "paste" }).step).toBe("paste");
    expect(run(at, { type: "fix", step: "clock" })).toMatchObject({ step: "verify", run: "verify" });
    expect(run(at, { type: "fix", step: "verify" })).toMatchObject({ step: "verify", run: "verify" });
  });

  it("knows every step a diagnosis can name", () => {
    const all: WizardStep[] = ["paste", "permissions", "regenerate", "plan", "verify", "clock", "sign-in"];
    expect(Object.keys(STEP_OF).sort()).toEqual([...all].sort());
  });
});

describe("PIN sign-in", () => {
  it("shows X's authorize page, then the verdict", () => {
    let s = run(initial({ kind: "new" }, "start"), { type: "go", step: "pin" });
    expect(back(s)).toBe("start");
    s = run(s, { type: "working" }, { type: "pinStarted", url: "https://api.x.com/oauth/authorize?oauth_token=t", opened: false }, { type: "finished" });
    expect(s).toMatchObject({ pinUrl: "https://api.x.com/oauth/authorize?oauth_token=t", pinOpened: false });
    s = run(s, { type: "working" }, { type: "verified", report: verified }, { type: "finished" });
    expect(s).toMatchObject({ step: "pin", verify: verified });
  });
});

describe("sign in with X (OAuth 2.0)", () => {
  it("a diagnosis asking for a new sign-in opens the sign-in step, with no Back in replace mode", () => {
    const s = next(initial({ kind: "replace", account: "me", sandbox: false }, "verify"), { type: "fix", step: "sign-in" });
    expect(s.step).toBe("signin");
    expect(back(s)).toBeNull();
    expect(back(initial({ kind: "new" }, "signin"))).toBe("start");
  });

  it("a started sign-in waits for X's answer, then shows the verdict and starts over on failure", () => {
    let s = initial({ kind: "new" }, "signin");
    s = next(s, { type: "signInStarted", url: "https://x.com/i/oauth2/authorize?x=1", opened: false });
    expect(s.run).toBe("signInFinish");
    expect(s.signInUrl).toContain("authorize");
    const failed = next(s, { type: "signedIn", report: { report: { outcome: "failed", diagnosis: { kind: "sign-in-required", status: null, detail: "refused", cause: "", fix: [], wizardStep: "sign-in" } }, note: null } });
    expect(failed.run).toBeNull();
    expect(failed.signInUrl).toBeNull();
    expect(failed.verify?.outcome).toBe("failed");
    const ok = next(s, { type: "signedIn", report: { report: { outcome: "verified", username: "me", name: "Me", accessLevel: "read-write" }, note: null } });
    expect(ok.verify?.outcome).toBe("verified");
    expect(ok.step).toBe("signin");
  });
});
