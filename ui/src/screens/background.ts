// "When the window is closed": keep Postbridge running to send scheduled posts, start it at
// login (in the background), and Quit. Rust keeps the settings and the OS's autostart entry;
// this only shows what they say now and sends the person's choice.
//
// Stable hooks for journeys: #keep-running, #start-at-login (checkboxes), #quit-app,
// #background-settings[data-keep-running][data-start-at-login].
import { commands, okOr, type SettingsView } from "../ipc";
import { h } from "../lib/dom";

/** The sentence under the checkboxes for `s`. */
export function backgroundText(s: SettingsView): string {
  if (s.keepRunningWhenClosed) {
    return "Closing the window hides it; Postbridge keeps sending scheduled posts and tells you what it did. Open Postbridge again to bring the window back, or Quit to stop it.";
  }
  return "Closing the window quits Postbridge; scheduled posts then wait until it runs again (or until `postbridge queue run` does).";
}

export function renderBackgroundSettings(): HTMLElement {
  const root = h("fieldset", { id: "background-settings", className: "settings" });
  let settings: SettingsView | null = null;
  let error: string | null = null;
  let busy = false;

  const apply = async (work: () => ReturnType<typeof commands.settingsGet>): Promise<void> => {
    busy = true;
    render();
    const v = okOr(await work(), (text) => (error = text));
    if (v !== undefined) {
      settings = v;
      error = null;
    }
    busy = false;
    render();
  };

  function render(): void {
    const s = settings;
    root.dataset["keepRunning"] = String(s?.keepRunningWhenClosed ?? false);
    root.dataset["startAtLogin"] = String(s?.startAtLogin ?? false);
    const keep = h("input", { type: "checkbox", id: "keep-running", checked: s?.keepRunningWhenClosed ?? false, disabled: s === null || busy });
    keep.addEventListener("change", () => void apply(() => commands.settingsSetKeepRunning(keep.checked)));
    const login = h("input", { type: "checkbox", id: "start-at-login", checked: s?.startAtLogin ?? false, disabled: s === null || busy || s.startAtLoginProblem !== null });
    login.addEventListener("change", () => void apply(() => commands.settingsSetStartAtLogin(login.checked)));
    const children: (HTMLElement | null)[] = [
      h("legend", {}, "When the window is closed"),
      h("div", { className: "check" }, keep, h("label", { for: "keep-running" }, "Keep running to send scheduled posts")),
      h("div", { className: "check" }, login, h("label", { for: "start-at-login" }, "Start Postbridge at login, in the background")),
      s ? h("p", { id: "background-text", className: "muted" }, backgroundText(s)) : null,
      s?.startAtLoginProblem ? h("p", { className: "status warning", role: "status" }, s.startAtLoginProblem) : null,
      error ? h("p", { id: "background-error", className: "status error", role: "alert" }, error) : null,
      h("button", { id: "quit-app", onclick: () => void commands.appQuit() }, "Quit Postbridge"),
    ];
    root.replaceChildren(...children.filter((c): c is HTMLElement => c !== null));
  }

  render();
  void apply(() => commands.settingsGet());
  return root;
}
