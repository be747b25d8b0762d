//! The non-secret half of the accounts: `profiles.json` in the config directory.
//!
//! Contract: [`Book`] is the whole file — the profiles and the default profile's name. It is
//! written atomically (a temporary file renamed over the old one) and never holds a secret.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};
use x_client::{AccessLevel, RouteDecision, UploadRoute};

use crate::AccountsError;

/// The name a new sandbox profile gets, when no other profile uses it (see [`Book::free_name`]).
pub const SANDBOX_NAME: &str = "Sandbox";

/// An optional field of `profiles.json` whose value this build does not know (written by a
/// newer build, or edited by hand) reads as absent instead of making the whole file unreadable.
fn known_or_none<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Read<T> {
        Known(T),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Read<T>>::deserialize(de)? {
        Some(Read::Known(v)) => Some(v),
        Some(Read::Other(_)) | None => None,
    })
}

/// The X plan a profile's app is on (for limit and cost hints; X does not report it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// Legacy Free (17 posts a day).
    Free,
    /// Legacy Basic.
    Basic,
    /// Legacy Pro.
    Pro,
    /// Pay-per-use credits (2026).
    PayPerUse,
    /// Not known.
    Unknown,
}

impl Plan {
    /// The wire id (`free`, `basic`, `pro`, `pay-per-use`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Basic => "basic",
            Plan::Pro => "pro",
            Plan::PayPerUse => "pay-per-use",
            Plan::Unknown => "unknown",
        }
    }
}

impl std::str::FromStr for Plan {
    type Err = AccountsError;

    /// A plan from its wire id (see [`Plan::as_str`]).
    fn from_str(id: &str) -> Result<Self, Self::Err> {
        [
            Plan::Free,
            Plan::Basic,
            Plan::Pro,
            Plan::PayPerUse,
            Plan::Unknown,
        ]
        .into_iter()
        .find(|p| p.as_str() == id)
        .ok_or(AccountsError::UnknownPlan)
    }
}

/// The upload route remembered for an account, with why and when it was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedRoute {
    /// `v1` or `v2`.
    pub route: UploadRoute,
    /// Why (e.g. "v1.1 answered 403 code 453").
    pub reason: String,
    /// Unix seconds.
    pub decided_at: u64,
}

impl From<RouteDecision> for RememberedRoute {
    fn from(d: RouteDecision) -> Self {
        Self {
            route: d.route,
            reason: d.reason,
            decided_at: d.decided_at,
        }
    }
}

impl From<&RememberedRoute> for RouteDecision {
    fn from(r: &RememberedRoute) -> Self {
        Self {
            route: r.route,
            reason: r.reason.clone(),
            decided_at: r.decided_at,
        }
    }
}

/// How a profile signs in to X. Files written before OAuth 2.0 have no such field: they read
/// as [`SignIn::OAuth1`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum SignIn {
    /// The four OAuth 1.0a keys (pasted, or the PIN flow), in the keychain. Needed for the
    /// v1.1 upload route.
    #[default]
    #[serde(rename = "oauth1")]
    OAuth1,
    /// OAuth 2.0 browser sign-in (docs/protocol.md §14): the app's Client ID (public, kept
    /// here) and a token set in the keychain that refreshes itself.
    #[serde(rename = "oauth2")]
    OAuth2 {
        /// The app's OAuth 2.0 Client ID (not a secret).
        client_id: String,
    },
}

impl SignIn {
    /// The OAuth 2.0 Client ID, for an OAuth 2.0 profile.
    pub fn oauth2_client_id(&self) -> Option<&str> {
        match self {
            SignIn::OAuth1 => None,
            SignIn::OAuth2 { client_id } => Some(client_id),
        }
    }
}

/// One account as Postbridge knows it, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The name a person gave it ("Personal", "Work", "Sandbox").
    pub name: String,
    /// `@` handle without the `@`, once verified.
    #[serde(default)]
    pub username: Option<String>,
    /// X user id, once verified.
    #[serde(default)]
    pub user_id: Option<String>,
    /// From `x-access-level`, once verified.
    #[serde(default, deserialize_with = "known_or_none")]
    pub access_level: Option<AccessLevel>,
    /// The app's plan, as the person said.
    #[serde(default, deserialize_with = "known_or_none")]
    pub plan: Option<Plan>,
    /// The remembered upload route.
    #[serde(default, deserialize_with = "known_or_none")]
    pub upload_route: Option<RememberedRoute>,
    /// The longest video X lets this account post, in minutes, remembered from its 403 "This
    /// user is not allowed to post a video longer than N minutes." (docs/protocol.md §15);
    /// absent until X says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_limit_minutes: Option<u32>,
    /// The built-in simulator's demo account: nothing leaves the computer.
    #[serde(default)]
    pub sandbox: bool,
    /// API base when not X's (a simulator, a proxy).
    #[serde(default)]
    pub api_base: Option<String>,
    /// Legacy upload base when not X's.
    #[serde(default)]
    pub upload_base: Option<String>,
    /// How it signs in (absent in older files: OAuth 1.0a keys).
    #[serde(default)]
    pub sign_in: SignIn,
}

impl Profile {
    /// A new, not yet verified profile.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            username: None,
            user_id: None,
            access_level: None,
            plan: None,
            upload_route: None,
            video_limit_minutes: None,
            sandbox: false,
            api_base: None,
            upload_base: None,
            sign_in: SignIn::OAuth1,
        }
    }

    /// The endpoints this profile talks to.
    pub fn endpoints(&self) -> x_client::Endpoints {
        let default = x_client::Endpoints::default();
        x_client::Endpoints {
            api_base: self.api_base.clone().unwrap_or(default.api_base),
            upload_base: self.upload_base.clone().unwrap_or(default.upload_base),
        }
        .normalised()
    }
}

/// All profiles: the content of `profiles.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Book {
    /// The default profile's name.
    #[serde(default)]
    pub default: Option<String>,
    /// The profiles, in the order they were added.
    #[serde(default)]
    pub profiles: Vec<Profile>,
}

const FILE: &str = "profiles.json";

impl Book {
    /// Reads `profiles.json` in `dir`; an absent file is an empty book.
    pub fn load(dir: &Path) -> Result<Self, AccountsError> {
        let path = dir.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| AccountsError::Io {
                action: "read",
                path: path.display().to_string(),
                reason: format!("it is not valid profile data ({e})"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(AccountsError::Io {
                action: "read",
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }

    /// Writes the book atomically into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), AccountsError> {
        let path = dir.join(FILE);
        let io = |e: std::io::Error| AccountsError::Io {
            action: "write",
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let json = serde_json::to_string_pretty(self).map_err(|e| AccountsError::Io {
            action: "write",
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        // A temp name of this process and moment, flushed to disk before the rename, then the
        // directory flushed: a crash leaves the old file or the new one, never half of one.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp = dir.join(format!(".{FILE}.{}.{nanos}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(json.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            #[cfg(unix)]
            std::fs::File::open(dir)?.sync_all()?;
            Ok(())
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// A profile by name, to change.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Profile> {
        self.profiles.iter_mut().find(|p| p.name == name)
    }

    /// The default profile, else the first one.
    pub fn default_profile(&self) -> Option<&Profile> {
        self.default
            .as_deref()
            .and_then(|d| self.get(d))
            .or_else(|| self.profiles.first())
    }

    /// The sandbox account's profile: the one flagged `sandbox`. It is never looked up by name,
    /// so a real account that happens to be called "Sandbox" is never taken for it.
    pub fn sandbox_profile(&self) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.sandbox)
    }

    /// A name no profile uses: `base`, else "`base` 2", "`base` 3"…
    pub fn free_name(&self, base: &str) -> String {
        let taken = |name: &str| self.get(name).is_some();
        if !taken(base) {
            return base.to_owned();
        }
        (2u32..)
            .map(|n| format!("{base} {n}"))
            .find(|name| !taken(name))
            .unwrap_or_else(|| format!("{base} {}", self.profiles.len() + 2))
    }

    /// Adds or replaces a profile; the first profile becomes the default.
    pub fn upsert(&mut self, profile: Profile) {
        if self.default.is_none() {
            self.default = Some(profile.name.clone());
        }
        match self.get_mut(&profile.name) {
            Some(existing) => *existing = profile,
            None => self.profiles.push(profile),
        }
    }

    /// Renames a profile (and the default pointer).
    pub fn rename(&mut self, old: &str, new: &str) {
        if let Some(p) = self.get_mut(old) {
            p.name = new.to_owned();
        }
        if self.default.as_deref() == Some(old) {
            self.default = Some(new.to_owned());
        }
    }

    /// Removes a profile; the default moves to the first remaining one.
    pub fn remove(&mut self, name: &str) {
        self.profiles.retain(|p| p.name != name);
        if self.default.as_deref() == Some(name) {
            self.default = self.profiles.first().map(|p| p.name.clone());
        }
    }
}

/// A profile name: 1–40 characters, no control characters.
pub fn check_name(name: &str) -> Result<(), AccountsError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 40 || n != name || name.chars().any(char::is_control) {
        return Err(AccountsError::BadName);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn plans_read_and_write_their_wire_ids() {
        for plan in [
            Plan::Free,
            Plan::Basic,
            Plan::Pro,
            Plan::PayPerUse,
            Plan::Unknown,
        ] {
            assert_eq!(plan.as_str().parse::<Plan>().unwrap(), plan);
            assert_eq!(
                serde_json::to_string(&plan).unwrap(),
                format!("\"{}\"", plan.as_str())
            );
        }
        assert!(matches!(
            "enterprise".parse::<Plan>(),
            Err(AccountsError::UnknownPlan)
        ));
    }

    /// The typed fields read what earlier builds wrote; a value this build does not know reads
    /// as absent instead of making every account unreadable.
    #[test]
    fn profiles_json_reads_typed_fields_and_tolerates_unknown_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            r#"{"default":"a","profiles":[
                {"name":"a","access_level":"read-write-directmessages","plan":"pay-per-use",
                 "upload_route":{"route":"v2","reason":"v1.1 answered 403","decided_at":5}},
                {"name":"b","access_level":"admin","plan":"enterprise",
                 "upload_route":{"route":"v3","reason":"?","decided_at":6}},
                {"name":"c"}
            ]}"#,
        )
        .unwrap();
        let book = Book::load(dir.path()).unwrap();
        let a = book.get("a").unwrap();
        assert_eq!(a.access_level, Some(AccessLevel::ReadWriteDirectMessages));
        assert_eq!(a.plan, Some(Plan::PayPerUse));
        let route = a.upload_route.as_ref().unwrap();
        assert_eq!(route.route, UploadRoute::V2);
        assert_eq!(RouteDecision::from(route).decided_at, 5);
        let b = book.get("b").unwrap();
        assert_eq!(
            (b.access_level, b.plan, b.upload_route.clone()),
            (None, None, None)
        );
        assert_eq!(book.get("c").unwrap(), &Profile::new("c"));

        // What is written is what is read back.
        book.save(dir.path()).unwrap();
        assert_eq!(Book::load(dir.path()).unwrap(), book);
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(
            text.contains(r#""access_level": "read-write-directmessages""#),
            "{text}"
        );
        assert!(text.contains(r#""route": "v2""#), "{text}");
    }

    /// A profile says how it signs in; files from before OAuth 2.0 read as OAuth 1.0a.
    #[test]
    fn the_sign_in_method_is_recorded_and_defaults_to_oauth1() {
        let old: Profile = serde_json::from_str(r#"{"name":"old"}"#).unwrap();
        assert_eq!(old.sign_in, SignIn::OAuth1);
        let mut p = Profile::new("new");
        p.sign_in = SignIn::OAuth2 {
            client_id: "cid".into(),
        };
        let text = serde_json::to_string(&p).unwrap();
        assert!(
            text.contains(r#""sign_in":{"method":"oauth2","client_id":"cid"}"#),
            "{text}"
        );
        let back: Profile = serde_json::from_str(&text).unwrap();
        assert_eq!(back.sign_in.oauth2_client_id(), Some("cid"));
        assert_eq!(
            serde_json::to_string(&SignIn::OAuth1).unwrap(),
            r#"{"method":"oauth1"}"#
        );
    }
}
