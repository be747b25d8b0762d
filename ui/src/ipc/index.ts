// The only module that talks to Rust. Everything else imports commands and types from here.
// `bindings.ts` is generated from the Rust commands (src-tauri/ipc.rs); do not edit it.
//
// Every response is also kept (the last 100) in `window.__postbridgeIpcLog`, so the
// end-to-end secret-leak test (tests/accounts.rs) can prove no response ever carried a secret.
// It is in release builds on purpose: that proof is only worth having for the page that ships
// (README.md, Layout). It holds nothing the page has not already received.
//
// Every failure reaches the caller as `{ status: "error", error: AppError }`: Tauri rejects an
// argument-decoding failure with a plain string, and the generated wrapper rethrows JavaScript
// errors; both are turned into an `internal` AppError here, so no screen misses a failure.
// `errorText` turns any failure into the sentence a screen shows, and `okOr` is the one way a
// screen takes a command's answer apart.
import { commands as raw, type AppError } from "./bindings";
export { events } from "./bindings";
export type {
  AccessLevel,
  ErrorKind,
  Field,
  MediaKind,
  Plan,
  ReplySettings,
  UploadRoute,
  WizardStep,
  AccountStatus,
  AccountsView,
  DraftView,
  FitView,
  ReplyTargetView,
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
  SignInMethod,
  SignInReport,
  SignInStart,
  UpgradeReport,
  Scenario,
  Scenarios,
  SlipView,
  VerifyReport,
  CostView,
  PartChoice,
  QueueChanged,
  QueueItemView,
  QueueStateView,
  QueueView,
  Scheduled,
  SettingsView,
  SlotWait,
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

/** Every `AppError` kind (a `Record`, so `tsc` reports a kind added in Rust and missing here). */
const KIND: Record<AppError["kind"], true> = {
  "keychain-unavailable": true,
  keychain: true,
  account: true,
  "invalid-input": true,
  "sign-in-required": true,
  sandbox: true,
  composer: true,
  internal: true,
};
const KINDS = new Set<string>(Object.keys(KIND));

/** Any rejection as an `AppError` (an `AppError` is returned as it is). */
export function toAppError(err: unknown): AppError {
  if (typeof err === "object" && err !== null && KINDS.has(String((err as { kind?: unknown }).kind))) return err as AppError;
  if (typeof err === "string") return { kind: "internal", message: err };
  if (err instanceof Error) return { kind: "internal", message: err.message };
  let text: string;
  try {
    text = JSON.stringify(err) ?? String(err);
  } catch {
    text = String(err);
  }
  return { kind: "internal", message: `Unexpected error: ${text}` };
}

/** A command's answer with its failure, whatever its form, as an `AppError`. */
export function normalised(result: unknown): unknown {
  if (typeof result === "object" && result !== null && (result as { status?: unknown }).status === "error") {
    return { status: "error", error: toAppError((result as { error?: unknown }).error) };
  }
  return result;
}

/** The generated commands, each response recorded. */
export const commands: Commands = new Proxy(raw, {
  get(target, prop, receiver) {
    const original: unknown = Reflect.get(target, prop, receiver);
    if (typeof original !== "function") return original;
    return async (...args: unknown[]) => {
      let result: unknown;
      try {
        result = normalised(await (original as (...a: unknown[]) => Promise<unknown>)(...args));
      } catch (e) {
        result = { status: "error", error: toAppError(e) };
      }
      record(String(prop), result);
      return result;
    };
  },
});

/** A command's answer: its data, or the `AppError` it failed with. */
export type Answer<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/** The data of answer `r`; on failure `onError` gets the sentence to show (see `errorText`)
 * and the result is `undefined`. */
export function okOr<T>(r: Answer<T>, onError: (text: string) => void): T | undefined {
  if (r.status === "ok") return r.data;
  onError(errorText(r.error));
  return undefined;
}

/** A person-readable sentence for any error a command can give: an `AppError`, the plain
 * string Tauri rejects with when it cannot decode a command's arguments, a JavaScript `Error`,
 * or anything else (never `undefined`, never an empty string). */
export function errorText(err: unknown): string {
  if (typeof err === "string") return err.trim() !== "" ? err.trim() : UNKNOWN;
  if (err instanceof Error) return err.message.trim() !== "" ? err.message.trim() : UNKNOWN;
  if (typeof err !== "object" || err === null) return err === undefined || err === null ? UNKNOWN : String(err);
  const e = err as Partial<Record<string, unknown>>;
  if (e["kind"] === "keychain-unavailable" && typeof e["reason"] === "string") {
    return [e["reason"], e["fix"]].filter((x): x is string => typeof x === "string" && x !== "").join(" ");
  }
  if (typeof e["message"] === "string" && e["message"].trim() !== "") return e["message"].trim();
  try {
    const json = JSON.stringify(err);
    return json !== undefined && json !== "{}" ? `Unexpected error: ${json}` : UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}

const UNKNOWN = "Something went wrong, and Postbridge was told nothing more.";
