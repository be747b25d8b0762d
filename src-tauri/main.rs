//! The `postbridge` binary: the desktop window with no subcommand, the headless CLI with one.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    postbridge_app::main()
}
