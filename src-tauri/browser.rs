//! Opening web pages in the system browser, scoped.
//!
//! Contract: [`open_allowed`] opens a URL only when, parsed the way a browser parses it
//! (WHATWG, the `url` crate), it is `https` on X's hosts (`x.com`, `twitter.com` and their
//! subdomains), or has exactly the scheme, host and port of the configured API base (the
//! sandbox's loopback simulator). Anything else — other schemes, user info, a backslash that a
//! browser reads as `/` — is refused. The page itself has no opener permission.

use tauri_plugin_opener::OpenerExt;
use url::Url;

/// Hosts Postbridge may open besides the configured API host.
const X_HOSTS: &[&str] = &["x.com", "twitter.com"];

/// Whether `url` may be opened for endpoints `endpoints`.
pub fn allowed(url: &str, endpoints: &x_client::Endpoints) -> bool {
    let Ok(u) = Url::parse(url) else {
        return false;
    };
    if !u.username().is_empty() || u.password().is_some() {
        return false;
    }
    let Some(host) = u.host_str().map(str::to_ascii_lowercase) else {
        return false;
    };
    let x = u.scheme() == "https"
        && X_HOSTS
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")));
    let api = Url::parse(&endpoints.api_base).is_ok_and(|base| {
        base.scheme() == u.scheme()
            && base.host_str().map(str::to_ascii_lowercase).as_deref() == Some(host.as_str())
            && base.port_or_known_default() == u.port_or_known_default()
    });
    x || api
}

/// Opens `url` in the system browser if [`allowed`].
pub fn open_allowed(
    app: &tauri::AppHandle,
    url: &str,
    endpoints: &x_client::Endpoints,
) -> Result<(), String> {
    if !allowed(url, endpoints) {
        return Err(format!("Postbridge does not open {url}"));
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn only_x_and_the_configured_api_host() {
        let sim = x_client::Endpoints {
            api_base: "http://127.0.0.1:8787".into(),
            upload_base: "http://127.0.0.1:8788".into(),
        };
        assert!(allowed(
            "https://api.x.com/oauth/authorize?oauth_token=a",
            &sim
        ));
        assert!(allowed("https://x.com/someone/status/1", &sim));
        assert!(allowed(
            "http://127.0.0.1:8787/oauth/authorize?oauth_token=a",
            &sim
        ));
        assert!(!allowed("https://evil.example/x.com", &sim));
        assert!(!allowed("https://x.com.evil.example/", &sim));
        assert!(!allowed("https://user@evil.example/", &sim));
        assert!(!allowed("file:///etc/passwd", &sim));
        assert!(!allowed("javascript:alert(1)", &sim));
        // PB-23: a browser reads `\` as `/`, so this is evil.example.
        assert!(!allowed("https://evil.example\\.x.com/", &sim));
        assert!(!allowed("https://evil.example\\@x.com/", &sim));
        // The sandbox's host only on its own port and scheme; X only over https.
        assert!(!allowed("http://127.0.0.1:9999/", &sim));
        assert!(!allowed("https://127.0.0.1:8787/", &sim));
        assert!(!allowed("http://x.com/someone", &sim));
        assert!(allowed("https://mobile.twitter.com/i/web/status/1", &sim));
    }
}
