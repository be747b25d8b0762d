//! Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use x_client::{ClientConfig, Credentials, Endpoints, RetryPolicy, XClient};
use x_sim::{SimConfig, SimHandle};

/// A fresh directory for one test.
pub fn tmp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "composer-test-{}-{name}-{}",
        std::process::id(),
        composer::new_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A valid baseline grayscale JPEG of `w`×`h` (flat gray), built by hand so that a
/// 24-megapixel file is made instantly in debug builds: one-symbol Huffman tables, every block
/// "DC diff 0, end of block" = two zero bits.
pub fn gray_jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    // DQT: table 0, all ones.
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out.extend_from_slice(&[1u8; 64]);
    // SOF0: 8-bit, h × w, one component (id 1, 1×1 sampling, table 0).
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
    out.extend_from_slice(&h.to_be_bytes());
    out.extend_from_slice(&w.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    // DHT: DC table 0 and AC table 0, each with one 1-bit code for symbol 0.
    for class in [0x00u8, 0x10] {
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class]);
        let mut counts = [0u8; 16];
        counts[0] = 1;
        out.extend_from_slice(&counts);
        out.push(0x00);
    }
    // SOS: one component, tables 0/0, spectral 0–63.
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    let blocks = u64::from(w).div_ceil(8) * u64::from(h).div_ceil(8);
    let bits = blocks * 2;
    let full = usize::try_from(bits / 8).unwrap();
    out.extend(std::iter::repeat_n(0u8, full));
    let rest = bits % 8;
    if rest > 0 {
        out.push(0xFFu8 >> rest); // pad with one bits (0xFF never appears: rest ≥ 1)
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

pub fn fast_config() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_rate_limit_wait: Duration::from_secs(0),
        },
        chunk_size: 64 * 1024,
        append_concurrency: 4,
        processing_deadline: Duration::from_secs(30),
        route_ttl: Duration::from_secs(3600),
        read_back_attempts: 2,
        read_back_delay: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

pub async fn sim() -> SimHandle {
    let s = x_sim::start(SimConfig::default()).await.unwrap();
    s.update_modes(|m| {
        m.processing_ms = 0;
        m.plan = x_sim::Plan::Unlimited;
        // X's duplicate filter is not a guarantee: nothing here may rely on it.
        m.duplicate_window_secs = 0;
    });
    s
}

pub fn client(s: &SimHandle) -> XClient {
    client_with(s, fast_config())
}

/// A client of the simulator's demo account with `config`.
pub fn client_with(s: &SimHandle, config: ClientConfig) -> XClient {
    let d = s.demo();
    XClient::with_config(
        Endpoints {
            api_base: s.api_base(),
            upload_base: s.upload_base(),
        },
        Credentials {
            consumer_key: d.consumer_key.clone(),
            consumer_secret: d.consumer_secret.clone(),
            access_token: d.access_token.clone(),
            access_secret: d.access_token_secret.clone(),
        },
        config,
    )
    .unwrap()
}

pub fn live_posts(s: &SimHandle) -> Vec<x_sim::Post> {
    s.posts().into_iter().filter(|p| !p.deleted).collect()
}
