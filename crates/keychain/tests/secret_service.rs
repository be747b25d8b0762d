//! The real OS keychain: store, read and delete an entry (Secret Service on Linux).
//!
//! Needs a running, unlocked keychain, so it is `#[ignore]`d in a plain `cargo test`;
//! `scripts/test.sh` runs it with `--include-ignored` inside a private D-Bus session with an
//! unlocked gnome-keyring, and checks the entry from outside with `secret-tool`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use keychain::{probe, Availability, OsKeychain, SecretStore};

fn secret_tool(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
#[ignore = "needs a running Secret Service; scripts/test.sh runs it"]
fn store_read_delete_in_the_real_keychain() {
    let service = format!("postbridge-test-{}", std::process::id());
    let store = OsKeychain::new(&service);
    assert!(
        matches!(probe(&store), Availability::Available { .. }),
        "keychain not available: {:?}",
        probe(&store)
    );

    store.set("demo/access_secret", "s3cret-value").unwrap();
    assert_eq!(
        store.get("demo/access_secret").unwrap().as_deref(),
        Some("s3cret-value")
    );
    // Seen from outside the process, as a person's keychain app would see it.
    if cfg!(target_os = "linux") {
        let seen = secret_tool(&[
            "lookup",
            "service",
            &service,
            "username",
            "demo/access_secret",
        ]);
        assert_eq!(seen.as_deref(), Some("s3cret-value"));
    }

    assert!(store.delete("demo/access_secret").unwrap());
    assert_eq!(store.get("demo/access_secret").unwrap(), None);
    if cfg!(target_os = "linux") {
        let seen = secret_tool(&[
            "lookup",
            "service",
            &service,
            "username",
            "demo/access_secret",
        ]);
        assert_eq!(seen, None, "the entry is still in the Secret Service");
    }
}
