//! Postbridge's environment switches, read in one place with one rule.
//!
//! Contract: these are every `POSTBRIDGE_*` variable the app and the CLI read (both go through
//! [`Env`]; nothing else calls `std::env::var` for them):
//!
//! | Variable | Effect | Default |
//! |---|---|---|
//! | [`KEYCHAIN_SERVICE`] | OS keychain service name (tests keep their entries apart with it) | `postbridge` |
//! | [`CONFIG_DIR`] | where `profiles.json` lives | the platform's config dir + `postbridge` |
//! | [`DATA_DIR`] | where the drafts/history/journal database lives (see `composer::data_dir`) | the platform's data dir + `postbridge` |
//! | [`API_BASE`] | X API base for accounts set up by hand and for the CLI (a proxy, a simulator) | `https://api.x.com` |
//! | [`UPLOAD_BASE`] | legacy upload base, likewise | `https://upload.twitter.com` |
//! | [`BROWSER`] | how `postbridge login` opens the sign-in page: a command given the URL as its last argument, or `none` to only print it (tests play the browser this way) | the system's opener |
//! | [`OAUTH2_PORT`] | the loopback port of the app's OAuth 2.0 Callback URI `http://127.0.0.1:PORT/callback` (the app's wizard; `postbridge login` has `--port`) | `8745` |
//! | [`OAUTH2_ACCESS_TOKEN`] (`X_OAUTH2_ACCESS_TOKEN`) | the CLI posts with this OAuth 2.0 user access token; it wins over the four OAuth 1.0a `X_*` variables and any profile | unset |
//!
//! The reading rule ([`value`]): a value is trimmed; absent, empty or only spaces means unset,
//! so `POSTBRIDGE_API_BASE=` behaves like no variable at all. A directory that is not valid
//! UTF-8 is taken as it is.
//!
//! Not read here: `postbridge sim`'s `POSTBRIDGE_SIM_API_ADDR` / `POSTBRIDGE_SIM_UPLOAD_ADDR`
//! (clap reads them as defaults of its flags), the CLI's four OAuth 1.0a `X_API_KEY`…
//! credentials (its own contract, read with the same [`value`] rule), and the test rig's `POSTBRIDGE_E2E_*`,
//! `POSTBRIDGE_INSTALLED_*` and `POSTBRIDGE_IN_DESKTOP` (journeys and scripts only).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use x_client::{BearerToken, Endpoints};

use crate::Accounts;

/// OS keychain service name.
pub const KEYCHAIN_SERVICE: &str = "POSTBRIDGE_KEYCHAIN_SERVICE";
/// Config directory (`profiles.json`).
pub const CONFIG_DIR: &str = "POSTBRIDGE_CONFIG_DIR";
/// Data directory (the SQLite database).
pub const DATA_DIR: &str = "POSTBRIDGE_DATA_DIR";
/// X API base.
pub const API_BASE: &str = "POSTBRIDGE_API_BASE";
/// Legacy upload base.
pub const UPLOAD_BASE: &str = "POSTBRIDGE_UPLOAD_BASE";

/// How `postbridge login` opens the browser (`none`: print the address only).
pub const BROWSER: &str = "POSTBRIDGE_BROWSER";
/// The loopback port of the OAuth 2.0 Callback URI the app's wizard uses.
pub const OAUTH2_PORT: &str = "POSTBRIDGE_OAUTH2_PORT";
/// An OAuth 2.0 user access token for the CLI (not a `POSTBRIDGE_*` switch: part of the CLI's
/// `X_*` credential contract, read here so that its `Debug` stays redacted).
pub const OAUTH2_ACCESS_TOKEN: &str = "X_OAUTH2_ACCESS_TOKEN";

/// Every variable [`Env`] reads.
pub const ALL: [&str; 8] = [
    KEYCHAIN_SERVICE,
    CONFIG_DIR,
    DATA_DIR,
    API_BASE,
    UPLOAD_BASE,
    BROWSER,
    OAUTH2_PORT,
    OAUTH2_ACCESS_TOKEN,
];

/// The reading rule: `raw` trimmed; `None` when absent, empty or only spaces.
pub fn value(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// [`value`] for an OS string; a value that is not UTF-8 is kept as it is (paths only).
fn os_value(raw: Option<OsString>) -> Option<OsString> {
    let raw = raw?;
    match raw.to_str() {
        Some(s) => value(Some(s)).map(OsString::from),
        None => Some(raw),
    }
}

/// The switches as set when read (see the module docs for each one's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    keychain_service: Option<String>,
    config_dir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    api_base: Option<String>,
    upload_base: Option<String>,
    browser: Option<String>,
    oauth2_port: Option<String>,
    /// Redacted in `Debug` ([`BearerToken`]'s).
    oauth2_access_token: Option<BearerToken>,
}

/// How `postbridge login` shows the sign-in page ([`BROWSER`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browser {
    /// The system's opener (`xdg-open`, `open`, `start`).
    System,
    /// Print the address only (`none`).
    PrintOnly,
    /// This command, with the address as its last argument (split on spaces).
    Command(String),
}

impl Env {
    /// The process environment's switches.
    pub fn from_process() -> Self {
        Self::from_lookup(|k| std::env::var_os(k))
    }

    /// The switches of an environment given as a map (the CLI's testable `execute`).
    pub fn from_vars(vars: &HashMap<String, String>) -> Self {
        Self::from_lookup(|k| vars.get(k).map(OsString::from))
    }

    fn from_lookup(get: impl Fn(&str) -> Option<OsString>) -> Self {
        let text = |k: &str| os_value(get(k)).and_then(|v| v.into_string().ok());
        let dir = |k: &str| os_value(get(k)).map(PathBuf::from);
        Self {
            keychain_service: text(KEYCHAIN_SERVICE),
            config_dir: dir(CONFIG_DIR),
            data_dir: dir(DATA_DIR),
            api_base: text(API_BASE),
            upload_base: text(UPLOAD_BASE),
            browser: text(BROWSER),
            oauth2_port: text(OAUTH2_PORT),
            oauth2_access_token: text(OAUTH2_ACCESS_TOKEN).map(BearerToken::new),
        }
    }

    /// [`BROWSER`]: unset → the system's opener; `none` → print only; else that command.
    pub fn browser(&self) -> Browser {
        match self.browser.as_deref() {
            None => Browser::System,
            Some(b) if b.eq_ignore_ascii_case("none") => Browser::PrintOnly,
            Some(b) => Browser::Command(b.to_owned()),
        }
    }

    /// [`OAUTH2_PORT`]: the app's loopback port for the OAuth 2.0 redirect (an unusable value
    /// is an error naming it).
    pub fn oauth2_port(&self) -> Result<u16, String> {
        match self.oauth2_port.as_deref() {
            None => Ok(x_client::oauth2::loopback::DEFAULT_PORT),
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                format!("{OAUTH2_PORT} must be a port number from 1 to 65535, not {p:?}")
            }),
        }
    }

    /// [`OAUTH2_ACCESS_TOKEN`] when set: the CLI then uses OAuth 2.0 with this token.
    pub fn oauth2_access_token(&self) -> Option<&BearerToken> {
        self.oauth2_access_token.as_ref()
    }

    /// The keychain service name: [`KEYCHAIN_SERVICE`], else `postbridge`.
    pub fn keychain_service(&self) -> &str {
        self.keychain_service
            .as_deref()
            .unwrap_or(keychain::DEFAULT_SERVICE)
    }

    /// The config directory: [`CONFIG_DIR`], else the platform's config directory +
    /// `postbridge` (`~/.config/postbridge` on Linux).
    pub fn config_dir(&self) -> PathBuf {
        self.config_dir.clone().unwrap_or_else(|| {
            dirs::config_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("postbridge")
        })
    }

    /// [`DATA_DIR`] when set (`composer::data_dir` adds the platform default).
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.data_dir.clone()
    }

    /// The endpoints of accounts set up by hand and of the CLI's `X_*` keys: X's own, with
    /// [`API_BASE`] / [`UPLOAD_BASE`] where set.
    pub fn endpoints(&self) -> Endpoints {
        self.override_endpoints(Endpoints::default())
    }

    /// `endpoints` (a profile's) with [`API_BASE`] / [`UPLOAD_BASE`] where set.
    pub fn override_endpoints(&self, endpoints: Endpoints) -> Endpoints {
        Endpoints {
            api_base: self.api_base.clone().unwrap_or(endpoints.api_base),
            upload_base: self.upload_base.clone().unwrap_or(endpoints.upload_base),
        }
        .normalised()
    }

    /// The accounts these switches name: profiles in [`Self::config_dir`], secrets in the OS
    /// keychain under [`Self::keychain_service`] (the app and the CLI share them).
    pub fn accounts(&self) -> Accounts {
        Accounts::new(
            self.config_dir(),
            Arc::new(keychain::OsKeychain::new(self.keychain_service())),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_vars(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn values_are_trimmed_and_empty_means_unset() {
        assert_eq!(
            value(Some("  http://127.0.0.1:9 \n")).as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(value(Some("   ")), None);
        assert_eq!(value(Some("")), None);
        assert_eq!(value(None), None);

        let blank = env(&[(API_BASE, " "), (KEYCHAIN_SERVICE, ""), (CONFIG_DIR, "")]);
        assert_eq!(blank, Env::default());
        assert_eq!(blank.keychain_service(), keychain::DEFAULT_SERVICE);
        assert_eq!(blank.endpoints(), Endpoints::default().normalised());
        assert_eq!(blank.browser(), Browser::System);
        assert!(blank.oauth2_access_token().is_none());
    }

    #[test]
    fn the_oauth2_token_is_read_and_never_shown_and_the_browser_can_be_chosen() {
        let e = env(&[(OAUTH2_ACCESS_TOKEN, " BEARER-SECRET "), (BROWSER, "None")]);
        assert_eq!(e.oauth2_access_token().unwrap().secret(), "BEARER-SECRET");
        assert!(!format!("{e:?}").contains("BEARER-SECRET"), "{e:?}");
        assert_eq!(e.browser(), Browser::PrintOnly);
        assert_eq!(
            env(&[(BROWSER, "firefox --new-tab")]).browser(),
            Browser::Command("firefox --new-tab".into())
        );
        assert_eq!(env(&[(OAUTH2_ACCESS_TOKEN, "  ")]), Env::default());
    }

    #[test]
    fn each_switch_overrides_its_default() {
        let e = env(&[
            (KEYCHAIN_SERVICE, "pb-test"),
            (CONFIG_DIR, " /tmp/pb-config "),
            (DATA_DIR, "/tmp/pb-data"),
            (API_BASE, "http://127.0.0.1:9/"),
        ]);
        assert_eq!(e.keychain_service(), "pb-test");
        assert_eq!(e.config_dir(), PathBuf::from("/tmp/pb-config"));
        assert_eq!(e.data_dir(), Some(PathBuf::from("/tmp/pb-data")));
        let ep = e.endpoints();
        assert_eq!(ep.api_base, "http://127.0.0.1:9");
        assert_eq!(
            ep.upload_base,
            Endpoints::default().normalised().upload_base
        );

        // A profile's own endpoints keep what the environment does not override.
        let profile = Endpoints {
            api_base: "http://a".into(),
            upload_base: "http://b".into(),
        };
        let ep = e.override_endpoints(profile);
        assert_eq!(
            (ep.api_base.as_str(), ep.upload_base.as_str()),
            ("http://127.0.0.1:9", "http://b")
        );
    }
}
