//! Postbridge's accounts, shared by the app and the CLI.
//!
//! Contract:
//! - A profile's secrets (API key and secret, access token and secret) live only in the OS
//!   keychain, one entry per profile ([`Accounts::credentials`]); everything else about it
//!   (name, @username, user id, access level, plan, remembered upload route) lives in
//!   `profiles.json` in the config directory ([`profile::Book`]). Nothing secret is ever
//!   written to a file, returned in an error or shown by `Debug`.
//! - Pasted keys are checked and cleaned by [`paste`] before anything is sent; the checks name
//!   the field and the slip, never the value.
//! - [`verify`] asks X who the keys belong to and turns every failure into the wizard step that
//!   fixes it.
//! - [`Accounts::save_verified`] is the wizard's Save: only keys whose verification said
//!   "verified" are stored, as a new account (a taken name is refused) or as the new tokens of
//!   an existing one; either way the account becomes the default. [`Accounts::save_sandbox`] is
//!   the sandbox's: its profile is the one flagged `sandbox`, never one found by name.
//! - [`Accounts::summaries`] is what an account list shows: each profile, whether the keychain
//!   holds its keys, and which one is the default.
//! - A profile records how it signs in ([`SignIn`]): OAuth 1.0a keys, or OAuth 2.0 with its
//!   Client ID. An OAuth 2.0 profile's token set lives only in the keychain and refreshes
//!   itself, serialized across processes ([`oauth2`], [`Accounts::bearer`]).
//! - [`signin`] is the OAuth 2.0 browser sign-in and the one-click upgrade of a 1.0a account,
//!   shared by the app's wizard and `postbridge login`.
//! - [`env`] reads the `POSTBRIDGE_*` switches (config and data directories, keychain service,
//!   endpoints) for the app and the CLI alike.

pub mod env;
pub mod oauth2;
pub mod paste;
pub mod profile;
pub mod signin;
pub mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keychain::{KeychainError, SecretStore};
use x_client::{ClientError, Credentials, Diagnosis, Endpoints, ErrorKind};

pub use env::Env;
pub use profile::{Book, Plan, Profile, RememberedRoute, SignIn, SANDBOX_NAME};
pub use verify::{verify, Verification};

/// One account as a list shows it (nothing secret: only whether the keychain has its keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The profile.
    pub profile: Profile,
    /// Whether its keys are in the keychain.
    pub configured: bool,
    /// Whether it is the account in use.
    pub is_default: bool,
}

/// Keys the wizard checked, with what they were checked against and what X said.
#[derive(Debug, Clone)]
pub struct VerifiedKeys {
    /// The four values (redacted in `Debug`).
    pub credentials: Credentials,
    /// The endpoints they were verified against.
    pub endpoints: Endpoints,
    /// Whether they are the sandbox's (whose endpoints are never persisted).
    pub sandbox: bool,
    /// What X said; only [`Verification::Verified`] is saved.
    pub verification: Verification,
}

/// Errors of the accounts layer. Messages are for people and never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountsError {
    /// The keychain cannot be used.
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    /// No profile by that name.
    #[error("There is no account named \"{0}\".")]
    NoSuchProfile(String),
    /// A profile by that name exists already.
    #[error("An account named \"{0}\" exists already; choose another name.")]
    NameTaken(String),
    /// Keys were to be saved without a verification that they can post.
    #[error("Verify the keys first: only keys that can post are saved.")]
    NotVerified,
    /// A plan id that is not one of [`Plan`]'s.
    #[error("Unknown plan.")]
    UnknownPlan,
    /// The name is empty or too long.
    #[error("An account name needs 1 to 40 characters, without line breaks.")]
    BadName,
    /// The profile exists but its keychain entry is gone (removed by hand, another machine…).
    #[error(
        "The keys of \"{0}\" are no longer in the keychain; run the setup again to paste them."
    )]
    SecretsMissing(String),
    /// X refused the OAuth 2.0 profile's refresh token (used, revoked or expired), or the
    /// keychain no longer holds its tokens: only a new browser sign-in helps.
    #[error("The sign-in of \"{0}\" has ended; sign in again (`postbridge login --profile \"{0}\"`, or the app's setup).")]
    SignInRequired(String),
    /// Refreshing an OAuth 2.0 profile's token failed otherwise (network, X unavailable…);
    /// the tokens in the keychain are unchanged.
    #[error("Could not refresh the sign-in: {0}")]
    Refresh(Box<ClientError>),
    /// An OAuth 2.0 operation on a profile that signs in with OAuth 1.0a keys.
    #[error("\"{0}\" signs in with API keys (OAuth 1.0a), not OAuth 2.0; choose another name for an OAuth 2.0 sign-in.")]
    UsesOAuth1(String),
    /// An operation that needs a profile's OAuth 2.0 sign-in (or saves one) on a profile
    /// without it.
    #[error("\"{0}\" does not sign in with OAuth 2.0.")]
    NotOAuth2(String),
    /// The API keys of a profile that signs in with OAuth 2.0 (it has none).
    #[error("\"{0}\" signs in with OAuth 2.0; it has no API keys (OAuth 1.0a).")]
    NotOAuth1(String),
    /// The config directory could not be read or written.
    #[error("Cannot {action} {path}: {reason}")]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
}

impl AccountsError {
    /// The §5.3 kind: `sign-in-required` for [`AccountsError::SignInRequired`], the client's
    /// kind for a failed refresh, `local-error` for the rest.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AccountsError::SignInRequired(_) => ErrorKind::SignInRequired,
            AccountsError::Refresh(e) => e.kind(),
            _ => ErrorKind::LocalError,
        }
    }

    /// The error as a diagnosis (kind, cause and fix of the kind's table row; the detail is
    /// this error's message, which never holds a secret).
    pub fn diagnosis(&self) -> Diagnosis {
        match self {
            AccountsError::Refresh(e) => e.diagnosis(),
            _ => Diagnosis::new(self.kind(), None, self.to_string()),
        }
    }
}

/// The directory where Postbridge keeps non-secret configuration: `POSTBRIDGE_CONFIG_DIR` if
/// set, else the platform's config directory + `postbridge` (see [`Env::config_dir`]).
pub fn default_config_dir() -> PathBuf {
    Env::from_process().config_dir()
}

/// Profiles on disk plus their secrets in a [`SecretStore`].
#[derive(Clone)]
pub struct Accounts {
    dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
}

/// The keychain entry of a profile.
fn secret_key(name: &str) -> String {
    format!("profile:{name}")
}

/// The four secrets as stored in one keychain entry (JSON, never written anywhere else).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSecrets {
    consumer_key: String,
    consumer_secret: String,
    access_token: String,
    access_secret: String,
}

impl Accounts {
    /// Accounts kept in `dir` (created on first write) with secrets in `secrets`.
    pub fn new(dir: impl Into<PathBuf>, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            dir: dir.into(),
            secrets,
        }
    }

    /// The config directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// All profiles and the default one.
    pub fn book(&self) -> Result<Book, AccountsError> {
        Book::load(&self.dir)
    }

    /// The book, read under an exclusive lock (`.profiles.lock`) that the caller holds until
    /// it has saved: two processes changing profiles at once cannot lose each other's change
    /// (PB-32). The OS drops the lock if the process dies.
    fn book_for_update(&self) -> Result<(std::fs::File, Book), AccountsError> {
        let path = self.dir.join(".profiles.lock");
        let io = |e: std::io::Error| AccountsError::Io {
            action: "lock",
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        file.lock().map_err(io)?;
        Ok((file, Book::load(&self.dir)?))
    }

    /// One profile by name.
    pub fn profile(&self, name: &str) -> Result<Profile, AccountsError> {
        self.book()?
            .get(name)
            .cloned()
            .ok_or_else(|| AccountsError::NoSuchProfile(name.to_owned()))
    }

    /// Remembers the longest video X lets `key`'s account post (its 403's minutes, §15). `key`
    /// is how a scheduled item names its account (composer's `Item::account`): `profile:NAME`
    /// (that profile), or `user:ID` (every profile signed in as that X user: an OAuth 1.0a and
    /// an OAuth 2.0 profile may share one). `false` when no saved profile is that account (the
    /// minutes are then not kept anywhere).
    pub fn remember_video_limit(&self, key: &str, minutes: u32) -> Result<bool, AccountsError> {
        let names: Vec<String> = match (key.strip_prefix("profile:"), key.strip_prefix("user:")) {
            (Some(name), _) => self
                .book()?
                .get(name)
                .map(|p| p.name.clone())
                .into_iter()
                .collect(),
            (None, Some(user)) => self
                .book()?
                .profiles
                .into_iter()
                .filter(|p| p.user_id.as_deref() == Some(user))
                .map(|p| p.name)
                .collect(),
            (None, None) => Vec::new(),
        };
        for name in &names {
            self.update(name, |p| p.video_limit_minutes = Some(minutes))?;
        }
        Ok(!names.is_empty())
    }

    /// The profile to use when none is named: the default, else the only one.
    pub fn default_profile(&self) -> Result<Option<Profile>, AccountsError> {
        Ok(self.book()?.default_profile().cloned())
    }

    /// Saves a new profile, or replaces an existing one of the same name, with its secrets.
    /// The keychain is written first, so a failure there leaves no half-made profile.
    pub fn save(&self, profile: Profile, credentials: &Credentials) -> Result<(), AccountsError> {
        profile::check_name(&profile.name)?;
        self.write_secrets(&profile.name, credentials)?;
        let (_lock, mut book) = self.book_for_update()?;
        book.upsert(profile);
        book.save(&self.dir)
    }

    /// Replaces only the secrets of an existing profile (after regenerating tokens).
    pub fn replace_credentials(
        &self,
        name: &str,
        credentials: &Credentials,
    ) -> Result<(), AccountsError> {
        self.profile(name)?;
        self.write_secrets(name, credentials)
    }

    /// Changes the non-secret data of a profile.
    pub fn update(&self, name: &str, f: impl FnOnce(&mut Profile)) -> Result<(), AccountsError> {
        let (_lock, mut book) = self.book_for_update()?;
        let profile = book
            .get_mut(name)
            .ok_or_else(|| AccountsError::NoSuchProfile(name.to_owned()))?;
        f(profile);
        profile.name = name.to_owned();
        book.save(&self.dir)
    }

    /// The secrets of a profile, from the keychain.
    pub fn credentials(&self, name: &str) -> Result<Credentials, AccountsError> {
        if self.profile(name)?.sign_in != SignIn::OAuth1 {
            return Err(AccountsError::NotOAuth1(name.to_owned()));
        }
        let raw = self
            .secrets
            .get(&secret_key(name))?
            .ok_or_else(|| AccountsError::SecretsMissing(name.to_owned()))?;
        let stored: StoredSecrets = serde_json::from_str(&raw)
            .map_err(|_| AccountsError::SecretsMissing(name.to_owned()))?;
        Ok(Credentials {
            consumer_key: stored.consumer_key,
            consumer_secret: stored.consumer_secret,
            access_token: stored.access_token,
            access_secret: stored.access_secret,
        })
    }

    /// Whether the keychain holds the profile's secrets.
    pub fn has_credentials(&self, name: &str) -> Result<bool, AccountsError> {
        Ok(self.secrets.get(&secret_key(name))?.is_some())
    }

    /// Renames a profile, moving its keychain entry.
    pub fn rename(&self, old: &str, new: &str) -> Result<(), AccountsError> {
        profile::check_name(new)?;
        if old == new {
            return Ok(());
        }
        let (_lock, mut book) = self.book_for_update()?;
        if book.get(new).is_some() {
            return Err(AccountsError::NameTaken(new.to_owned()));
        }
        if book.get(old).is_none() {
            return Err(AccountsError::NoSuchProfile(old.to_owned()));
        }
        if let Some(secret) = self.secrets.get(&secret_key(old))? {
            self.secrets.set(&secret_key(new), &secret)?;
        }
        book.rename(old, new);
        book.save(&self.dir)?;
        self.secrets.delete(&secret_key(old))?;
        Ok(())
    }

    /// Removes a profile and deletes its keychain entry.
    pub fn remove(&self, name: &str) -> Result<(), AccountsError> {
        let (_lock, mut book) = self.book_for_update()?;
        if book.get(name).is_none() {
            return Err(AccountsError::NoSuchProfile(name.to_owned()));
        }
        self.secrets.delete(&secret_key(name))?;
        book.remove(name);
        book.save(&self.dir)
    }

    /// The wizard's Save: stores `keys` as account `name` (trimmed) and makes it the default.
    /// New (`replace` false): refused when the name is taken; the profile gets `plan`, the
    /// sandbox flag, and the endpoints only where they differ from X's (never for the sandbox).
    /// `replace`: the existing account's secrets are swapped in place and its plan changed
    /// only when `plan` is given. Both record the verification. Returns the saved profile.
    pub fn save_verified(
        &self,
        keys: &VerifiedKeys,
        name: &str,
        plan: Option<Plan>,
        replace: bool,
    ) -> Result<Profile, AccountsError> {
        if !matches!(keys.verification, Verification::Verified { .. }) {
            return Err(AccountsError::NotVerified);
        }
        let name = name.trim();
        if replace {
            self.replace_credentials(name, &keys.credentials)?;
            self.update(name, |p| {
                verify::record(p, &keys.verification);
                if plan.is_some() {
                    p.plan = plan;
                }
            })?;
        } else {
            if self.book()?.get(name).is_some() {
                return Err(AccountsError::NameTaken(name.to_owned()));
            }
            let mut profile = Profile::new(name);
            profile.plan = plan;
            profile.sandbox = keys.sandbox;
            let default = Endpoints::default();
            if !keys.sandbox && keys.endpoints.api_base != default.api_base {
                profile.api_base = Some(keys.endpoints.api_base.clone());
            }
            if !keys.sandbox && keys.endpoints.upload_base != default.upload_base {
                profile.upload_base = Some(keys.endpoints.upload_base.clone());
            }
            verify::record(&mut profile, &keys.verification);
            self.save(profile, &keys.credentials)?;
        }
        self.set_default(name)?;
        self.profile(name)
    }

    /// The sandbox's demo keys, saved as the profile flagged `sandbox` (its keys replaced when
    /// it exists, else a new profile named [`SANDBOX_NAME`] or the first free "Sandbox N"), with
    /// what `verification` learnt, made the default. A real account named "Sandbox" is never
    /// touched. Returns the saved profile.
    pub fn save_sandbox(
        &self,
        credentials: &Credentials,
        verification: &Verification,
    ) -> Result<Profile, AccountsError> {
        let book = self.book()?;
        let mut profile = book
            .sandbox_profile()
            .cloned()
            .unwrap_or_else(|| Profile::new(book.free_name(SANDBOX_NAME)));
        profile.sandbox = true;
        verify::record(&mut profile, verification);
        let name = profile.name.clone();
        self.save(profile, credentials)?;
        self.set_default(&name)?;
        self.profile(&name)
    }

    /// Records what a re-check of account `name` learnt (a failed one changes nothing).
    pub fn record(&self, name: &str, verification: &Verification) -> Result<(), AccountsError> {
        self.update(name, |p| verify::record(p, verification))
    }

    /// Every account, in the order they were added, as a list shows it.
    pub fn summaries(&self) -> Result<Vec<Summary>, AccountsError> {
        let book = self.book()?;
        let default = book.default_profile().map(|p| p.name.clone());
        book.profiles
            .into_iter()
            .map(|profile| self.summarise(profile, default.as_deref()))
            .collect()
    }

    /// One account as a list shows it.
    pub fn summary(&self, name: &str) -> Result<Summary, AccountsError> {
        let book = self.book()?;
        let default = book.default_profile().map(|p| p.name.clone());
        let profile = book
            .get(name)
            .cloned()
            .ok_or_else(|| AccountsError::NoSuchProfile(name.to_owned()))?;
        self.summarise(profile, default.as_deref())
    }

    fn summarise(&self, profile: Profile, default: Option<&str>) -> Result<Summary, AccountsError> {
        Ok(Summary {
            configured: self.has_credentials(&profile.name)?,
            is_default: default == Some(profile.name.as_str()),
            profile,
        })
    }

    /// Makes `name` the default profile.
    pub fn set_default(&self, name: &str) -> Result<(), AccountsError> {
        let (_lock, mut book) = self.book_for_update()?;
        if book.get(name).is_none() {
            return Err(AccountsError::NoSuchProfile(name.to_owned()));
        }
        book.default = Some(name.to_owned());
        book.save(&self.dir)
    }

    fn write_secrets(&self, name: &str, c: &Credentials) -> Result<(), AccountsError> {
        let stored = StoredSecrets {
            consumer_key: c.consumer_key.clone(),
            consumer_secret: c.consumer_secret.clone(),
            access_token: c.access_token.clone(),
            access_secret: c.access_secret.clone(),
        };
        let json = serde_json::to_string(&stored).map_err(|e| AccountsError::Io {
            action: "encode",
            path: "keychain entry".into(),
            reason: e.to_string(),
        })?;
        self.secrets.set(&secret_key(name), &json)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use keychain::MemoryStore;

    fn creds(tag: &str) -> Credentials {
        Credentials {
            consumer_key: format!("ck-{tag}"),
            consumer_secret: format!("cs-{tag}"),
            access_token: format!("1-at-{tag}"),
            access_secret: format!("as-{tag}"),
        }
    }

    fn accounts() -> (tempfile::TempDir, Arc<MemoryStore>, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::new());
        let acc = Accounts::new(dir.path(), store.clone());
        (dir, store, acc)
    }

    #[test]
    fn a_video_limit_is_remembered_on_the_account_a_queue_key_names() {
        let (_dir, _store, acc) = accounts();
        let mut work = Profile::new("work");
        work.user_id = Some("42".into());
        acc.save(work.clone(), &creds("a")).unwrap();
        // Another profile of the same X user (say, signed in with OAuth 2.0 later).
        work.name = "work-2".into();
        acc.save(work, &creds("c")).unwrap();
        acc.save(Profile::new("home"), &creds("b")).unwrap();
        assert!(acc.remember_video_limit("user:42", 2).unwrap());
        assert_eq!(acc.profile("work").unwrap().video_limit_minutes, Some(2));
        assert_eq!(acc.profile("work-2").unwrap().video_limit_minutes, Some(2));
        assert!(acc.remember_video_limit("profile:home", 1).unwrap());
        assert_eq!(acc.profile("home").unwrap().video_limit_minutes, Some(1));
        assert_eq!(acc.profile("work").unwrap().video_limit_minutes, Some(2));
        // No saved profile is that account: nothing kept.
        assert!(!acc.remember_video_limit("user:7", 3).unwrap());
        assert!(!acc.remember_video_limit("profile:gone", 3).unwrap());
        assert!(!acc.remember_video_limit("work", 3).unwrap());
        assert_eq!(acc.profile("work").unwrap().video_limit_minutes, Some(2));
    }

    #[test]
    fn save_read_rename_remove() {
        let (dir, store, acc) = accounts();
        acc.save(Profile::new("work"), &creds("a")).unwrap();
        assert_eq!(acc.credentials("work").unwrap(), creds("a"));
        assert_eq!(acc.default_profile().unwrap().unwrap().name, "work");

        // Secrets never reach the file.
        let file = std::fs::read_to_string(dir.path().join("profiles.json")).unwrap();
        assert!(!file.contains("cs-a") && !file.contains("as-a") && !file.contains("ck-a"));

        acc.rename("work", "job").unwrap();
        assert_eq!(acc.credentials("job").unwrap(), creds("a"));
        assert!(store.get("profile:work").unwrap().is_none());
        assert_eq!(acc.default_profile().unwrap().unwrap().name, "job");

        acc.remove("job").unwrap();
        assert!(store.get("profile:job").unwrap().is_none());
        assert!(acc.book().unwrap().profiles.is_empty());
        assert!(matches!(
            acc.credentials("job"),
            Err(AccountsError::NoSuchProfile(_))
        ));
    }

    #[test]
    fn replace_credentials_keeps_the_profile() {
        let (_dir, _store, acc) = accounts();
        let mut p = Profile::new("me");
        p.username = Some("alice".into());
        acc.save(p, &creds("old")).unwrap();
        acc.replace_credentials("me", &creds("new")).unwrap();
        assert_eq!(acc.credentials("me").unwrap(), creds("new"));
        assert_eq!(
            acc.profile("me").unwrap().username.as_deref(),
            Some("alice")
        );
    }

    #[test]
    fn a_keychain_failure_leaves_no_profile_behind() {
        let dir = tempfile::tempdir().unwrap();
        let err = KeychainError::Unavailable {
            service: "Secret Service".into(),
            reason: "No provider.".into(),
            fix: "Install one.".into(),
        };
        let acc = Accounts::new(dir.path(), Arc::new(MemoryStore::failing(err)));
        assert!(matches!(
            acc.save(Profile::new("x"), &creds("a")),
            Err(AccountsError::Keychain(_))
        ));
        assert!(acc.book().unwrap().profiles.is_empty());
    }

    #[test]
    fn names_are_checked() {
        let (_dir, _store, acc) = accounts();
        assert!(matches!(
            acc.save(Profile::new(""), &creds("a")),
            Err(AccountsError::BadName)
        ));
        acc.save(Profile::new("a"), &creds("a")).unwrap();
        acc.save(Profile::new("b"), &creds("b")).unwrap();
        assert!(matches!(
            acc.rename("a", "b"),
            Err(AccountsError::NameTaken(_))
        ));
        acc.set_default("b").unwrap();
        assert_eq!(acc.default_profile().unwrap().unwrap().name, "b");
    }

    #[test]
    fn save_verified_creates_or_replaces_and_makes_default() {
        let (_dir, _store, acc) = accounts();
        let verified = Verification::Verified {
            user_id: "7".into(),
            username: "me".into(),
            name: "Me".into(),
            access_level: x_client::AccessLevel::ReadWrite,
        };
        let mut keys = VerifiedKeys {
            credentials: creds("a"),
            endpoints: Endpoints {
                api_base: "http://127.0.0.1:9".into(),
                upload_base: Endpoints::default().upload_base,
            },
            sandbox: false,
            verification: verified.clone(),
        };
        let p = acc
            .save_verified(&keys, "  Work ", Some(Plan::Basic), false)
            .unwrap();
        assert_eq!(p.name, "Work");
        assert_eq!(p.username.as_deref(), Some("me"));
        assert_eq!(p.access_level, Some(x_client::AccessLevel::ReadWrite));
        assert_eq!(p.plan, Some(Plan::Basic));
        assert_eq!(p.api_base.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(p.upload_base, None);
        assert_eq!(acc.default_profile().unwrap().unwrap().name, "Work");
        assert!(matches!(
            acc.save_verified(&keys, "Work", None, false),
            Err(AccountsError::NameTaken(_))
        ));

        keys.credentials = creds("b");
        let p = acc.save_verified(&keys, "Work", None, true).unwrap();
        assert_eq!(p.plan, Some(Plan::Basic), "no plan given: kept");
        assert_eq!(acc.credentials("Work").unwrap(), creds("b"));

        keys.sandbox = true;
        let s = acc.save_verified(&keys, "Sandbox", None, false).unwrap();
        assert!(s.sandbox && s.api_base.is_none());
        assert_eq!(acc.default_profile().unwrap().unwrap().name, "Sandbox");

        keys.verification = Verification::Failed {
            diagnosis: x_client::Diagnosis::new(x_client::ErrorKind::Network, None, "down"),
        };
        assert!(matches!(
            acc.save_verified(&keys, "Other", None, false),
            Err(AccountsError::NotVerified)
        ));
        assert!(acc.book().unwrap().get("Other").is_none());
    }

    /// A real account named "Sandbox", then the sandbox saved twice: it gets its own profile
    /// ("Sandbox 2", found again by its flag the second time, even after a rename), and the
    /// real account's profile and keychain entry are exactly as they were.
    #[test]
    fn the_sandbox_is_found_by_its_flag_never_by_name() {
        let (_dir, store, acc) = accounts();
        let mut real = Profile::new("Sandbox");
        real.username = Some("real_person".into());
        acc.save(real.clone(), &creds("real")).unwrap();
        let entry_before = store.get("profile:Sandbox").unwrap();
        let verified = Verification::Verified {
            user_id: "9".into(),
            username: "demo".into(),
            name: "Demo".into(),
            access_level: x_client::AccessLevel::ReadWrite,
        };

        let first = acc.save_sandbox(&creds("demo"), &verified).unwrap();
        assert_eq!(first.name, "Sandbox 2");
        assert!(first.sandbox);
        assert_eq!(first.username.as_deref(), Some("demo"));
        acc.rename("Sandbox 2", "Rehearsal").unwrap();
        let again = acc.save_sandbox(&creds("demo2"), &verified).unwrap();
        assert_eq!(again.name, "Rehearsal", "found by its flag, not made again");
        assert_eq!(acc.credentials("Rehearsal").unwrap(), creds("demo2"));

        let book = acc.book().unwrap();
        assert_eq!(book.profiles.len(), 2, "{book:?}");
        assert_eq!(book.get("Sandbox"), Some(&real), "the real profile changed");
        assert_eq!(store.get("profile:Sandbox").unwrap(), entry_before);
        assert_eq!(book.default.as_deref(), Some("Rehearsal"));
    }

    #[test]
    fn free_names_skip_every_name_in_use() {
        let mut book = Book::default();
        assert_eq!(book.free_name(SANDBOX_NAME), "Sandbox");
        for name in ["Sandbox", "Sandbox 2", "Sandbox 3"] {
            book.upsert(Profile::new(name));
        }
        assert_eq!(book.free_name(SANDBOX_NAME), "Sandbox 4");
        assert!(book.sandbox_profile().is_none(), "no profile is flagged");
    }

    #[test]
    fn summaries_say_which_keys_are_kept_and_which_account_is_in_use() {
        let (_dir, store, acc) = accounts();
        acc.save(Profile::new("a"), &creds("a")).unwrap();
        acc.save(Profile::new("b"), &creds("b")).unwrap();
        acc.set_default("b").unwrap();
        store.delete("profile:a").unwrap();
        let list: Vec<_> = acc
            .summaries()
            .unwrap()
            .into_iter()
            .map(|s| (s.profile.name, s.configured, s.is_default))
            .collect();
        assert_eq!(
            list,
            vec![("a".to_owned(), false, false), ("b".to_owned(), true, true)]
        );
        assert!(acc.summary("b").unwrap().is_default);
        assert!(matches!(
            acc.summary("c"),
            Err(AccountsError::NoSuchProfile(_))
        ));
    }

    #[test]
    fn a_recheck_records_what_it_learnt() {
        let (_dir, _store, acc) = accounts();
        acc.save(Profile::new("me"), &creds("a")).unwrap();
        let read_only = Verification::ReadOnly {
            user_id: "7".into(),
            username: "me".into(),
            reason: "read".into(),
            wizard_step: x_client::WizardStep::Permissions,
        };
        acc.record("me", &read_only).unwrap();
        let p = acc.profile("me").unwrap();
        assert_eq!(p.access_level, Some(x_client::AccessLevel::Read));
        assert_eq!(p.username.as_deref(), Some("me"));
    }
}
