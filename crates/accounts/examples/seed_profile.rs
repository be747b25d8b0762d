//! Saves one OAuth 1.0a account profile, as the app's wizard would, for benchmarks that launch
//! the app with an account (bench/app.sh): the profile in `<config dir>/profiles.json`, its four
//! keys in the OS keychain under the given service. The keys are placeholders (the app shows
//! the account; nothing is posted).
//!
//! `cargo run --release -p accounts --example seed_profile -- CONFIG_DIR KEYCHAIN_SERVICE [API_BASE]`
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(service)) = (args.first(), args.get(1)) else {
        eprintln!("usage: seed_profile CONFIG_DIR KEYCHAIN_SERVICE [API_BASE]");
        return ExitCode::from(2);
    };
    let secrets = Arc::new(keychain::OsKeychain::new(service));
    let accounts = accounts::Accounts::new(PathBuf::from(dir), secrets);
    let mut profile = accounts::Profile::new("Bench");
    profile.username = Some("bench".into());
    profile.user_id = Some("1".into());
    let base = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:9".into());
    profile.api_base = Some(base.clone());
    profile.upload_base = Some(base);
    let creds = x_client::Credentials {
        consumer_key: "bench-consumer-key".into(),
        consumer_secret: "bench-consumer-secret".into(),
        access_token: "1-bench-access-token".into(),
        access_secret: "bench-access-secret".into(),
    };
    match accounts.save(profile, &creds) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_profile: {e}");
            ExitCode::FAILURE
        }
    }
}
