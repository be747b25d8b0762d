//! Opening web pages in the system browser, scoped.
//!
//! Contract: [`open_allowed`] opens a URL only when its host is X's (`x.com`, `twitter.com` and
//! their subdomains) or the configured API host; anything else is refused. The page itself has
//! no opener permission.

use tauri_plugin_opener::OpenerExt;

/// Hosts Postbridge may open besides the configured API host.
const X_HOSTS: &[&str] = &["x.com", "twitter.com"];

fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next()?;
    Some(host.to_ascii_lowercase())
}

/// Whether `url` may be opened for endpoints `endpoints`.
pub fn allowed(url: &str, endpoints: &x_client::Endpoints) -> bool {
    let Some(host) = host_of(url) else {
        return false;
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return false;
    }
    let x = X_HOSTS
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")));
    x || host_of(&endpoints.api_base).as_deref() == Some(host.as_str())
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
    }
}
