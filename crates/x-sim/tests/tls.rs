#![allow(clippy::unwrap_used, clippy::expect_used)]
//! HTTPS mode: the signed base URL is `https://…` (needs the `openssl` CLI to make a
//! throwaway certificate; skipped without it).

mod common;

use common::*;
use serde_json::json;

fn make_cert() -> Option<x_sim::TlsPem> {
    let dir = std::env::temp_dir().join(format!("x-sim-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .ok()?
        .status
        .success();
    if !ok {
        return None;
    }
    let pem = x_sim::TlsPem {
        cert_pem: std::fs::read(&cert).ok()?,
        key_pem: std::fs::read(&key).ok()?,
    };
    let _ = std::fs::remove_dir_all(&dir);
    Some(pem)
}

#[tokio::test]
async fn https_listeners_sign_https_urls() {
    let Some(pem) = make_cert() else {
        eprintln!("openssl not available; skipping");
        return;
    };
    let sim = x_sim::start(x_sim::SimConfig {
        tls: Some(pem),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(sim.api_base().starts_with("https://127.0.0.1:"));
    let mut s = Signer::new(&sim.demo());
    s.http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let (st, v) = json(s.get(&format!("{}/2/users/me", sim.api_base())).await).await;
    assert_eq!(st, 200, "{v}");
    let r = s
        .post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text":"over tls"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    let (st, _) = json(
        s.post_form(
            &format!("{}/1.1/media/upload.json", sim.upload_base()),
            &[
                ("command", "INIT"),
                ("total_bytes", "10"),
                ("media_type", "image/png"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(st, 202);
    // signing the http:// URL fails against the https listener
    let url = format!("{}/2/users/me", sim.api_base());
    let h = s.header("GET", &url.replace("https://", "http://"), &[], &[]);
    let r = s
        .http
        .get(&url)
        .header("authorization", h)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(sim
        .requests()
        .last()
        .unwrap()
        .base_string
        .as_ref()
        .unwrap()
        .starts_with("GET&https%3A%2F%2F127.0.0.1"));
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_pem_is_an_error() {
    let r = x_sim::start(x_sim::SimConfig {
        tls: Some(x_sim::TlsPem {
            cert_pem: b"nope".to_vec(),
            key_pem: b"nope".to_vec(),
        }),
        ..Default::default()
    })
    .await;
    assert!(matches!(r, Err(x_sim::SimError::Tls(_))));
}
