// Home: the account in use and whether it can post, with a check that leads into the wizard
// step that fixes any problem.
import { commands, okOr, type AccountStatus, type WizardStep } from "../ipc";
import { h } from "../lib/dom";
import { accessText } from "./accounts";
import { renderVerifyReport } from "./diagnosis";

export function renderHome(account: AccountStatus, onFix: (step: WizardStep) => void, onChanged: () => void): HTMLElement {
  const result = h("div", { id: "check-result", "aria-live": "polite" });
  const check = (): void => {
    result.replaceChildren(h("p", { className: "muted" }, "Checking with X…"));
    void commands.recheckAccount(account.name).then((r) => {
      const v = okOr(r, (text) => result.replaceChildren(h("p", { className: "status error", role: "alert" }, text)));
      if (v === undefined) return;
      result.replaceChildren(renderVerifyReport(v, onFix));
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
