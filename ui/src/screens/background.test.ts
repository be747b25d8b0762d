// @vitest-environment happy-dom
// The "When the window is closed" settings against Tauri's IPC mock: they show what Rust
// says (not what was clicked), a refused change says why and leaves the box as Rust has it,
// and Quit asks Rust to quit.
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SettingsView } from "../ipc";
import { backgroundText, renderBackgroundSettings } from "./background";

let settings: SettingsView;
let refuseLogin: boolean;
let calls: string[];

beforeEach(() => {
  calls = [];
  refuseLogin = false;
  settings = { keepRunningWhenClosed: false, startAtLogin: false, startAtLoginProblem: null };
  mockWindows("main");
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const on = (args as { on?: boolean } | undefined)?.on ?? false;
    switch (cmd) {
      case "settings_get":
        return settings;
      case "settings_set_keep_running":
        settings = { ...settings, keepRunningWhenClosed: on };
        return settings;
      case "settings_set_start_at_login":
        if (refuseLogin) throw { kind: "invalid-input", message: "cannot change the autostart entry: permission denied" };
        // Rust turns "keep running" on with it.
        settings = { ...settings, startAtLogin: on, keepRunningWhenClosed: on || settings.keepRunningWhenClosed };
        return settings;
      case "app_quit":
        return null;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
});

afterEach(() => clearMocks());

const box = (root: HTMLElement, id: string): HTMLInputElement => root.querySelector<HTMLInputElement>(`#${id}`)!;

async function mounted(): Promise<HTMLElement> {
  const root = renderBackgroundSettings();
  document.body.replaceChildren(root);
  await vi.waitFor(() => expect(box(root, "keep-running").disabled).toBe(false));
  return root;
}

describe("background settings", () => {
  it("shows what Rust has, and a change is what Rust answered", async () => {
    settings.keepRunningWhenClosed = true;
    const root = await mounted();
    expect(box(root, "keep-running").checked).toBe(true);
    expect(root.dataset["keepRunning"]).toBe("true");
    const login = box(root, "start-at-login");
    login.checked = true;
    login.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(root.dataset["startAtLogin"]).toBe("true"));
    expect(calls).toContain("settings_set_start_at_login");
  });

  it("turning on start at login also shows keep running on", async () => {
    const root = await mounted();
    const login = box(root, "start-at-login");
    login.checked = true;
    login.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(box(root, "keep-running").checked).toBe(true));
    expect(root.querySelector("#background-text")?.textContent).toContain("keeps sending");
  });

  it("a refused change says why and the box stays as it was", async () => {
    refuseLogin = true;
    const root = await mounted();
    const login = box(root, "start-at-login");
    login.checked = true;
    login.dispatchEvent(new Event("change"));
    await vi.waitFor(() => expect(root.querySelector("#background-error")?.textContent).toContain("permission denied"));
    expect(box(root, "start-at-login").checked).toBe(false);
    expect(root.dataset["startAtLogin"]).toBe("false");
  });

  it("an autostart entry that cannot be read disables the box and says so", async () => {
    settings.startAtLoginProblem = "cannot read the autostart entry: no home directory";
    const root = await mounted();
    expect(box(root, "start-at-login").disabled).toBe(true);
    expect(root.textContent).toContain("no home directory");
  });

  it("Quit asks Rust to quit", async () => {
    const root = await mounted();
    root.querySelector<HTMLButtonElement>("#quit-app")!.click();
    await vi.waitFor(() => expect(calls).toContain("app_quit"));
  });

  it("says what closing the window does either way", () => {
    expect(backgroundText({ keepRunningWhenClosed: false, startAtLogin: false, startAtLoginProblem: null })).toContain("quits");
    expect(backgroundText({ keepRunningWhenClosed: true, startAtLogin: false, startAtLoginProblem: null })).toContain("hides");
  });
});
