//! `postbridge doctor` (placeholder; filled in by its issue).
use std::process::ExitCode;

/// Arguments of `postbridge doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {}

/// Runs `postbridge doctor`.
pub async fn run(_args: DoctorArgs) -> ExitCode {
    eprintln!("postbridge doctor: not implemented yet");
    ExitCode::from(2)
}
