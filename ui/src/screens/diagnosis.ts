// A failure explained: kind, cause, X's own words, the steps to fix it, and one button into
// the wizard step that fixes it. Also a check's verdict (`renderVerifyReport`), the one place
// that says "this token can only read" with its way out, for home, accounts and the wizard.
import type { DiagnosisView, VerifyReport, WizardStep } from "../ipc";
import { h } from "../lib/dom";

/** The wizard steps a diagnosis can point to, with the button's words (every `WizardStep`:
 * `tsc` reports one added in Rust and missing here). */
export const STEP_LABELS: Record<WizardStep, string> = {
  paste: "Paste the keys again",
  permissions: "Fix the app's permissions",
  regenerate: "Regenerate the tokens",
  plan: "Check the plan",
  verify: "Check again",
  clock: "Check again",
  "sign-in": "Sign in with X again",
};

export function renderDiagnosis(d: DiagnosisView, onStep?: (step: WizardStep) => void): HTMLElement {
  const steps = h("ol", { className: "fix" }, ...d.fix.map((f) => h("li", {}, f)));
  const status = d.status === null ? "" : ` (HTTP ${d.status})`;
  const card = h(
    "div",
    { className: "status error diagnosis", role: "alert", "data-kind": d.kind },
    h("h3", {}, d.cause),
    h("p", { className: "muted" }, `${d.kind}${status}`),
    d.detail ? h("p", { className: "detail" }, `X said: “${d.detail}”`) : null,
    steps,
  );
  const step = d.wizardStep;
  if (step !== null && onStep !== undefined) {
    card.append(
      h("button", { className: "primary diagnosis-action", "data-step": step, onclick: () => onStep(step) }, STEP_LABELS[step]),
    );
  }
  return card;
}

/** A check's verdict: the account can post, its token can only read (with the button into the
 * permissions step), or the diagnosis of the failure. `fixId` names the read-only verdict's
 * button where a screen has one such verdict (the wizard's `#fix-permissions`). */
export function renderVerifyReport(v: VerifyReport, onFix: (step: WizardStep) => void, fixId?: string): HTMLElement {
  switch (v.outcome) {
    case "verified":
      return h("p", { className: "status ok", role: "status" }, `@${v.username} can post (${v.accessLevel}).`);
    case "readOnly":
      return h(
        "div",
        { className: "status error read-only", role: "alert" },
        h("h3", {}, `@${v.username} can only read`),
        h("p", {}, v.reason),
        h("button", { id: fixId, className: "primary diagnosis-action", "data-step": "permissions", onclick: () => onFix("permissions") }, "Fix the app's permissions"),
      );
    case "failed":
      return renderDiagnosis(v.diagnosis, onFix);
  }
}
