//! Test helpers: a tiny OAuth 1.0a signer over reqwest, using the crate's own primitives.
#![allow(dead_code)]

pub mod timeline;

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use x_sim::oauth;
use x_sim::{DemoCredentials, SimConfig, SimHandle};

static NONCE: AtomicU64 = AtomicU64::new(1);

pub struct Signer {
    pub http: reqwest::Client,
    pub ck: String,
    pub cs: String,
    pub token: Option<String>,
    pub ts: String,
    /// Overrides the timestamp (unix secs).
    pub timestamp: Option<i64>,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl Signer {
    pub fn new(c: &DemoCredentials) -> Self {
        Self {
            http: reqwest::Client::new(),
            ck: c.consumer_key.clone(),
            cs: c.consumer_secret.clone(),
            token: Some(c.access_token.clone()),
            ts: c.access_token_secret.clone(),
            timestamp: None,
        }
    }

    pub fn oauth_params(&self, extra_oauth: &[(&str, &str)]) -> Vec<(String, String)> {
        let n = NONCE.fetch_add(1, Ordering::SeqCst);
        let mut v = vec![
            ("oauth_consumer_key".to_string(), self.ck.clone()),
            ("oauth_nonce".to_string(), format!("nonce{n}x{}", now())),
            (
                "oauth_signature_method".to_string(),
                "HMAC-SHA1".to_string(),
            ),
            (
                "oauth_timestamp".to_string(),
                self.timestamp.unwrap_or_else(now).to_string(),
            ),
            ("oauth_version".to_string(), "1.0".to_string()),
        ];
        if let Some(t) = &self.token {
            v.push(("oauth_token".to_string(), t.clone()));
        }
        for (k, val) in extra_oauth {
            v.push((k.to_string(), val.to_string()));
        }
        v
    }

    /// The Authorization header for `method url` with signed form fields `form`.
    pub fn header(
        &self,
        method: &str,
        url: &str,
        form: &[(&str, &str)],
        extra_oauth: &[(&str, &str)],
    ) -> String {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut extra = oauth::parse_form(query).unwrap();
        extra.extend(form.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        oauth::authorization_header(
            method,
            base,
            &self.oauth_params(extra_oauth),
            &extra,
            &self.cs,
            &self.ts,
        )
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        let h = self.header("GET", url, &[], &[]);
        self.http
            .get(url)
            .header("authorization", h)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, url: &str) -> reqwest::Response {
        let h = self.header("DELETE", url, &[], &[]);
        self.http
            .delete(url)
            .header("authorization", h)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete_json(&self, url: &str, body: &Value) -> reqwest::Response {
        let h = self.header("DELETE", url, &[], &[]);
        self.http
            .delete(url)
            .header("authorization", h)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, url: &str, body: &Value) -> reqwest::Response {
        let h = self.header("POST", url, &[], &[]);
        self.http
            .post(url)
            .header("authorization", h)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_empty(&self, url: &str) -> reqwest::Response {
        let h = self.header("POST", url, &[], &[]);
        self.http
            .post(url)
            .header("authorization", h)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let h = self.header("POST", url, form, &[]);
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", oauth::percent_encode(k), oauth::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.http
            .post(url)
            .header("authorization", h)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_multipart(
        &self,
        url: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        let h = self.header("POST", url, &[], &[]);
        self.http
            .post(url)
            .header("authorization", h)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

pub async fn sim() -> SimHandle {
    let mut cfg = SimConfig::default();
    cfg.modes.processing_ms = 300;
    x_sim::start(cfg).await.unwrap()
}

pub async fn control(sim: &SimHandle, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/{}", sim.api_base(), path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "control {path}: {}", r.status());
    r.json().await.unwrap()
}

pub fn png(w: u32, h: u32, total: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend(w.to_be_bytes());
    v.extend(h.to_be_bytes());
    v.resize(total.max(v.len()), 0);
    v
}

pub fn mp4(total: usize) -> Vec<u8> {
    let mut v = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    v.resize(total.max(v.len()), 7);
    v
}

pub fn gif(total: usize) -> Vec<u8> {
    let mut v = b"GIF89a\x40\x01\xf0\x00".to_vec();
    v.resize(total.max(v.len()), 1);
    v
}

pub async fn json(r: reqwest::Response) -> (u16, Value) {
    let s = r.status().as_u16();
    let b = r.bytes().await.unwrap();
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// A v1.1 INIT of a 100-byte PNG: status, JSON body (`null` if none), content type.
pub async fn v1_init(s: &Signer, base: &str) -> (u16, serde_json::Value, String) {
    let r = s
        .post_form(
            &format!("{base}/1.1/media/upload.json"),
            &[
                ("command", "INIT"),
                ("total_bytes", "100"),
                ("media_type", "image/png"),
            ],
        )
        .await;
    let st = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let b = r.bytes().await.unwrap();
    (
        st,
        serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null),
        ct,
    )
}
