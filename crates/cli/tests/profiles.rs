//! The CLI reads the app's profiles: with no `X_*` variables it uses the default (or
//! `--profile`) account's keys from the keychain, and says clearly when there is none.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use postbridge_cli::post::client_from_profile;

#[tokio::test]
async fn the_cli_uses_a_saved_profile() {
    let sim = x_sim::start(x_sim::SimConfig::default()).await.unwrap();
    let demo = sim.demo();
    let dir = tempfile::tempdir().unwrap();
    let accounts = accounts::Accounts::new(dir.path(), Arc::new(keychain::MemoryStore::new()));
    let env = HashMap::new();

    // No account yet: a clear message naming both ways in.
    let none = client_from_profile(&accounts, None, &env, true)
        .err()
        .unwrap();
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("X_API_KEY") && none.stderr.contains("--profile"),
        "{}",
        none.stderr
    );

    let mut profile = accounts::Profile::new("Work");
    profile.api_base = Some(sim.api_base());
    profile.upload_base = Some(sim.upload_base());
    let creds = testkit::credentials(&demo);
    accounts.save(profile, &creds).unwrap();

    // The default profile, and the same one by name, reach the simulator with its keys.
    for name in [None, Some("Work")] {
        let client = client_from_profile(&accounts, name, &env, true)
            .map_err(|o| o.stderr)
            .unwrap();
        let me = client.me().await.unwrap();
        assert_eq!(me.username, demo.username);
    }
    let unknown = client_from_profile(&accounts, Some("Nope"), &env, true)
        .err()
        .unwrap();
    assert!(
        unknown
            .stderr
            .contains("There is no account named \"Nope\""),
        "{}",
        unknown.stderr
    );

    // The sandbox account lives in the app only.
    let mut sandbox = accounts::Profile::new("Sandbox");
    sandbox.sandbox = true;
    accounts.save(sandbox, &creds).unwrap();
    let sb = client_from_profile(&accounts, Some("Sandbox"), &env, true)
        .err()
        .unwrap();
    assert!(sb.stderr.contains("postbridge sim"), "{}", sb.stderr);
    sim.shutdown().await;
}

/// `post --media` with a saved profile: X refuses the video as longer than the account may post
/// (§15, `video-too-long`), and the profile now carries X's minutes, which the app's composer
/// warns with.
#[tokio::test]
async fn a_video_x_refuses_as_too_long_teaches_the_saved_profile_its_limit() {
    use clap::Parser;
    use postbridge_cli::{post, Cli, Command};

    let sim = x_sim::start(x_sim::SimConfig::default()).await.unwrap();
    sim.update_modes(|m| m.processing_ms = 0);
    assert!(sim.update_account("demo", |a| a.video_max_minutes = Some(1)));
    let dir = tempfile::tempdir().unwrap();
    let accounts = accounts::Accounts::new(dir.path(), Arc::new(keychain::MemoryStore::new()));
    let mut profile = accounts::Profile::new("Work");
    profile.api_base = Some(sim.api_base());
    profile.upload_base = Some(sim.upload_base());
    accounts
        .save(profile, &testkit::credentials(&sim.demo()))
        .unwrap();
    let video = testkit::write(
        &testkit::tmp_dir("pb-cli-video-limit"),
        "talk.mp4",
        &testkit::samples::mp4_video(16 * 1024, 90, 1280, 720, false),
    );
    let env = HashMap::from([(
        "POSTBRIDGE_DATA_DIR".to_string(),
        dir.path().join("data").to_string_lossy().into_owned(),
    )]);
    let args = match Cli::try_parse_from([
        "postbridge",
        "post",
        "--json",
        "--media",
        video.to_str().unwrap(),
        "A long talk",
    ])
    .unwrap()
    .command
    .unwrap()
    {
        Command::Post(a) => a,
        other => panic!("{other:?}"),
    };
    assert_eq!(accounts.profile("Work").unwrap().video_limit_minutes, None);
    let o = post::execute_with(&args, &env, &accounts, None).await;
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stdout.contains("video-too-long"), "{}", o.stdout);
    assert_eq!(
        accounts.profile("Work").unwrap().video_limit_minutes,
        Some(1)
    );
    assert!(sim.posts().iter().all(|p| p.deleted), "nothing was posted");
    sim.shutdown().await;
}
