// The window's shell: header and navigation, the sandbox banner, and one screen at a time —
// first run (with the setup wizard), home (the composer, under a one-line account bar), the queue of
// scheduled posts, accounts, or the wizard for an existing account.
import { commands, okOr, type AccountStatus, type AppInfo, type SandboxView, type WizardStep } from "./ipc";
import { h } from "./lib/dom";
import { startProbes } from "./lib/probe";
import { renderAccounts } from "./screens/accounts";
import { renderSandboxBanner } from "./screens/banner";
import { renderFirstRun } from "./screens/first-run";
import { renderComposer } from "./screens/composer";
import { renderHome } from "./screens/home";
import { renderQueue } from "./screens/queue";
import { renderWizard, type Mode, type Step } from "./screens/wizard";
import { STEP_OF } from "./screens/wizard-state";

type View = { kind: "home" } | { kind: "queue" } | { kind: "accounts" } | { kind: "wizard"; mode: Mode; step: Step };

const state = {
  info: null as AppInfo | null,
  accounts: [] as AccountStatus[],
  sandbox: null as SandboxView | null,
  view: { kind: "home" } as View,
  error: null as string | null,
};

const root = document.getElementById("app");
/** The header, banner and error line, and the screen: each re-rendered on its own, so a new
 * header never rebuilds the screen (the composer keeps its state and its window events). */
const top = h("div", { id: "chrome" });
const main = h("main", { id: "view" });

async function refresh(): Promise<void> {
  const [accounts, sandbox] = await Promise.all([commands.listAccounts(), commands.sandboxStatus()]);
  state.accounts = okOr(accounts, (text) => (state.error = text))?.accounts ?? state.accounts;
  if (sandbox.status === "ok") state.sandbox = sandbox.data;
}

function show(view: View): void {
  state.view = view;
  render();
}

function fixAccount(account: AccountStatus, step: WizardStep): void {
  show({ kind: "wizard", mode: { kind: "replace", account: account.name, sandbox: account.sandbox }, step: STEP_OF[step] });
}

function keychainProblem(): string | undefined {
  const k = state.info?.keychain;
  return k !== undefined && k.status === "unavailable" ? `${k.reason} ${k.fix}` : undefined;
}

function wizard(mode: Mode, step: Step, cancellable: boolean, onStep?: (step: Step) => void): HTMLElement {
  const problem = keychainProblem();
  return renderWizard({
    mode,
    step,
    ...(onStep !== undefined ? { onStep } : {}),
    ...(problem !== undefined ? { keychainProblem: problem } : {}),
    onDone: () => void refresh().then(() => show({ kind: "home" })),
    ...(cancellable ? { onCancel: () => show({ kind: "home" }) } : {}),
  });
}

/** The header, the sandbox banner and the error line. */
function chrome(): HTMLElement[] {
  const active = state.accounts.find((a) => a.isDefault);
  const header = h(
    "header",
    {},
    h("span", { className: "brand" }, "Postbridge"),
    state.accounts.length > 0
      ? h(
          "nav",
          { "aria-label": "Main" },
          h("button", { id: "nav-home", "aria-current": state.view.kind === "home" ? "page" : undefined, onclick: () => show({ kind: "home" }) }, "Home"),
          h("button", { id: "nav-queue", "aria-current": state.view.kind === "queue" ? "page" : undefined, onclick: () => show({ kind: "queue" }) }, "Queue"),
          h("button", { id: "nav-accounts", "aria-current": state.view.kind === "accounts" ? "page" : undefined, onclick: () => show({ kind: "accounts" }) }, "Accounts"),
        )
      : null,
  );
  const banner = active?.sandbox && state.sandbox ? renderSandboxBanner(state.sandbox, () => void refresh().then(renderChrome)) : null;
  const error = state.error ? h("p", { className: "status error", role: "alert" }, state.error) : null;
  return [header, ...(banner ? [banner] : []), ...(error ? [error] : [])];
}

function render(): void {
  if (root === null) return;
  const active = state.accounts.find((a) => a.isDefault);
  let screen: HTMLElement;
  const v = state.view;
  if (state.info === null) {
    screen = h("p", { className: "muted" }, "Starting Postbridge…");
  } else if (v.kind === "wizard") {
    screen = wizard(v.mode, v.step, true);
  } else if (v.kind === "accounts") {
    screen = renderAccounts({
      onChanged: () => void refresh().then(() => { if (state.accounts.length === 0) show({ kind: "home" }); else renderChrome(); }),
      onAdd: () => show({ kind: "wizard", mode: { kind: "new" }, step: "start" }),
      onFix: fixAccount,
    });
  } else if (v.kind === "queue" && active !== undefined) {
    screen = renderQueue({ onEdited: () => show({ kind: "home" }) });
  } else if (active === undefined) {
    const welcome = renderFirstRun({ ok: state.info });
    screen = h("div", {}, welcome, wizard({ kind: "new" }, "start", false, (step) => { welcome.hidden = step !== "start"; }));
  } else {
    // Composer first: the account is a one-line bar with its switcher, the queue and the
    // accounts one click away in the header.
    screen = h(
      "div",
      {},
      renderHome({
        account: active,
        accounts: state.accounts,
        onSwitch: (name) => void commands.setDefaultAccount(name).then(refresh).then(render),
        onFix: (step) => fixAccount(active, step),
        onChanged: () => void refresh().then(renderChrome),
      }),
      renderComposer({
        onFix: (step) => fixAccount(active, step),
        account: active,
        accounts: state.accounts,
        onSwitchAccount: (name) => void commands.setDefaultAccount(name).then(refresh).then(render),
        onOpenQueue: () => show({ kind: "queue" }),
      }),
    );
  }
  main.replaceChildren(screen);
  renderChrome();
  if (root.firstElementChild !== top) root.replaceChildren(top, main);
}

/** Re-renders the header and banner only, keeping the current screen. */
function renderChrome(): void {
  top.replaceChildren(...chrome());
}

async function start(): Promise<void> {
  // The keychain probe (app_info) and the accounts are read at once: the window is usable
  // after the slower of the two, not after both in turn (launch → interactive, issue 15).
  const [info] = await Promise.all([commands.appInfo(), refresh()]);
  state.info = okOr(info, (text) => (state.error = text)) ?? null;
  render();
}

startProbes();
void start();
