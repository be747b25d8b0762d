// The setup wizard: Sign in with X (OAuth 2.0: Client ID → browser → Save), or Start → Plan →
// Permissions → Regenerate → Paste → Verify → Save, the PIN sign-in, and the sandbox. It sends each secret to Rust once and only ever reads back
// outcomes (slips, verification, the saved account's status). The same wizard, in "replace"
// mode, walks an existing account through a plan or permission change and replaces its
// tokens in place.
//
// What happens next is decided by the pure transitions in `wizard-state.ts`; this file renders
// the state and runs the commands, reporting each answer as an event.
import { commands, type AccountStatus, type Answer, type Field, type PasteReport, type Plan, type VerifyReport, type WizardStep } from "../ipc";
import { h } from "../lib/dom";
import { renderVerifyReport } from "./diagnosis";
import { back, initial, keepAppKeysOf, next, sandboxKeys, type Mode, type Step, type WizardEvent, type WizardState } from "./wizard-state";

export type { Mode, Step } from "./wizard-state";

export interface WizardOptions {
  mode: Mode;
  step: Step;
  /** Keychain unusable: nothing can be saved, so say so instead of offering the paths. */
  keychainProblem?: string;
  onDone: (saved: AccountStatus) => void;
  onCancel?: () => void;
  /** Told of every step change (the first-run screen hides its welcome after Start). */
  onStep?: (step: Step) => void;
}

/** Every `Plan`, in the order shown (`tsc` reports one added in Rust and missing here). */
const PLAN_TEXT: Record<Plan, { name: string; text: string }> = {
  free: { name: "Free (legacy)", text: "17 posts a day per user and per app; media upload included." },
  basic: { name: "Basic", text: "100 posts a day per user; media upload included." },
  pro: { name: "Pro", text: "100 posts every 15 minutes per user; media upload included." },
  "pay-per-use": { name: "Pay-per-use (2026)", text: "Each post costs credits (a post $0.015, with a link $0.20); failed calls are free. Needs a credit balance." },
  unknown: { name: "Not sure", text: "Postbridge works on every plan; hints about limits and costs will be general." },
};
const PLANS = (Object.keys(PLAN_TEXT) as Plan[]).map((id) => ({ id, ...PLAN_TEXT[id] }));

/** Renders the wizard into a fresh element and drives it. */
export function renderWizard(opts: WizardOptions): HTMLElement {
  const root = h("section", { id: "wizard", "aria-labelledby": "wizard-title" });
  let state: WizardState = initial(opts.mode, opts.step);
  const replace = opts.mode.kind === "replace" ? opts.mode : null;
  // Forms are built once and kept across re-renders, so a slip never clears what was typed.
  let pasteForm: HTMLFormElement | null = null;
  let pinForm: HTMLFormElement | null = null;

  /** Applies `event`, shows the result, and runs the command it asks for. */
  const dispatch = (event: WizardEvent): void => {
    const before = state.step;
    state = next(state, event);
    if (state.step !== before || event.type === "go" || event.type === "fix") opts.onStep?.(state.step);
    render();
    if (state.run === "verify") void runVerify();
    if (state.run === "signInFinish") void runSignInFinish();
  };
  const go = (step: Step): void => dispatch({ type: "go", step });
  const fix = (step: WizardStep): void => dispatch({ type: "fix", step });

  /** Runs a command while the wizard shows it is busy; `answered` turns its data into the
   * event to apply (a failure becomes a `failed` event). */
  const guard = async <T>(call: () => Promise<Answer<T>>, answered: (data: T) => WizardEvent | Promise<WizardEvent>, clears?: "verify"): Promise<void> => {
    dispatch(clears !== undefined ? { type: "working", clears } : { type: "working" });
    try {
      const r = await call();
      dispatch(r.status === "ok" ? await answered(r.data) : { type: "failed", error: r.error });
    } finally {
      dispatch({ type: "finished" });
    }
  };

  const runVerify = (): Promise<void> => guard(() => commands.wizardVerify(), (report) => ({ type: "verified", report }), "verify");
  const runSignInFinish = (): Promise<void> => guard(() => commands.oauth2Finish(), (report) => ({ type: "signedIn", report }));
  let signInForm: HTMLFormElement | null = null;
  let redirectUri: string | null = null;

  function nav(next: HTMLElement | null): HTMLElement {
    const to = back(state);
    return h(
      "div",
      { className: "nav" },
      to !== null ? h("button", { id: "wizard-back", onclick: () => go(to) }, "Back") : null,
      opts.onCancel !== undefined ? h("button", { id: "wizard-cancel", onclick: () => { void commands.wizardCancel(); opts.onCancel?.(); } }, "Cancel") : null,
      next,
    );
  }

  function stepStart(): HTMLElement[] {
    if (opts.keychainProblem !== undefined) {
      return [
        h("h2", { id: "wizard-title" }, "Set up an X account"),
        h("p", { className: "status error", role: "alert" }, `Postbridge keeps keys only in your system keychain, and it cannot be used right now: ${opts.keychainProblem}`),
      ];
    }
    return [
      h("h2", { id: "wizard-title" }, "Set up an X account"),
      h("p", {}, "Postbridge signs your posts with your X app's keys, kept in your system keychain."),
      h(
        "div",
        { className: "choices" },
        h("button", { id: "start-oauth2", className: "choice recommended", onclick: () => go("signin") }, h("strong", {}, "Sign in with X (recommended)"), h("span", {}, "Your app's Client ID and a sign-in in the browser: no keys to paste, and it keeps working after OAuth 1.0a is retired.")),
        h("button", { id: "start-keys", className: "choice", onclick: () => go("plan") }, h("strong", {}, "I have keys"), h("span", {}, "Paste the four keys from the X developer console (OAuth 1.0a; also uploads through v1.1).")),
        h("button", { id: "start-pin", className: "choice", onclick: () => go("pin") }, h("strong", {}, "Sign in with X (PIN)"), h("span", {}, "Authorize in your browser, then type the PIN X shows.")),
        h(
          "button",
          {
            id: "start-sandbox",
            className: "choice",
            onclick: () => void guard(() => commands.sandboxStart(), (account) => ({ type: "saved", account })),
          },
          h("strong", {}, "Try the sandbox"),
          h("span", {}, "A built-in X simulator with a demo account. Nothing leaves this computer."),
        ),
      ),
    ];
  }

  function stepPlan(): HTMLElement[] {
    const list = h("div", { className: "plans", role: "radiogroup", "aria-label": "Your app's plan" });
    for (const p of PLANS) {
      const input = h("input", { type: "radio", name: "plan", id: `plan-${p.id}`, value: p.id, onchange: () => { state = next(state, { type: "plan", plan: p.id }); } });
      if (state.plan === p.id) input.checked = true;
      list.append(h("label", { className: "plan", for: `plan-${p.id}` }, input, h("strong", {}, p.name), h("span", { className: "muted" }, p.text)));
    }
    return [
      h("h2", { id: "wizard-title" }, "Which plan is your app on?"),
      h("p", {}, "Find it in the developer console (console.x.com) under your Project's plan or billing page."),
      list,
      h(
        "p",
        { className: "note" },
        "Changing plan does not change your keys or tokens and does not require regenerating them. It can require attaching the app to a Project (otherwise X answers client-not-enrolled) and, for pay-per-use, choosing Pay-per-use with the Production environment and adding credits.",
      ),
      nav(h("button", { id: "plan-continue", className: "primary", onclick: () => go("permissions") }, "Continue")),
    ];
  }

  function stepPermissions(): HTMLElement[] {
    return [
      h("h2", { id: "wizard-title" }, "Give the app permission to post"),
      h(
        "ol",
        { className: "console-path" },
        h("li", {}, "Open your app in the developer console (console.x.com)."),
        h("li", {}, h("strong", {}, "User authentication settings"), " → ", h("strong", {}, "App permissions"), " → choose ", h("strong", {}, "Read and write"), " → ", h("strong", {}, "Save"), "."),
      ),
      h("p", { className: "note" }, "Why this matters: an Access Token keeps the permissions the app had when the token was made. Tokens made before you chose “Read and write” stay read-only until you regenerate them — the next step."),
      nav(h("button", { id: "permissions-continue", className: "primary", onclick: () => go("regenerate") }, "Continue")),
    ];
  }

  function stepRegenerate(): (HTMLElement | null)[] {
    const sandboxButton = sandboxKeys(state)
      ? h(
          "button",
          {
            id: "sandbox-regenerate",
            className: "primary",
            onclick: () =>
              void guard(
                () => commands.sandboxRegenerate(),
                async (report): Promise<WizardEvent> => {
                  if (report.outcome !== "verified") return { type: "regenerated", report, account: undefined };
                  const list = await commands.listAccounts();
                  return { type: "regenerated", report, account: list.status === "ok" ? list.data.accounts.find((a) => a.sandbox) : undefined };
                },
              ),
          },
          "Regenerate in the sandbox",
        )
      : null;
    return [
      h("h2", { id: "wizard-title" }, "Regenerate the Access Token and Secret"),
      h(
        "ol",
        { className: "console-path" },
        h("li", {}, "In your app, open ", h("strong", {}, "Keys and tokens"), "."),
        h("li", {}, "Under ", h("strong", {}, "Access Token and Secret"), ", click ", h("strong", {}, "Regenerate"), "."),
        h("li", {}, "Copy both now: X shows them only once, and the old pair stops working."),
      ),
      sandboxKeys(state) ? h("p", { className: "note" }, "In the sandbox, this button does what the console would: the app becomes Read and write and the account gets a new token pair, saved to your keychain.") : null,
      nav(sandboxButton ?? h("button", { id: "regenerate-continue", className: "primary", onclick: () => go("paste") }, "I have the new pair")),
    ];
  }

  function field(id: string, label: string, hint: string, key?: Field): HTMLElement {
    return h(
      "div",
      { className: "field", "data-field": key },
      h("label", { for: id }, label),
      h("input", { id, type: "password", autocomplete: "off", spellcheck: "false", autocapitalize: "off", "aria-describedby": `${id}-hint` }),
      h("small", { id: `${id}-hint`, className: "muted" }, hint),
    );
  }

  function slipList(id: string, title: string, report: PasteReport | null, key: "notes" | "problems"): HTMLElement | null {
    if (report === null || report[key].length === 0) return null;
    return h("div", { id, className: key === "problems" ? "status error" : "status ok", role: key === "problems" ? "alert" : "status" }, h("h3", {}, title), h("ul", {}, ...report[key].map((s) => h("li", { "data-field": s.field }, s.message))));
  }

  function stepPaste(): (HTMLElement | null)[] {
    const fields = replace
      ? [
          field("access-token", "Access Token", "Starts with your account's number and a dash.", "accessToken"),
          field("access-secret", "Access Token Secret", "Shown next to the Access Token.", "accessSecret"),
        ]
      : [
          field("api-key", "API Key", "Keys and tokens → Consumer Keys → API Key.", "apiKey"),
          field("api-secret", "API Key Secret", "Shown with the API Key.", "apiSecret"),
          field("access-token", "Access Token", "Keys and tokens → Authentication Tokens → Access Token.", "accessToken"),
          field("access-secret", "Access Token Secret", "Shown with the Access Token.", "accessSecret"),
        ];
    const fresh = pasteForm === null;
    const form = (pasteForm ??= h("form", { id: "paste-form", autocomplete: "off" }, ...fields));
    // Each problem is also shown under its own field.
    for (const el of form.querySelectorAll(".field-problem")) el.remove();
    for (const input of form.querySelectorAll("input")) input.removeAttribute("aria-invalid");
    for (const slip of state.paste?.problems ?? []) {
      const f = form.querySelector(`.field[data-field="${slip.field}"]`);
      f?.querySelector("input")?.setAttribute("aria-invalid", "true");
      f?.append(h("small", { className: "field-problem" }, slip.message));
    }
    const value = (id: string): string => (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? "");
    const submit = (): void => {
      const keys = { apiKey: value("api-key"), apiSecret: value("api-secret"), accessToken: value("access-token"), accessSecret: value("access-secret") };
      void guard(
        () => commands.wizardPaste(keys, keepAppKeysOf(state)),
        (report) => {
          if (report.ok) {
            // Rust keeps the keys; the form forgets them.
            form.reset();
            pasteForm = null;
          }
          return { type: "pasted", report };
        },
      );
    };
    if (fresh) {
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        submit();
      });
    }
    return [
      h("h2", { id: "wizard-title" }, replace ? "Paste the new Access Token and Secret" : "Paste your keys"),
      h("p", {}, "Paste each value into its field. Postbridge checks for the usual slips (spaces, line breaks, quotes, a key in the wrong field) and never shows a secret back."),
      form,
      slipList("paste-problems", "Please fix", state.paste, "problems"),
      slipList("paste-notes", "Cleaned up", state.paste, "notes"),
      nav(h("button", { id: "paste-continue", className: "primary", onclick: submit }, "Check the keys")),
    ];
  }

  function saveBlock(v: Extract<VerifyReport, { outcome: "verified" }>): HTMLElement {
    const name = h("input", { id: "account-name", type: "text", value: replace ? replace.account : `@${v.username}`, disabled: replace !== null });
    return h(
      "div",
      { className: "save" },
      h("label", { for: "account-name" }, "Name for this account in Postbridge"),
      name,
      h(
        "button",
        {
          id: "save",
          className: "primary",
          onclick: () => void guard(() => commands.wizardSave(name.value, state.plan, replace !== null), (account) => ({ type: "saved", account })),
        },
        "Save to the keychain",
      ),
    );
  }

  function verifyResult(): HTMLElement | null {
    const v = state.verify;
    if (v === null) return state.busy > 0 ? h("p", { id: "verify-progress", className: "muted" }, "Asking X who these keys belong to…") : null;
    switch (v.outcome) {
      case "verified":
        return h(
          "div",
          { id: "verify-result", "data-outcome": "verified" },
          h("div", { className: "status ok", role: "status" }, h("h3", {}, `@${v.username} can post`), h("p", {}, `${v.name} · access level ${v.accessLevel}`)),
          saveBlock(v),
        );
      case "readOnly":
        return h("div", { id: "verify-result", "data-outcome": "read-only" }, renderVerifyReport(v, fix, "fix-permissions"));
      case "failed":
        return h("div", { id: "verify-result", "data-outcome": "failed" }, renderVerifyReport(v, fix));
    }
  }

  function stepVerify(): HTMLElement[] {
    return [
      h("h2", { id: "wizard-title" }, "Verify"),
      h("p", {}, "Postbridge asks X (GET /2/users/me) whose keys these are and whether they can post. Nothing is posted."),
      verifyResult() ?? h("span", {}),
      nav(h("button", { id: "verify-again", onclick: () => void runVerify() }, "Check again")),
    ];
  }

  function stepPin(): HTMLElement[] {
    const fresh = pinForm === null;
    const form = (pinForm ??= h(
      "form",
      { id: "pin-form", autocomplete: "off" },
      field("pin-api-key", "API Key", "Your app's API Key (Keys and tokens → Consumer Keys)."),
      field("pin-api-secret", "API Key Secret", "Shown with the API Key."),
    ));
    const value = (id: string): string => (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? "");
    const open = (): void =>
      void guard(() => commands.pinStart(value("pin-api-key"), value("pin-api-secret")), (p) => (p.outcome === "started" ? { type: "pinStarted", url: p.authorizeUrl, opened: p.browserOpened } : { type: "verified", report: p }), "verify");
    if (fresh) {
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        open();
      });
    }
    const parts: HTMLElement[] = [
      h("h2", { id: "wizard-title" }, "Sign in with X (PIN)"),
      h("p", {}, "The app's callback must allow PIN sign-in (“oob”). Postbridge opens X in your browser; after you authorize, X shows a PIN."),
    ];
    if (state.pinUrl === null) {
      // X refused the API Key and Secret: its diagnosis, with the step that fixes it.
      const failed = state.verify !== null ? verifyResult() : null;
      parts.push(...(failed ? [form, failed] : [form]), nav(h("button", { id: "pin-open", className: "primary", onclick: open }, "Open X to sign in")));
      return parts;
    }
    const pin = h("input", { id: "pin-code", type: "text", inputmode: "numeric", autocomplete: "one-time-code" });
    parts.push(
      h("p", { className: state.pinOpened ? "muted" : "status error" }, state.pinOpened ? "X's authorize page is open in your browser. If not, open this address:" : "No browser could be opened. Open this address yourself:"),
      h("p", { className: "url" }, h("code", { id: "pin-url" }, state.pinUrl)),
      h("div", { className: "field" }, h("label", { for: "pin-code" }, "PIN shown by X"), pin),
      verifyResult() ?? h("span", {}),
      nav(
        h(
          "button",
          {
            id: "pin-finish",
            className: "primary",
            onclick: () => void guard(() => commands.pinFinish(pin.value), (report) => ({ type: "verified", report })),
          },
          "Finish sign-in",
        ),
      ),
    );
    return parts;
  }

  function stepSignIn(): HTMLElement[] {
    const fresh = signInForm === null;
    const clientId = h("input", { id: "client-id", type: "text", autocomplete: "off", spellcheck: "false", autocapitalize: "off", "aria-describedby": "client-id-hint" });
    const form = (signInForm ??= h(
      "form",
      { id: "signin-form", autocomplete: "off" },
      h(
        "div",
        { className: "field" },
        h("label", { for: "client-id" }, "OAuth 2.0 Client ID"),
        clientId,
        h("small", { id: "client-id-hint", className: "muted" }, replace ? "Leave empty to use the Client ID saved with this account." : "Keys and tokens → OAuth 2.0 Client ID and Client Secret → Client ID (the Client Secret is not needed)."),
      ),
    ));
    const open = (): void => {
      const id = form.querySelector<HTMLInputElement>("#client-id")?.value ?? "";
      void guard(
        () => commands.oauth2Start(id, replace ? replace.account : null),
        (p): WizardEvent => (p.outcome === "started" ? { type: "signInStarted", url: p.authorizeUrl, opened: p.browserOpened } : { type: "signedIn", report: { report: { outcome: "failed", diagnosis: p.diagnosis }, note: null } }),
      );
    };
    if (fresh) {
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        open();
      });
      void commands.oauth2RedirectUri().then((r) => {
        if (r.status === "ok") {
          redirectUri = r.data;
          render();
        }
      });
    }
    const parts: HTMLElement[] = [
      h("h2", { id: "wizard-title" }, replace ? `Sign in to X again for “${replace.account}”` : "Sign in with X"),
      h(
        "ol",
        { className: "console-path" },
        h("li", {}, "In the developer console (console.x.com), open your app → ", h("strong", {}, "User authentication settings"), "."),
        h("li", {}, "App permissions: ", h("strong", {}, "Read and write"), ". Type of App: ", h("strong", {}, "Native App"), " (a public client: no secret)."),
        h("li", {}, "Callback URI / Redirect URL — exactly: ", h("code", { id: "signin-redirect" }, redirectUri ?? "…"), "."),
        h("li", {}, "Save, then copy the ", h("strong", {}, "Client ID"), " from Keys and tokens."),
      ),
      h("p", { className: "note" }, "Postbridge asks for tweet.read, tweet.write, users.read, media.write (images and video) and offline.access (so the sign-in renews itself). The tokens go only into your system keychain."),
      form,
    ];
    if (state.signInUrl !== null) {
      parts.push(
        h("p", { id: "signin-waiting", className: state.signInOpened ? "muted" : "status error", role: "status" }, state.signInOpened ? "X's sign-in page is open in your browser; approve Postbridge there. Waiting for X's answer… If no page opened, open this address:" : "No browser could be opened. Open this address yourself, then approve Postbridge:"),
        h("p", { className: "url" }, h("code", { id: "signin-url" }, state.signInUrl)),
      );
    }
    const result = verifyResult();
    if (result !== null && state.signInUrl === null) parts.push(result);
    if (state.signInNote !== null && state.verify?.outcome === "verified") {
      parts.push(h("div", { id: "signin-note", className: "status warning", role: "status" }, h("h3", {}, "Saved without everything Postbridge asked for"), h("p", {}, state.signInNote.detail), h("ul", {}, ...state.signInNote.fix.map((f) => h("li", {}, f)))));
    }
    parts.push(nav(h("button", { id: "oauth2-open", className: "primary", disabled: state.signInUrl !== null, onclick: open }, state.verify?.outcome === "failed" ? "Try again" : "Sign in with X in the browser")));
    return parts;
  }

  function stepDone(): HTMLElement[] {
    const s = state.saved;
    return [
      h("h2", { id: "wizard-title" }, "All set"),
      h(
        "div",
        { id: "wizard-done", className: "status ok", role: "status" },
        h("h3", {}, s?.username ? `@${s.username} is ready` : "Saved"),
        h("p", {}, `Saved as “${s?.name ?? ""}” in your system keychain · access level ${s?.accessLevel ?? "unknown"}${s?.sandbox ? " · sandbox" : ""}`),
      ),
      h("div", { className: "nav" }, h("button", { id: "wizard-finish", className: "primary", onclick: () => s && opts.onDone(s) }, "Continue")),
    ];
  }

  function render(): void {
    const body: (HTMLElement | null)[] = (() => {
      switch (state.step) {
        case "start": return stepStart();
        case "plan": return stepPlan();
        case "permissions": return stepPermissions();
        case "regenerate": return stepRegenerate();
        case "paste": return stepPaste();
        case "verify": return stepVerify();
        case "pin": return stepPin();
        case "signin": return stepSignIn();
        case "done": return stepDone();
      }
    })();
    root.dataset["step"] = state.step;
    root.setAttribute("aria-busy", state.busy > 0 ? "true" : "false");
    const error = state.error === null ? null : h("p", { id: "wizard-error", className: "status error", role: "alert" }, state.error);
    root.replaceChildren(...body.filter((el): el is HTMLElement => el !== null), ...(error ? [error] : []));
    root.querySelector<HTMLElement>("h2")?.setAttribute("tabindex", "-1");
  }

  render();
  if (state.run === "verify") void runVerify();
  return root;
}
