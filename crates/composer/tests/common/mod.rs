//! Helpers shared by the composer's integration tests (included with `mod common;`): the test
//! kit's clients and media, a simulator with X's duplicate filter off (nothing here may rely
//! on it), fresh directories and files.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

pub use testkit::{client, fast_config, samples};
use x_client::{ClientConfig, XClient};
use x_sim::SimHandle;

/// A fresh directory for one test.
pub fn tmp_dir(name: &str) -> PathBuf {
    testkit::tmp_dir(&format!("composer-{name}"))
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    testkit::write(dir, name, bytes)
}

/// The test kit's simulator with X's duplicate filter off: X's duplicate filter is not a
/// guarantee, so nothing here may rely on it.
pub async fn sim() -> SimHandle {
    let s = testkit::sim().await;
    s.update_modes(|m| m.duplicate_window_secs = 0);
    s
}

/// A client of the simulator's demo account with `config`.
pub fn client_with(s: &SimHandle, config: ClientConfig) -> XClient {
    testkit::client_with(s, testkit::credentials(&s.demo()), config)
}

/// The simulator's posts that are not deleted.
pub fn live_posts(s: &SimHandle) -> Vec<x_sim::Post> {
    s.posts().into_iter().filter(|p| !p.deleted).collect()
}
