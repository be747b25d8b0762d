// Home's account bar (issue 14 item 1, composer first): one line above the composer — who the
// post goes out as (a compact switcher when there are several accounts), whether that account
// can post, and a check that leads into the wizard step that fixes any problem.
import { commands, okOr, type AccountStatus, type WizardStep } from "../ipc";
import { h } from "../lib/dom";
import { accessText } from "./accounts";
import { renderVerifyReport } from "./diagnosis";

export interface HomeOptions {
  /** The account in use (the default). */
  account: AccountStatus;
  /** Every account, for the switcher. */
  accounts: AccountStatus[];
  /** Makes another account the one in use. */
  onSwitch: (name: string) => void;
  /** Opens the wizard at the step that fixes a problem. */
  onFix: (step: WizardStep) => void;
  /** The account's status changed (after a check). */
  onChanged: () => void;
}

/** How an account is named in the switcher: its handle, and its profile name. */
export function accountLabel(a: AccountStatus): string {
  return a.username ? `@${a.username} (${a.name})` : a.name;
}

export function renderHome(opts: HomeOptions): HTMLElement {
  const { account, accounts } = opts;
  const result = h("div", { id: "check-result", "aria-live": "polite" });
  const check = (): void => {
    result.replaceChildren(h("p", { className: "muted" }, "Checking with X…"));
    void commands.recheckAccount(account.name).then((r) => {
      const v = okOr(r, (text) => result.replaceChildren(h("p", { className: "status error", role: "alert" }, text)));
      if (v === undefined) return;
      result.replaceChildren(renderVerifyReport(v, opts.onFix));
      opts.onChanged();
    });
  };
  let who: HTMLElement;
  if (accounts.length > 1) {
    const select = h(
      "select",
      { id: "account-switch", "aria-label": "Post as" },
      ...accounts.map((a) => {
        const o = h("option", { value: a.name }, accountLabel(a));
        o.selected = a.name === account.name;
        return o;
      }),
    );
    select.addEventListener("change", () => opts.onSwitch(select.value));
    who = select;
  } else {
    who = h("strong", {}, accountLabel(account));
  }
  const bad = account.accessLevel === "read" || !account.configured;
  return h(
    "section",
    { id: "home", className: "account-bar", "aria-label": "Account in use" },
    h("div", { className: "row" },
      h("span", { className: "muted" }, "Posting as"),
      who,
      h("span", { id: "active-account", className: `pill ${bad ? "error" : "ok"}` }, `${account.name} · ${accessText(account)}${account.sandbox ? " · sandbox" : ""}`),
      h("button", { id: "recheck", className: "small", onclick: check }, "Check again"),
    ),
    result,
  );
}
