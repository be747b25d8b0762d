//! `postbridge post` (placeholder; filled in by its issue).
use std::process::ExitCode;

/// Arguments of `postbridge post`.
#[derive(Debug, clap::Args)]
pub struct PostArgs {}

/// Runs `postbridge post`.
pub async fn run(_args: PostArgs) -> ExitCode {
    eprintln!("postbridge post: not implemented yet");
    ExitCode::from(2)
}
