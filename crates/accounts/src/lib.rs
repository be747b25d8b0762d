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
//!   an existing one; either way the account becomes the default.

pub mod paste;
pub mod profile;
pub mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keychain::{KeychainError, SecretStore};
use x_client::{Credentials, Endpoints};

pub use profile::{Book, Plan, Profile, RememberedRoute};
pub use verify::{verify, Verification};

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

/// The directory where Postbridge keeps non-secret configuration: `POSTBRIDGE_CONFIG_DIR` if
/// set, else the platform's config directory + `postbridge` (`~/.config/postbridge` on Linux).
pub fn default_config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("POSTBRIDGE_CONFIG_DIR") {
        return PathBuf::from(dir);
    }
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("postbridge")
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
        self.profile(name)?;
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
            access_level: "read-write".into(),
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
        assert_eq!(p.access_level.as_deref(), Some("read-write"));
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
}
