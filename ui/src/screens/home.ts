// Home: the account in use and whether it can post, with a check that leads into the wizard
// step that fixes any problem.
import { commands, type AccountStatus } from "../ipc";
import { h } from "../lib/dom";
import { accessText } from "./accounts";
import { renderDiagnosis } from "./diagnosis";
import { errorText } from "./first-run";

export function renderHome(account: AccountStatus, onFix: (step: string) => void, onChanged: () => void): HTMLElement {
  const result = h("div", { id: "check-result", "aria-live": "polite" });
  const check = (): void => {
    result.replaceChildren(h("p", { className: "muted" }, "Checking with X…"));
    void commands.recheckAccount(account.name).then((r) => {
      if (r.status === "error") {
        result.replaceChildren(h("p", { className: "status error", role: "alert" }, errorText(r.error)));
        return;
      }
      const v = r.data;
      if (v.outcome === "verified") result.replaceChildren(h("p", { className: "status ok", role: "status" }, `@${v.username} can post (${v.accessLevel}).`));
      else if (v.outcome === "readOnly")
        result.replaceChildren(
          h("div", { className: "status error", role: "alert" }, h("h3", {}, `@${v.username} can only read`), h("p", {}, v.reason),
            h("button", { className: "primary diagnosis-action", "data-step": "permissions", onclick: () => onFix("permissions") }, "Fix the app's permissions")),
        );
      else result.replaceChildren(renderDiagnosis(v.diagnosis, onFix));
      onChanged();
    });
  };
  return h(
    "section",
    { id: "home", "aria-labelledby": "home-title" },
    h("h2", { id: "home-title" }, "Your account"),
    h(
      "div",
      { id: "active-account", className: `status ${account.accessLevel === "read" || !account.configured ? "error" : "ok"}` },
      h("h3", {}, account.username ? `@${account.username}` : account.name),
      h("p", {}, `${account.name} · ${accessText(account)}${account.sandbox ? " · sandbox" : ""}`),
    ),
    h("div", { className: "row" }, h("button", { id: "recheck", onclick: check }, "Check again")),
    result,
  );
}
