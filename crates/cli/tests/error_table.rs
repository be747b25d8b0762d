//! `docs/errors.md` is rendered from the client's diagnosis table (the one the CLI and the app
//! show); this test fails when the committed file is stale and rewrites it with `UPDATE_DOCS=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn error_table_doc_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md");
    let fresh = format!(
        "# What Postbridge tells you when X says no\n\n\
         Every failure is recognised and mapped to one stable kind, with X's own words, a \
         plain-language cause, the steps to fix it, and the setup-wizard step that fixes it. The \
         CLI (`postbridge post --json`, `postbridge doctor`), the app and this page all render the \
         same table (`crates/x-client/src/diagnosis.rs`).\n\n\
         Accounts sign in one of two ways, and the kinds follow them. **Sign in with X** (OAuth \
         2.0: your app's Client ID and a browser sign-in; tokens that refresh themselves; posts \
         and uploads through v2 only) fails with `token-expired`, `missing-scope`, \
         `sign-in-required`, `client-id-rejected` or `exchange-unavailable` (wizard step \
         `sign-in`), or `upload-route-retired` when asked for the v1.1 upload route. **Keys or PIN** (OAuth 1.0a: \
         four values that do not expire; needed for the v1.1 upload route; being retired by X) \
         fails with `invalid-credentials`, `read-only-token`, `token-revoked` and the like, whose \
         steps are `paste`, `regenerate` or `permissions`. The README's *Two ways to sign in* \
         says when to use which.\n\n{}",
        x_client::markdown_table()
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/errors.md is stale: run `UPDATE_DOCS=1 cargo test -p postbridge-cli --test error_table`"
    );
}
