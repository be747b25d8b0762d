//! The headless `postbridge` commands (`post`, `doctor`, `login`, `schedule`, `queue`, `sim`).
//!
//! Contract: [`parse`] turns the process arguments into a [`Cli`]; [`run`] executes a
//! subcommand on its own Tokio runtime and returns the process exit code. Commands print to
//! stdout/stderr; nothing here links a GUI library, so `cargo build --no-default-features`
//! of the root package gives a CLI-only `postbridge` for headless servers.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod doctor;
pub mod login;
pub mod post;
pub mod queue;
pub mod sim;

/// `postbridge` — post to X from the desktop or the terminal.
#[derive(Debug, Parser)]
#[command(name = "postbridge", version, about, long_about = None)]
pub struct Cli {
    /// Without a subcommand the desktop window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Start the app without showing its window: it only sends scheduled posts (what "Start at
    /// login" runs). Launching Postbridge again shows the window.
    #[arg(long)]
    pub background: bool,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Post text (and media) to X.
    Post(post::PostArgs),
    /// Check the credentials against the API and explain any problem.
    Doctor(doctor::DoctorArgs),
    /// Sign an account in with X in the browser (OAuth 2.0); its tokens refresh by themselves.
    Login(login::LoginArgs),
    /// Schedule a post for a set time (the queue sends it; see `postbridge queue`).
    Schedule(queue::ScheduleArgs),
    /// List, run, cancel the queue of scheduled posts, or keep running it (`daemon`).
    Queue(queue::QueueArgs),
    /// Run the built-in X API simulator on loopback.
    Sim(sim::SimArgs),
}

/// Parses the process arguments (exits with clap's usage message on bad input, and
/// prints `--help`/`--version`).
pub fn parse() -> Cli {
    Cli::parse()
}

/// Runs one subcommand to completion and returns the exit code.
pub fn run(command: Command) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("postbridge: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        match command {
            Command::Post(args) => post::run(args).await,
            Command::Doctor(args) => doctor::run(args).await,
            Command::Login(args) => login::run(args).await,
            Command::Schedule(args) => queue::run_schedule(args).await,
            Command::Queue(args) => queue::run(args).await,
            Command::Sim(args) => sim::run(args).await,
        }
    })
}
