// The setup wizard's state and its transitions, as pure functions. `next(state, event)` says
// what the wizard shows after each thing that happens — a button, or a command's answer — and
// which command the screen runs next (`run`). `wizard.ts` renders the state and runs the
// commands; it decides nothing else. Secrets never enter this state: only the outcomes Rust
// reports (slips, verification, the saved account).
import { errorText, type AccountStatus, type AppError, type PasteReport, type Plan, type SignInReport, type VerifyReport, type WizardStep } from "../ipc";

export type Step = "start" | "signin" | "plan" | "permissions" | "regenerate" | "paste" | "verify" | "pin" | "done";

/** A new account, or an existing one walked through a plan or permission change ("replace":
 * its tokens are replaced in place). */
export type Mode = { kind: "new" } | { kind: "replace"; account: string; sandbox: boolean };

export interface WizardState {
  readonly mode: Mode;
  readonly step: Step;
  /** The plan chosen at the Plan step (`null`: none chosen). */
  readonly plan: Plan | null;
  /** The last paste check's slips. */
  readonly paste: PasteReport | null;
  /** The last verification (`null` while none is shown, e.g. while checking). */
  readonly verify: VerifyReport | null;
  /** The account saved at the end. */
  readonly saved: AccountStatus | null;
  /** How many commands are running (buttons say "busy" while any is). */
  readonly busy: number;
  /** The last command's failure, as a sentence. */
  readonly error: string | null;
  /** PIN sign-in: X's authorize page, once it was asked for, and whether a browser opened it. */
  readonly pinUrl: string | null;
  readonly pinOpened: boolean;
  /** Sign in with X (OAuth 2.0): X's authorize page once started, the Callback URI, whether a
   * browser opened it, and what the grant lacks without stopping posts. */
  readonly signInUrl: string | null;
  readonly signInOpened: boolean;
  readonly signInNote: SignInReport["note"];
  /** The command the screen runs after showing this state: the check of the kept keys. */
  readonly run: "verify" | "signInFinish" | null;
}

export type WizardEvent =
  /** A button leads to `step` (Continue, Back, a choice at Start). */
  | { type: "go"; step: Step }
  /** A diagnosis' (or the read-only verdict's) button names the wizard step that fixes it. */
  | { type: "fix"; step: WizardStep }
  | { type: "plan"; plan: Plan }
  /** A command started (`clears: "verify"`: the check, whose old verdict no longer holds). */
  | { type: "working"; clears?: "verify" }
  /** A command finished, whatever it answered. */
  | { type: "finished" }
  | { type: "failed"; error: AppError }
  | { type: "pasted"; report: PasteReport }
  | { type: "verified"; report: VerifyReport }
  /** The sandbox regenerated the token; `account` is the sandbox account once saved. */
  | { type: "regenerated"; report: VerifyReport; account: AccountStatus | undefined }
  | { type: "pinStarted"; url: string; opened: boolean }
  /** The browser sign-in listens and the browser was sent to X; the screen waits for X's answer. */
  | { type: "signInStarted"; url: string; opened: boolean }
  /** X's answer arrived and was checked (or the wait ended). */
  | { type: "signedIn"; report: SignInReport }
  | { type: "saved"; account: AccountStatus };

/** The wizard step each diagnosis' step leads to (a clock problem: check again once fixed).
 * Every `WizardStep` is here: `tsc` reports one added in Rust and missing here. */
export const STEP_OF: Record<WizardStep, Step> = {
  paste: "paste",
  permissions: "permissions",
  regenerate: "regenerate",
  plan: "plan",
  verify: "verify",
  clock: "verify",
  // An OAuth 2.0 sign-in to renew, or the browser instead of an upgrade X does not offer.
  "sign-in": "signin",
};

/** The wizard as it opens in `mode` at `step`. */
export function initial(mode: Mode, step: Step): WizardState {
  return { mode, step, plan: null, paste: null, verify: null, saved: null, busy: 0, error: null, pinUrl: null, pinOpened: false, signInUrl: null, signInOpened: false, signInNote: null, run: step === "verify" ? "verify" : null };
}

/** The state after `event`. */
export function next(state: WizardState, event: WizardEvent): WizardState {
  const s: WizardState = { ...state, run: null };
  switch (event.type) {
    case "go":
      return enter(s, event.step);
    case "fix":
      return enter(s, STEP_OF[event.step]);
    case "plan":
      return { ...s, plan: event.plan };
    case "working":
      return { ...s, busy: s.busy + 1, error: null, ...(event.clears === "verify" ? { verify: null } : {}) };
    case "finished":
      return { ...s, busy: Math.max(0, s.busy - 1) };
    case "failed":
      return { ...s, error: errorText(event.error) };
    case "pasted":
      // Keys without a slip are kept in Rust; the check runs at once.
      return event.report.ok ? { ...s, paste: event.report, step: "verify", run: "verify" } : { ...s, paste: event.report };
    case "verified":
      return { ...s, verify: event.report };
    case "regenerated":
      return event.report.outcome === "verified" && event.account !== undefined
        ? { ...s, verify: event.report, saved: event.account, step: "done" }
        : { ...s, verify: event.report };
    case "pinStarted":
      return { ...s, pinUrl: event.url, pinOpened: event.opened };
    case "signInStarted":
      return { ...s, signInUrl: event.url, signInOpened: event.opened, verify: null, signInNote: null, run: "signInFinish" };
    case "signedIn":
      // Whatever X said, the next attempt starts over (a new listener, a new PKCE pair).
      return { ...s, verify: event.report.report, signInNote: event.report.note, signInUrl: null };
    case "saved":
      return { ...s, saved: event.account, step: "done" };
  }
}

/** A step entered by a button: the last failure no longer applies; Verify checks again. */
function enter(s: WizardState, step: Step): WizardState {
  return { ...s, step, error: null, run: step === "verify" ? "verify" : null };
}

/** Where "Back" leads from the state's step (`null`: no Back button). An existing account's
 * walk-through starts at Plan, so it has nothing before it. */
export function back(state: WizardState): Step | null {
  switch (state.step) {
    case "plan":
      return state.mode.kind === "replace" ? null : "start";
    case "permissions":
      return "plan";
    case "regenerate":
      return "permissions";
    case "paste":
      return "regenerate";
    case "verify":
      return "paste";
    case "pin":
      return "start";
    case "signin":
      return state.mode.kind === "replace" ? null : "start";
    case "start":
    case "done":
      return null;
  }
}

/** The account whose API Key and Secret are kept (replace mode pastes only the new token pair). */
export function keepAppKeysOf(state: WizardState): string | null {
  return state.mode.kind === "replace" ? state.mode.account : null;
}

/** Whether the keys are the sandbox's (its Regenerate step does the console's work itself). */
export function sandboxKeys(state: WizardState): boolean {
  return state.mode.kind === "replace" && state.mode.sandbox;
}
