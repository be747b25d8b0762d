//! Checks on the four keys a person pastes into the setup wizard.
//!
//! Contract: [`check`] cleans what is safe to clean (spaces and line breaks around a value,
//! surrounding quotes) and reports, per field, each slip it cleaned ([`Checked::notes`]) and
//! each problem that must be fixed before verifying ([`Checked::problems`]) — an empty field,
//! a space inside, a masked copy, a Bearer token or OAuth 2.0 Client ID, a value in the wrong
//! field, an Access Token without its `digits-` prefix. Messages name the field and the slip,
//! never the value.

use serde::{Deserialize, Serialize};
use x_client::Credentials;

/// One of the four fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Field {
    /// "API Key" (consumer key).
    ApiKey,
    /// "API Key Secret" (consumer secret).
    ApiSecret,
    /// "Access Token".
    AccessToken,
    /// "Access Token Secret".
    AccessSecret,
}

impl Field {
    /// The label X's developer console uses.
    pub fn label(self) -> &'static str {
        match self {
            Field::ApiKey => "API Key",
            Field::ApiSecret => "API Key Secret",
            Field::AccessToken => "Access Token",
            Field::AccessSecret => "Access Token Secret",
        }
    }
}

/// A slip in one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slip {
    /// Which field.
    pub field: Field,
    /// What is wrong (or what was cleaned), without the value.
    pub message: String,
}

/// The four values as pasted. `Debug` is redacted.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PastedKeys {
    /// API Key.
    pub api_key: String,
    /// API Key Secret.
    pub api_secret: String,
    /// Access Token.
    pub access_token: String,
    /// Access Token Secret.
    pub access_secret: String,
}

impl std::fmt::Debug for PastedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PastedKeys(<redacted>)")
    }
}

/// The result of [`check`].
#[derive(Debug, Clone)]
pub struct Checked {
    /// The cleaned values (usable only when `problems` is empty).
    pub credentials: Credentials,
    /// What was cleaned automatically.
    pub notes: Vec<Slip>,
    /// What the person must fix.
    pub problems: Vec<Slip>,
}

/// Cleans and checks only an app's API Key and Secret (PIN sign-in, where X issues the
/// Access Token pair): the token fields are placeholders that pass their checks.
pub fn check_app_keys(api_key: String, api_secret: String) -> Checked {
    check(&PastedKeys {
        api_key,
        api_secret,
        access_token: "0-placeholder".into(),
        access_secret: "placeholder-secret".into(),
    })
}

/// Cleans and checks pasted keys.
pub fn check(keys: &PastedKeys) -> Checked {
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let mut clean = |field: Field, raw: &str| -> String {
        let (value, cleaned) = clean_value(raw);
        for what in cleaned {
            notes.push(Slip {
                field,
                message: format!("Removed {what} around the {}.", field.label()),
            });
        }
        for message in shape_problems(field, &value) {
            problems.push(Slip { field, message });
        }
        value
    };
    let credentials = Credentials {
        consumer_key: clean(Field::ApiKey, &keys.api_key),
        consumer_secret: clean(Field::ApiSecret, &keys.api_secret),
        access_token: clean(Field::AccessToken, &keys.access_token),
        access_secret: clean(Field::AccessSecret, &keys.access_secret),
    };

    let fields = [
        (Field::ApiKey, &credentials.consumer_key),
        (Field::ApiSecret, &credentials.consumer_secret),
        (Field::AccessToken, &credentials.access_token),
        (Field::AccessSecret, &credentials.access_secret),
    ];
    for (i, (fa, a)) in fields.iter().enumerate() {
        for (fb, b) in &fields[i + 1..] {
            if !a.is_empty() && a == b {
                problems.push(Slip {
                    field: *fb,
                    message: format!(
                        "The {} is the same as the {}: each field takes a different value.",
                        fb.label(),
                        fa.label()
                    ),
                });
            }
        }
    }
    // The API Key is shorter (about 25 characters) than its secret (about 50).
    let (k, s) = (&credentials.consumer_key, &credentials.consumer_secret);
    if k.len() >= 40 && (15..=30).contains(&s.len()) {
        problems.push(Slip {
            field: Field::ApiKey,
            message: "The API Key and the API Key Secret look swapped: the key is the shorter one."
                .into(),
        });
    }
    Checked {
        credentials,
        notes,
        problems,
    }
}

/// Trims whitespace and surrounding quotes; says what it removed.
fn clean_value(raw: &str) -> (String, Vec<&'static str>) {
    let mut cleaned = Vec::new();
    let mut v = raw;
    let trimmed = v.trim();
    if trimmed.len() != v.len() {
        cleaned.push("spaces or line breaks");
        v = trimmed;
    }
    const QUOTES: [(char, char); 4] = [('"', '"'), ('\'', '\''), ('“', '”'), ('`', '`')];
    for (open, close) in QUOTES {
        if v.len() >= 2 && v.starts_with(open) && v.ends_with(close) {
            v = v[open.len_utf8()..v.len() - close.len_utf8()].trim();
            cleaned.push("quotes");
            break;
        }
    }
    (v.to_owned(), cleaned)
}

fn looks_like_access_token(v: &str) -> bool {
    match v.split_once('-') {
        Some((digits, rest)) => {
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        }
        None => false,
    }
}

fn shape_problems(field: Field, v: &str) -> Vec<String> {
    let label = field.label();
    if v.is_empty() {
        return vec![format!("The {label} is empty.")];
    }
    let mut out = Vec::new();
    if v.chars().any(char::is_whitespace) {
        out.push(format!(
            "The {label} has a space or line break inside it: copy it again with the console's copy button."
        ));
    }
    if v.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        out.push(format!(
            "The {label} contains an invisible control character: copy it again from the console."
        ));
    }
    if v.contains('•') || v.contains('*') || v.contains('…') {
        out.push(format!(
            "The {label} looks masked (dots or stars): X shows a secret only once — regenerate it to see it again."
        ));
    }
    if v.starts_with("AAAAAAAAAAAAAAAAAAAA") {
        out.push(format!(
            "This is a Bearer Token, which cannot post for you: paste the {label} from Keys and tokens → Consumer Keys / Authentication Tokens."
        ));
    } else if v.ends_with("MTpjaQ") {
        out.push(format!(
            "This is an OAuth 2.0 Client ID; Postbridge signs with OAuth 1.0a and needs the {label}."
        ));
    }
    match field {
        Field::AccessToken if !looks_like_access_token(v) => out.push(
            "An Access Token starts with your account's number and a dash (like 1234567890-…); this one does not. Did you paste the Access Token Secret or the API Key here?"
                .into(),
        ),
        Field::ApiKey | Field::ApiSecret | Field::AccessSecret if looks_like_access_token(v) => {
            out.push(format!(
                "This looks like an Access Token (digits and a dash at the start); it belongs in the Access Token field, not the {label}."
            ))
        }
        _ => {}
    }
    if !v.is_ascii() && out.is_empty() {
        out.push(format!(
            "The {label} contains characters keys never have; copy it again from the console."
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn good() -> PastedKeys {
        PastedKeys {
            api_key: "xvz1evFS4wEEPTGEFPHBog12".into(),
            api_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBwkAcSOqF".into(), // shaped like X's docs example
            access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
            access_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(), // X's docs example (§2.4)
        }
    }

    fn problems_of(k: &PastedKeys) -> Vec<(Field, String)> {
        check(k)
            .problems
            .into_iter()
            .map(|s| (s.field, s.message))
            .collect()
    }

    #[test]
    fn good_keys_pass_untouched() {
        let c = check(&good());
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert!(c.notes.is_empty());
        assert_eq!(c.credentials.consumer_key, good().api_key);
    }

    #[test]
    fn spaces_newlines_and_quotes_are_cleaned_and_reported() {
        let mut k = good();
        k.api_key = format!("  {}\n", k.api_key);
        k.access_secret = format!("\"{}\"", k.access_secret);
        let c = check(&k);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.credentials.consumer_key, good().api_key);
        assert_eq!(c.credentials.access_secret, good().access_secret);
        let notes: Vec<_> = c
            .notes
            .iter()
            .map(|n| (n.field, n.message.as_str()))
            .collect();
        assert!(notes.contains(&(
            Field::ApiKey,
            "Removed spaces or line breaks around the API Key."
        )));
        assert!(notes.contains(&(
            Field::AccessSecret,
            "Removed quotes around the Access Token Secret."
        )));
    }

    #[test]
    fn each_slip_names_its_field_and_never_the_value() {
        let cases: Vec<(PastedKeys, Field, &str)> = vec![
            (
                PastedKeys {
                    api_key: String::new(),
                    ..good()
                },
                Field::ApiKey,
                "is empty",
            ),
            (
                PastedKeys {
                    api_secret: "abc def".into(),
                    ..good()
                },
                Field::ApiSecret,
                "space or line break inside",
            ),
            (
                PastedKeys {
                    access_secret: "abc\u{0}def\u{1f}".into(),
                    ..good()
                },
                Field::AccessSecret,
                "invisible control character",
            ),
            (
                PastedKeys {
                    access_token: "GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
                    ..good()
                },
                Field::AccessToken,
                "starts with your account's number",
            ),
            (
                PastedKeys {
                    api_key: good().access_token,
                    access_token: "123-x".into(),
                    ..good()
                },
                Field::ApiKey,
                "belongs in the Access Token field",
            ),
            (
                PastedKeys {
                    access_secret: good().api_secret,
                    ..good()
                },
                Field::AccessSecret,
                "is the same as the API Key Secret",
            ),
            (
                PastedKeys {
                    api_key: format!("AAAAAAAAAAAAAAAAAAAAA{}", "x".repeat(60)),
                    ..good()
                },
                Field::ApiKey,
                "Bearer Token",
            ),
            (
                PastedKeys {
                    api_secret: "••••••••••••".into(),
                    ..good()
                },
                Field::ApiSecret,
                "masked",
            ),
            (
                PastedKeys {
                    api_key: good().api_secret,
                    api_secret: good().api_key,
                    ..good()
                },
                Field::ApiKey,
                "swapped",
            ),
        ];
        for (keys, field, needle) in cases {
            let problems = problems_of(&keys);
            assert!(
                problems
                    .iter()
                    .any(|(f, m)| *f == field && m.contains(needle)),
                "expected {field:?} ~ {needle:?}, got {problems:?}"
            );
            for (_, m) in &problems {
                for secret in [
                    &keys.api_key,
                    &keys.api_secret,
                    &keys.access_token,
                    &keys.access_secret,
                ] {
                    let s = secret.trim();
                    if s.len() > 8 {
                        assert!(!m.contains(s), "message leaks a value: {m}");
                    }
                }
            }
        }
    }

    #[test]
    fn app_keys_alone_are_checked_for_pin_sign_in() {
        let c = check_app_keys(format!(" {} ", good().api_key), good().api_secret);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.credentials.consumer_key, good().api_key);
        let c = check_app_keys(String::new(), good().api_secret);
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert_eq!(c.problems[0].field, Field::ApiKey);
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", good()), "PastedKeys(<redacted>)");
    }
}
