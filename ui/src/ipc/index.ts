// The only module that talks to Rust. Everything else imports commands and types from here.
// `bindings.ts` is generated from the Rust commands (src-tauri/ipc.rs); do not edit it.
export { commands } from "./bindings";
export type { AppInfo, AppError, KeychainStatus } from "./bindings";
