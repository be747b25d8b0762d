// The only module that talks to Rust. Everything else imports commands and types from here.
// `bindings.ts` is generated from the Rust commands (src-tauri/ipc.rs); do not edit it.
//
// Every response is also kept (the last 100) in `window.__postbridgeIpcLog`, so the
// end-to-end secret-leak test can prove no response ever carried a secret.
import { commands as raw } from "./bindings";
export { events } from "./bindings";
export type {
  AccountStatus,
  AccountsView,
  DraftView,
  HistoryView,
  PostOutcome,
  ProgressView,
  AppError,
  AppInfo,
  DiagnosisView,
  KeychainStatus,
  PasteInput,
  PasteReport,
  PinStart,
  SandboxView,
  Scenario,
  Scenarios,
  SlipView,
  VerifyReport,
} from "./bindings";

declare global {
  interface Window {
    __postbridgeIpcLog?: string[];
  }
}

function record(name: string, value: unknown): void {
  if (typeof window === "undefined") return;
  const log = (window.__postbridgeIpcLog ??= []);
  log.push(`${name} ${JSON.stringify(value)}`);
  if (log.length > 100) log.splice(0, log.length - 100);
}

type Commands = typeof raw;

/** The generated commands, each response recorded. */
export const commands: Commands = new Proxy(raw, {
  get(target, prop, receiver) {
    const original: unknown = Reflect.get(target, prop, receiver);
    if (typeof original !== "function") return original;
    return async (...args: unknown[]) => {
      const result: unknown = await (original as (...a: unknown[]) => Promise<unknown>)(...args);
      record(String(prop), result);
      return result;
    };
  },
});
