//! Helpers of the x-client tests against the simulator (included with `mod common;`): the
//! test kit's simulator and clients, files of generated media, upload options of a route, and
//! what the simulator recorded.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

pub use testkit::{client, client_with, credentials, fast_config, samples, sim};
use x_client::{UploadOptions, UploadRoute};
use x_sim::SimHandle;

/// Writes `bytes` to `name` in this test process's own temp dir.
pub fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    testkit::write(
        DIR.get_or_init(|| testkit::tmp_dir("xclient-sim")),
        name,
        bytes,
    )
}

/// A 120×80 PNG named `name`.
pub fn png(name: &str) -> PathBuf {
    tmp(name, &samples::png(120, 80, 0))
}

/// An MP4 of about `size` bytes named `name`.
pub fn video(name: &str, size: usize) -> PathBuf {
    tmp(name, &samples::mp4(size))
}

/// Upload options of `route`, everything else default.
pub fn opts(route: UploadRoute) -> UploadOptions {
    UploadOptions {
        route,
        ..UploadOptions::default()
    }
}

/// The simulator's record of media `id`.
pub fn sim_media(s: &SimHandle, id: &str) -> x_sim::MediaInfo {
    s.media().into_iter().find(|m| m.id == id).unwrap()
}

/// The simulator's posts that are not deleted.
pub fn live_posts(s: &SimHandle) -> Vec<x_sim::Post> {
    s.posts().into_iter().filter(|p| !p.deleted).collect()
}
