// The sandbox banner: always visible while the sandbox account is in use. It says nothing
// leaves the computer and offers the scenario switches to rehearse each fix.
import { commands, okOr, type Scenario, type SandboxView } from "../ipc";
import { h } from "../lib/dom";

const SCENARIOS: { id: Scenario; label: string }[] = [
  { id: "readOnlyToken", label: "Read-only token" },
  { id: "v1Retired", label: "v1.1 upload retired" },
  { id: "outOfCredits", label: "Out of credits" },
  { id: "slowProcessing", label: "Slow video processing" },
];

export function renderSandboxBanner(view: SandboxView, onChanged: () => void): HTMLElement {
  const error = h("span", { className: "banner-error", role: "alert" });
  const switches = SCENARIOS.map((s) => {
    const input = h("input", {
      type: "checkbox",
      id: `scenario-${s.id}`,
      onchange: (ev: Event) => {
        const on = (ev.target as HTMLInputElement).checked;
        void commands.sandboxSetScenario(s.id, on).then((r) => {
          okOr(r, (text) => (error.textContent = text));
          onChanged();
        });
      },
    });
    input.checked = view.scenarios[s.id];
    return h("label", { for: `scenario-${s.id}` }, input, ` ${s.label}`);
  });
  return h(
    "aside",
    {
      id: "sandbox-banner",
      role: "note",
      "aria-label": "Sandbox mode",
      // The scenarios as the simulator has them (tests wait on this after a switch).
      "data-scenarios": SCENARIOS.filter((s) => view.scenarios[s.id]).map((s) => s.id).join(" "),
    },
    h("strong", {}, "Sandbox"),
    h("span", {}, " — nothing leaves this computer: Postbridge is talking to its built-in X simulator."),
    h("details", {}, h("summary", {}, "Rehearse a problem"), h("div", { className: "scenarios" }, ...switches)),
    error,
  );
}
