//! The Postbridge desktop shell.
//!
//! Contract: [`main`] is the whole program. With a subcommand (`post`, `doctor`, `sim`) it
//! runs the headless CLI from `crates/cli`; without one it opens the window (feature `gui`,
//! on by default). This crate only wires things together: the X client, the simulator and
//! the keychain live in GUI-free crates under `crates/`; the page talks to Rust only through
//! the commands in [`commands`], whose TypeScript bindings are generated into
//! `ui/src/ipc/bindings.ts` (see [`ipc`]).

use std::process::ExitCode;

#[cfg(feature = "gui")]
mod browser;
#[cfg(feature = "gui")]
pub mod commands;
#[cfg(feature = "gui")]
pub mod composer;
#[cfg(feature = "gui")]
pub mod error;
#[cfg(feature = "gui")]
pub mod events;
#[cfg(feature = "gui")]
pub mod ipc;
#[cfg(feature = "gui")]
pub mod notify;
#[cfg(feature = "gui")]
mod picker;
#[cfg(feature = "gui")]
pub mod queue;
#[cfg(feature = "gui")]
pub mod sandbox;
#[cfg(feature = "gui")]
pub mod session;
#[cfg(feature = "gui")]
pub mod settings;
#[cfg(feature = "gui")]
mod shell;
#[cfg(feature = "gui")]
pub mod signin;
#[cfg(feature = "gui")]
pub mod state;
#[cfg(feature = "gui")]
pub mod views;
#[cfg(feature = "gui")]
pub mod wizard;

/// Runs Postbridge: a headless subcommand, or the desktop window.
pub fn main() -> ExitCode {
    let cli = postbridge_cli::parse();
    match cli.command {
        Some(command) => postbridge_cli::run(command),
        None => open_window(cli.background),
    }
}

#[cfg(feature = "gui")]
fn open_window(background: bool) -> ExitCode {
    shell::run(background)
}

#[cfg(not(feature = "gui"))]
fn open_window(_background: bool) -> ExitCode {
    eprintln!(
        "postbridge: this is the headless build (no window). Use `postbridge post`, `postbridge doctor` or `postbridge sim`, or build with the default `gui` feature."
    );
    ExitCode::from(2)
}
