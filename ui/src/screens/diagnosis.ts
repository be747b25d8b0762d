// A failure explained: kind, cause, X's own words, the steps to fix it, and one button into
// the wizard step that fixes it.
import type { DiagnosisView } from "../ipc";
import { h } from "../lib/dom";

/** The wizard steps a diagnosis can point to, with the button's words. */
export const STEP_LABELS: Record<string, string> = {
  paste: "Paste the keys again",
  permissions: "Fix the app's permissions",
  regenerate: "Regenerate the tokens",
  plan: "Check the plan",
  verify: "Check again",
  clock: "Check again",
};

export function renderDiagnosis(d: DiagnosisView, onStep?: (step: string) => void): HTMLElement {
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
  if (step !== null && onStep !== undefined && STEP_LABELS[step] !== undefined) {
    card.append(
      h("button", { className: "primary diagnosis-action", "data-step": step, onclick: () => onStep(step) }, STEP_LABELS[step]),
    );
  }
  return card;
}
