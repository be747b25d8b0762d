// Accounts: every profile with its status, and what can be done with it — use it, check it
// again, rename it, remove it (its keychain entry goes too), or walk it through a plan or
// permission change. No secret is ever shown: only the status Rust reports.
import { commands, okOr, type AccessLevel, type AccountStatus, type Answer, type DiagnosisView, type VerifyReport, type WizardStep } from "../ipc";
import { h } from "../lib/dom";
import { renderDiagnosis, renderVerifyReport } from "./diagnosis";

export interface AccountsOptions {
  /** Called after an account changed (the shell refreshes its header and banner). */
  onChanged: () => void;
  onAdd: () => void;
  /** Opens the wizard for an existing account at a step ("plan", "permissions", …). */
  onFix: (account: AccountStatus, step: WizardStep) => void;
}

/** What each access level means for posting (every `AccessLevel`: `tsc` reports one added in
 * Rust and missing here). */
const ACCESS_TEXT: Record<AccessLevel, string> = {
  "read-write": "can post",
  "read-write-directmessages": "can post and send messages",
  read: "read-only: cannot post",
  unknown: "not checked yet",
};

export function accessText(a: AccountStatus): string {
  if (!a.configured) return "keys missing from the keychain";
  return a.accessLevel === null ? ACCESS_TEXT.unknown : ACCESS_TEXT[a.accessLevel];
}

export function renderAccounts(opts: AccountsOptions): HTMLElement {
  const root = h("section", { id: "accounts", "aria-labelledby": "accounts-title" });
  const results = new Map<string, VerifyReport | string>();
  /** The upgrade to OAuth 2.0 of an account: its form open, running, or what X said. */
  const upgrades = new Map<string, { busy: boolean; failed: DiagnosisView | null }>();
  let upgrading: string | null = null;
  let accounts: AccountStatus[] = [];
  let renaming: string | null = null;
  let removing: string | null = null;

  const act = async (work: () => Promise<Answer<unknown>>, name: string): Promise<void> => {
    okOr(await work(), (text) => results.set(name, text));
    await refresh();
    opts.onChanged();
  };

  const refresh = async (): Promise<void> => {
    const r = await commands.listAccounts();
    if (r.status === "ok") accounts = r.data.accounts;
    render();
  };

  function item(a: AccountStatus): HTMLElement {
    const li = h("li", { className: "account", "data-account": a.name });
    const title = h(
      "div",
      { className: "account-title" },
      h("strong", {}, a.name),
      a.username ? h("span", { className: "handle" }, ` @${a.username}`) : null,
      a.isDefault ? h("span", { className: "badge" }, "in use") : null,
      a.sandbox ? h("span", { className: "badge sandbox" }, "sandbox") : null,
    );
    li.append(title, h("p", { className: `access ${a.accessLevel === "read" ? "warn" : ""}` }, accessText(a)));
    if (a.uploadRoute) li.append(h("p", { className: "muted" }, `Uploads via ${a.uploadRoute.route}: ${a.uploadRoute.reason}`));
    li.append(h("p", { className: "muted sign-in-method" }, a.signIn === "oauth2" ? "Signs in with OAuth 2.0 (renews itself; uploads through v2)." : "Signs in with API keys (OAuth 1.0a)."));

    if (renaming === a.name) {
      const input = h("input", { type: "text", className: "rename-input", value: a.name, "aria-label": `New name for ${a.name}` });
      li.append(
        h("div", { className: "row" }, input,
          h("button", { className: "primary rename-save", onclick: () => { renaming = null; void act(() => commands.renameAccount(a.name, input.value), a.name); } }, "Save name"),
          h("button", { onclick: () => { renaming = null; render(); } }, "Cancel")),
      );
    } else if (removing === a.name) {
      li.append(
        h("div", { className: "row confirm", role: "alert" },
          h("span", {}, `Remove “${a.name}”? Its keys are deleted from the keychain.`),
          h("button", { className: "danger remove-confirm", onclick: () => { removing = null; void act(() => commands.removeAccount(a.name), a.name); } }, "Remove"),
          h("button", { onclick: () => { removing = null; render(); } }, "Keep")),
      );
    } else if (upgrading === a.name) {
      const u = upgrades.get(a.name) ?? { busy: false, failed: null };
      const clientId = h("input", { type: "text", className: "client-id", id: `client-id-${a.name}`, autocomplete: "off", spellcheck: "false", "aria-describedby": `client-id-hint-${a.name}` });
      const run = (): void => {
        upgrades.set(a.name, { busy: true, failed: null });
        render();
        void commands.accountUpgrade(a.name, clientId.value).then(async (r) => {
          const report = okOr(r, (text) => results.set(a.name, text));
          if (report?.outcome === "upgraded") {
            upgrading = null;
            upgrades.delete(a.name);
            results.delete(a.name);
          } else {
            upgrades.set(a.name, { busy: false, failed: report?.outcome === "failed" ? report.diagnosis : null });
          }
          await refresh();
          opts.onChanged();
        });
      };
      li.append(
        h("div", { className: "upgrade", role: "group", "aria-label": `Upgrade ${a.name} to OAuth 2.0` },
          h("p", {}, "X is retiring OAuth 1.0a. Postbridge can exchange this account's token for an OAuth 2.0 sign-in without a new login; the keys stay until the new sign-in works."),
          h("label", { for: `client-id-${a.name}` }, "Your app's OAuth 2.0 Client ID"),
          clientId,
          h("small", { id: `client-id-hint-${a.name}`, className: "muted" }, "Keys and tokens → OAuth 2.0 Client ID and Client Secret → Client ID. The app's type must be Native App."),
          h("div", { className: "row" },
            h("button", { className: "primary upgrade-run", disabled: u.busy, onclick: run }, u.busy ? "Upgrading…" : "Upgrade"),
            h("button", { onclick: () => { upgrading = null; upgrades.delete(a.name); render(); } }, "Cancel")),
          u.failed ? h("div", { className: "upgrade-result" }, renderDiagnosis(u.failed, (step) => opts.onFix(a, step))) : null),
      );
    } else {
      li.append(
        h("div", { className: "row actions" },
          a.isDefault ? null : h("button", { className: "use", onclick: () => void act(() => commands.setDefaultAccount(a.name), a.name) }, "Use this account"),
          h("button", { className: "recheck", onclick: () => void commands.recheckAccount(a.name).then(async (r) => { const v = okOr(r, (text) => results.set(a.name, text)); if (v !== undefined) results.set(a.name, v); await refresh(); opts.onChanged(); }) }, "Check again"),
          a.signIn === "oauth2"
            ? h("button", { className: "sign-in-again", onclick: () => opts.onFix(a, "sign-in") }, "Sign in again")
            : h("button", { className: "changed", onclick: () => opts.onFix(a, "plan") }, "I changed my plan or permissions"),
          a.signIn === "oauth1" && !a.sandbox ? h("button", { className: "upgrade-open", onclick: () => { upgrading = a.name; render(); } }, "Upgrade to OAuth 2.0") : null,
          h("button", { className: "rename", onclick: () => { renaming = a.name; render(); } }, "Rename"),
          h("button", { className: "remove danger", onclick: () => { removing = a.name; render(); } }, "Remove")),
      );
    }
    const result = results.get(a.name);
    if (typeof result === "string") li.append(h("p", { className: "status error", role: "alert" }, result));
    else if (result !== undefined) {
      const verdict = renderVerifyReport(result, (step) => opts.onFix(a, step));
      if (result.outcome !== "failed") verdict.classList.add("check-result");
      li.append(verdict);
    }
    return li;
  }

  function render(): void {
    root.replaceChildren(
      h("h2", { id: "accounts-title" }, "Accounts"),
      accounts.length === 0 ? h("p", { className: "muted" }, "No account yet.") : h("ul", { className: "account-list" }, ...accounts.map(item)),
      h("button", { id: "add-account", className: "primary", onclick: opts.onAdd }, "Add an account"),
    );
  }
  render();
  void refresh();
  return root;
}
