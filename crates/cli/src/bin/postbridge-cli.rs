//! `postbridge-cli`: the headless `postbridge` commands as a binary of this crate — the same
//! code as `postbridge` built with `--no-default-features` — so the CLI's own tests can start
//! real processes (several queue runners at once, runners killed mid-send) without building
//! the desktop app. Not installed with the app.

use std::process::ExitCode;

fn main() -> ExitCode {
    match postbridge_cli::parse().command {
        Some(command) => postbridge_cli::run(command),
        None => {
            eprintln!("postbridge-cli: give a subcommand (see --help)");
            ExitCode::from(2)
        }
    }
}
