//! # x-sim — a faithful X API simulator
//!
//! Contract: [`start`] binds two loopback HTTP/1.1 listeners — the **API base**
//! (`/2/…`, `/oauth/…`, `/1.1/statuses/…`, `/1.1/oauth/…`, `/_sim/…`) and the **legacy upload
//! base** (`/1.1/media/…`); every route is in fact served on both, so a client may point
//! both bases at either port. Requests are verified by a strict OAuth 1.0a verifier
//! (docs/protocol.md §2: base URL as received, query + form-urlencoded parameters only,
//! HMAC-SHA1, timestamp window, nonce replay), answered with X's exact error shapes
//! (§5.2 B1–B16), and never make the simulator panic. Bodies are streamed: of an uploaded
//! file only its size and first 64 KiB are kept.
//!
//! The demo app and demo account ([`SimHandle::demo`]) hold a read-write token; more tokens,
//! modes and faults are set in process through [`SimHandle`] or over HTTP through the
//! control API below.
//!
//! **Web pages cannot drive it** (audit PB-12, [`guard`]): every request whose `Host` is not
//! `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT` (the port it arrived on) gets **421
//! Misdirected Request**, so a DNS-rebinding page (`Host: evil.example:PORT`) reaches
//! nothing. API routes also accept [`SimConfig::api_hosts`], and any `Host` when
//! [`SimConfig::any_api_host`] holds (non-loopback listener, `trust_forwarded_proto`,
//! `extra_signing_origins`); the control API never does. State and connections are capped
//! with oldest-first eviction ([`limits`]: 10,000 posts, 1,024 media objects, 1,000 request
//! tokens, 10,000 access tokens, 256 connections per listener …).
//!
//! ## Routes (docs/protocol.md §12.1)
//! | Route | Notes |
//! |---|---|
//! | `POST /oauth/request_token` | `oauth_callback=oob` (header, form or query); reply form-encoded (`token_reply_format: "json"` switch) |
//! | `GET /oauth/authorize?oauth_token=` | HTML page; `POST /oauth/authorize` (form `oauth_token`) approves as the demo account and shows the PIN in `<code id="oauth_pin">` |
//! | `POST /oauth/access_token` | `oauth_token` + `oauth_verifier` (PIN) → `oauth_token, oauth_token_secret, user_id, screen_name` |
//! | `POST /1.1/oauth/invalidate_token` | revokes the calling token → `{"access_token": "…"}` |
//! | `GET /2/users/me` | `{"data":{"id","name","username"}}` + `x-access-level`; `user.fields` honoured |
//! | `GET /2/users/:id/tweets` | user timeline, newest first (the §6.5 read-back; details below) |
//! | `POST /2/tweets`, `DELETE /2/tweets/:id`, `GET /2/tweets/:id` | §4 validation; 201 + `Location` |
//! | `POST /1.1/statuses/update.json` | always 403 / 453 (B1) |
//! | `POST /1.1/media/upload.json` | simple (multipart `media` / `media_data`), `command=INIT|APPEND|FINALIZE` (form or multipart); `GET …?command=STATUS` |
//! | `POST /1.1/media/metadata/create.json` | JSON alt text → 200 empty |
//! | `POST /2/media/upload` (one-shot), `GET /2/media/upload?command=STATUS&media_id=` | |
//! | `POST /2/media/upload/initialize`, `/{id}/append`, `/{id}/finalize` | JSON / multipart / none |
//! | `POST /2/media/metadata` and `/2/media/metadata/create` | `{"id","metadata":{"alt_text":{"text"}}}` |
//! | `POST /2/media/subtitles`, `DELETE /2/media/subtitles` | `{"id","media_category","subtitles":{"id","language_code","display_name"}}` → `associated_subtitles`; DELETE `{"id","media_category","language_code"}` (docs/protocol.md §8) |
//! | `GET /i/oauth2/authorize` | OAuth 2.0 consent ([`oauth2`], docs/protocol.md §14): approves as the demo account → 302 to the registered `redirect_uri` with `code` + `state` (`oauth2_deny` mode: `error=access_denied`); a bad client or redirect URI → 400 page |
//! | `POST /2/oauth2/token` | form: `authorization_code` (PKCE S256/plain, single-use 30 s codes), `refresh_token` (rotation; reuse → `invalid_grant`), X's OAuth 1.0a token exchange (`oauth2_exchange` mode); public client by `client_id`; a form body, or a flat JSON object (twitter-api-v2 sends JSON) |
//! | `POST /2/oauth2/revoke` | `token`, `client_id` (form or flat JSON) → `{"revoked":true}` |
//!
//! `Authorization: Bearer` with a token minted here is an OAuth 2.0 user token: v2 routes only,
//! scopes per route (`tweet.read users.read`; `+tweet.write` to post or delete; `media.write`
//! for v2 media), 401 once expired (2 h on the virtual clock) or revoked, 403 naming a missing
//! scope. Any other Bearer token is app-only: 403 unsupported-authentication (v1.1: 220).
//!
//! ## Control API (`/_sim/…`, unsigned, loopback only, JSON in and out)
//! Refused before anything runs, whatever the configuration: a non-loopback peer (403), a
//! non-loopback `Host` (421), any `Origin` header (403: browsers send it on every POST,
//! `no-cors` included), `X-Forwarded-For` or `Forwarded` (403: a proxy's clients all look
//! like loopback peers), and a POST without `Content-Type: application/json` (415). Refusals
//! are `{"error":"…","reason":"peer"|"host"|"origin"|"forwarded"|"content_type"}`.
//! | Route | Body / result |
//! |---|---|
//! | `GET /_sim/state` | api/upload bases, demo credentials, modes, faults, apps, accounts, tokens, clock |
//! | `GET /_sim/posts` | `[Post]` (`id, text, author_id, created_at_ms, media_ids, in_reply_to_tweet_id, quote_tweet_id, poll_options, deleted`) |
//! | `GET /_sim/media` | `[MediaInfo]` (`id, media_key, owner_id, route, category, state, received_bytes, alt_text, …`) |
//! | `GET /_sim/requests[?since=SEQ]` | `[RequestLogEntry]` with `base_string` (the OAuth base string computed for the request as received), `auth` outcome and `status` |
//! | `GET /_sim/credits` | `{"plan","balance_usd","ledger":[…],"month_posts"}` |
//! | `GET /_sim/mode`, `GET /_sim/faults` | current [`Modes`] / faults by endpoint |
//! | `GET /_sim/link`, `GET /_sim/link/stats` | the current [`Link`] / [`LinkStats`] (also in `/_sim/state` as `link`, `link_stats`) |
//! | `POST /_sim/reset` | back to the start-up state (the link included: [`SimConfig::link`], all off by default) |
//! | `POST /_sim/link` | partial or whole [`Link`], e.g. `{"uplink_bits_per_sec":20000000,"rtt_ms":50}`, `{"down":true}`, `{"stall_rate":0.5,"stall_ms":200}` → the link now; unknown keys, bad types or a negative `stall_rate` → 400 |
//! | `POST /_sim/mode` | partial [`Modes`], e.g. `{"v1_retired":"403-453"}`, `{"plan":"free"}`, `{"credits_usd":0}`, `{"premium":true}`, `{"summoned_only_replies":true}`, `{"reply_refusal":"mentioned-or-author"}`, `{"rate_limit_24h_headers":true}`, `{"client_enrolled":false}`, `{"processing_ms":50}`, `{"duplicate_window_secs":0}`, `{"reads_refused":403}` (`null` clears it); unknown keys or bad types → 400 |
//! | `POST /_sim/faults` | `{"endpoint":"POST /2/tweets","faults":{"error_rate":1,"error_status":503,"error_after_commit":true}}`, `{"endpoint":"POST /2/tweets","faults":{"ok_without_id_rate":1}}`; `{"clear":true}` (optionally with `endpoint`) |
//! | `POST /_sim/oauth2/authorize` | `{"url": AUTHORIZE_URL}` → `{"location": REDIRECT}`: plays the browser on the consent page (400 with the page's error) |
//! | `POST /_sim/oauth2/clients` | `{"client_id","redirect_uris":[…]}` registers an OAuth 2.0 app (the demo app is [`oauth2::DEMO_CLIENT_ID`] with Postbridge's loopback callbacks on port 8745) |
//! | `POST /_sim/tokens` | `{"account":"demo","access_level":"read"}` → [`DemoCredentials`] |
//! | `POST /_sim/tokens/regenerate` | `{"account":"demo"}` → new pair at the app's current permissions; old ones revoked (89) |
//! | `POST /_sim/apps/permissions` (alias `/_sim/apps`) | `{"permissions":"read-write","native":true,"suspended":false,"callback_urls":[…]}` (demo app unless `consumer_key`) |
//! | `POST /_sim/oauth/approve` | `{"oauth_token":"<request token>","account":"demo"}` → `{"pin":"1234567","oauth_verifier":"1234567"}` |
//! | `POST /_sim/clock` | `{"advance_secs":3600}` moves the virtual clock (expiry, windows, processing, timestamps) |
//! | `POST /_sim/accounts` | `{"username":"alice","name":"Alice"}` → new account |
//! | `POST /_sim/accounts/update` | `{"account":"demo","premium":true,"locked":false,"v1_retired":"404"}` per-account overrides (`null` clears one) |
//!
//! ## User timeline (`GET /2/users/:id/tweets`, docs/protocol.md §6.5)
//! Signed and verified like every route; endpoint key `"GET /2/users/:id/tweets"` (its own
//! rate-limit bucket: Free 1, Basic 5, Pro and pay-per-use 900 per 15 min per user).
//! - `{"data":[{"id","text","edit_history_tweet_ids"}…],"meta":{"result_count","newest_id",
//!   "oldest_id","next_token"?,"previous_token"?}}`, non-deleted posts newest first; an empty
//!   result is exactly `{"meta":{"result_count":0}}`. Unknown user → **200**
//!   `{"errors":[{… "resource_type":"user" … "type":"…/2/problems/resource-not-found"}]}`.
//! - `max_results` 5..=100 (default 10), `since_id`/`until_id` (exclusive), `start_time`
//!   (inclusive) / `end_time` (exclusive) in RFC 3339 at second granularity,
//!   `pagination_token` (opaque, bound to the user), `exclude=replies,retweets`,
//!   `tweet.fields` (`created_at` as `2026-12-02T05:34:35.000Z`, `attachments.media_keys`,
//!   `referenced_tweets` `replied_to`/`quoted`, `author_id`, `conversation_id`,
//!   `in_reply_to_user_id`, `note_tweet`). Any bad or unknown parameter → 400 B13 with X's
//!   messages, all bad parameters in one `errors[]`.
//! - **Text as X returns it** (what a client must undo to match its own post): NFC; every
//!   URL replaced by a t.co link (`https://t.co/` + 10 alphanumerics, stable per post); with
//!   media one more t.co link appended after a space (alone if the text is empty); then
//!   `&` `<` `>` → `&amp;` `&lt;` `&gt;`. Posts over 280 weighted characters: `text` is cut
//!   (first ≤ 270 characters at a word boundary), the whole text is in `note_tweet.text`
//!   when `tweet.fields` asks for `note_tweet`. `/_sim/posts` keeps the text as sent.
//! - Pay-per-use (⚠ assumed prices): $0.001 per own post returned, $0.005 per other user's;
//!   empty pages free; B8 402 when out of credits.
//! - `reads_refused` (`null` | `403` | `429` | `402`) refuses only this route: 403 with the
//!   453 body (B1), 429 with B9/B10 (`x-rate-limit-remaining: 0`), 402 with B8.
//!
//! ## Faults and the duplicate filter
//! Faults are per endpoint key, else `"*"` (which covers every route, the timeline
//! included), and are drawn from the world's seeded RNG: one seed and one request sequence
//! give the same outcomes. Per request: latency, then hang, then reset-before or
//! error-before (nothing runs), otherwise the handler runs and commits; then
//! `reset_after_commit` drops the connection, else `error_after_commit` answers
//! `error_status`, else `ok_without_id_rate` answers 200 with `{}`, `{"data":{}}`,
//! `{"errors":[{"message":"Internal error"}]}` or `<html>upstream</html>`. For
//! `POST /2/tweets` the three after-commit faults leave the post created (visible in
//! `/_sim/posts` and on the timeline). The duplicate-content 403 (B12) applies to identical
//! text within `duplicate_window_secs` (default 86400); **`0` turns it off completely**, so
//! fault campaigns can prove a client never relies on it.
//!
//! ## The network ([`link`])
//! One [`Link`] for the whole simulator (all off by default): `uplink_bits_per_sec` shapes
//! every byte clients send on both listeners through one shared token bucket (16 KiB or 5 ms
//! deep), at the connection's read side, so headers and bodies of every route count alike;
//! `rtt_ms` holds every non-control answer for one RTT and a new connection for one RTT (two
//! on HTTPS) before it is read; `stall_rate`/`stall_ms` stop the uplink at seeded random
//! moments (stalls per second of transfer); `down` resets every open connection at once and
//! answers every non-control request with a reset until it is turned off (state is kept; the
//! control API keeps working). In Rust: [`SimHandle::link`], [`SimHandle::set_link`],
//! [`SimHandle::set_network_down`], [`SimHandle::link_stats`].
//!
//! ## Real clients and performance
//! `peers/run.sh` runs pinned tweepy and node twitter-api-v2 against the `serve` example over
//! HTTPS (a throwaway certificate) and fails if any request did not verify strictly: text
//! post, v1.1 image + alt text, v1.1 chunked video with STATUS polling, v2 image and video
//! upload, v2 alt text, posts with either route's media, delete, PIN sign-in.
//! `examples/upload_bench.rs` measures loopback upload throughput (v1.1 APPEND, 4 MiB
//! segments): about 2.4 GB/s on the 2-core dev machine in release mode; the `serve` process
//! idles at ~4.3 MB RSS and peaks at ~11 MB (VmHWM) while receiving 512 MB uploads.
//!
//! ## Why x-sim re-implements what other crates already do
//! x-sim is the test oracle of x-client: the client's tests pass when the simulator accepts
//! what the client sends. So the simulator verifies OAuth 1.0a signatures ([`oauth`],
//! `http/auth.rs`), counts weighted length and finds URLs ([`text`]), sniffs media types and
//! image dimensions and reads the MP4 duration (`sniff.rs`, re-exported by [`media`]) with its
//! own code, never with the code (or the crates: `oauth1-request`, `twitter-text`, `infer`,
//! `imagesize`) the client uses. A simulator sharing the client's code would share its bugs and
//! let them pass: a wrong base string would be signed and verified the same wrong way. The
//! independent copies are small, written from docs/protocol.md (§2, §9, §10) and X's published
//! rules, and pinned by their own tests and the golden vectors.
//!
//! ## Deliberate leniencies (each matches production behaviour)
//! - A repeated parameter with an identical value (node twitter-api-v2 sends `oauth_token`
//!   in the header and the form of `access_token`) is signed over one copy; differing values
//!   are rejected (docs/protocol.md §12.3).
//! - v1.1 `media_category` also accepts the PascalCase names (`TweetImage`, `TweetVideo` …)
//!   that node twitter-api-v2 has always sent to production v1.1.
//! - Signatures over `SimConfig::extra_signing_origins` (off by default) for clients that sign
//!   the production URL before a proxy forwards the request.
//!
//! `v1_retired` values: `off`, `403-453`, `404`, `410`, `html-403`, `conn-refused`,
//! `refuse-after-init`. Plans: `free`, `basic`, `pro`, `pay-per-use`, `unlimited`.
//! Fault endpoint keys are `"METHOD /path"` with `:id` for ids (e.g.
//! `"POST /2/media/upload/:id/append"`, `"POST /1.1/media/upload.json"`), or `"*"`.

// Handlers return complete HTTP responses in both arms; boxing them buys nothing here.
#![allow(clippy::result_large_err)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub mod config;
mod control;
pub mod guard;
pub mod http;
pub mod limits;
pub mod link;
pub mod media;
pub mod oauth;
pub mod oauth2;
pub mod reply;
pub mod rfc3339;
mod routes;
mod server;
mod sniff;
pub mod text;
pub mod timeline;
mod upload;
pub mod world;

pub use config::{
    AccessLevel, Faults, Modes, Plan, ReplyRefusal, SimConfig, TlsPem, V1Retired, X_HOSTS,
};
pub use limits::Limits;
pub use link::{Link, LinkStats};
pub use media::MediaInfo;
pub use world::{Account, DemoCredentials, LedgerEntry, Post, RequestLogEntry};

/// Errors of the simulator itself (HTTP errors are responses, not these).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Other I/O failure.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be used.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// Malformed protocol input (Authorization header, form data …).
    #[error("malformed input: {0}")]
    Malformed(String),
}

/// A running simulator. Cloning gives another handle to the same instance.
#[derive(Debug, Clone)]
pub struct SimHandle {
    shared: Arc<http::Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    api_addr: SocketAddr,
    upload_addr: SocketAddr,
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, SimError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })
}

/// The address a local client should use: an unspecified bind address (`0.0.0.0`, `::`)
/// becomes loopback.
fn connectable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, addr.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

/// Starts a simulator on the configured addresses.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    let tls = match &config.tls {
        Some(pem) => Some(server::tls_acceptor(pem)?),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let api = bind(config.api_addr).await?;
    let api_addr = api.local_addr()?;
    let upload_req = config
        .upload_addr
        .unwrap_or_else(|| SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)));
    let upload = bind(upload_req).await?;
    let upload_addr = upload.local_addr()?;
    let (mode_tx, _) = watch::channel(0u64);
    let net = Arc::new(link::Net::new(config.link.clone(), config.seed));
    let shared = Arc::new(http::Shared {
        world: Mutex::new(world::World::with_limits(
            config.seed,
            config.modes.clone(),
            config.limits,
        )),
        cfg: config,
        api_base: format!("{scheme}://{}", connectable(api_addr)),
        upload_base: format!("{scheme}://{}", connectable(upload_addr)),
        mode_changed: mode_tx,
        net,
    });
    let (shutdown, _) = watch::channel(false);
    let t1 = tokio::spawn(server::run_api(
        api,
        shared.clone(),
        tls.clone(),
        shutdown.subscribe(),
    ));
    let t2 = tokio::spawn(server::run_upload(
        upload,
        upload_addr,
        shared.clone(),
        tls,
        shutdown.subscribe(),
    ));
    tracing::info!(api = %api_addr, upload = %upload_addr, "x-sim listening");
    Ok(SimHandle {
        shared,
        shutdown,
        tasks: Arc::new(Mutex::new(vec![t1, t2])),
        api_addr,
        upload_addr,
    })
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` of the API listener.
    pub fn api_base(&self) -> String {
        self.shared.api_base.clone()
    }

    /// `http://127.0.0.1:PORT` of the upload listener (`/1.1/media/…`).
    pub fn upload_base(&self) -> String {
        self.shared.upload_base.clone()
    }

    /// The API listener's address.
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The upload listener's address.
    pub fn upload_addr(&self) -> SocketAddr {
        self.upload_addr
    }

    /// The demo app's keys and the demo account's read-write token.
    pub fn demo(&self) -> DemoCredentials {
        self.shared.world().demo.clone()
    }

    /// Stops both listeners and aborts every open connection.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }

    fn bump_modes(&self) {
        self.shared.mode_changed.send_modify(|v| *v += 1);
    }

    /// The current modes.
    pub fn modes(&self) -> Modes {
        self.shared.world().modes.clone()
    }

    /// Changes the modes in place.
    pub fn update_modes(&self, f: impl FnOnce(&mut Modes)) {
        f(&mut self.shared.world().modes);
        self.bump_modes();
    }

    /// Sets how v1.1 endpoints refuse.
    pub fn set_v1_retired(&self, mode: V1Retired) {
        self.update_modes(|m| m.v1_retired = mode);
    }

    /// Sets the plan.
    pub fn set_plan(&self, plan: Plan) {
        self.update_modes(|m| m.plan = plan);
    }

    /// Sets the pay-per-use credit balance (USD).
    pub fn set_credits(&self, usd: f64) {
        self.update_modes(|m| m.credits_usd = usd);
    }

    /// Current credit balance (USD).
    pub fn credits(&self) -> f64 {
        self.shared.world().modes.credits_usd
    }

    /// The credit ledger.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.shared.world().ledger.iter().cloned().collect()
    }

    /// Turns Premium (25,000 weighted characters) on or off.
    pub fn set_premium(&self, on: bool) {
        self.update_modes(|m| m.premium = on);
    }

    /// Sets the faults of one endpoint key (`"POST /2/tweets"`, `"*"` …).
    pub fn set_faults(&self, endpoint: &str, faults: Faults) {
        self.shared
            .world()
            .faults
            .insert(endpoint.to_string(), faults);
    }

    /// Removes all faults.
    pub fn clear_faults(&self) {
        self.shared.world().faults.clear();
    }

    /// Issues a token pair for `account` (`"demo"`, an id or a username) on the demo app
    /// with a fixed access level.
    pub fn issue_token(&self, account: &str, access_level: AccessLevel) -> Option<DemoCredentials> {
        let mut w = self.shared.world();
        let ck = w.demo.consumer_key.clone();
        let acc = w.find_account(account)?.id.clone();
        w.issue_token(&ck, &acc, access_level)
    }

    /// Changes one account (`"demo"`, an id or a username): e.g. its per-account
    /// `premium`, `locked` or `v1_retired` overrides. Returns `false` if unknown.
    pub fn update_account(&self, account: &str, f: impl FnOnce(&mut world::Account)) -> bool {
        let mut w = self.shared.world();
        let Some(id) = w.find_account(account).map(|a| a.id.clone()) else {
            return false;
        };
        let found = match w.accounts.iter_mut().find(|a| a.id == id) {
            Some(a) => {
                f(a);
                true
            }
            None => false,
        };
        drop(w);
        self.bump_modes();
        found
    }

    /// Changes the demo app's permissions (existing tokens keep their level).
    pub fn set_app_permissions(&self, permissions: AccessLevel) {
        let mut w = self.shared.world();
        let ck = w.demo.consumer_key.clone();
        if let Some(app) = w.apps.iter_mut().find(|a| a.consumer_key == ck) {
            app.permissions = permissions;
        }
    }

    /// Regenerates `account`'s tokens on the demo app: old ones are revoked, the new pair
    /// has the app's current permissions.
    pub fn regenerate_tokens(&self, account: &str) -> Option<DemoCredentials> {
        let mut w = self.shared.world();
        let ck = w.demo.consumer_key.clone();
        let acc = w.find_account(account)?.id.clone();
        w.regenerate(&ck, &acc)
    }

    /// Approves a PIN-flow request token as the demo account; returns the PIN.
    pub fn approve_pin(&self, oauth_token: &str) -> Option<String> {
        let mut w = self.shared.world();
        let acc = w.demo.user_id.clone();
        routes::approve(&mut w, oauth_token, &acc)
    }

    /// Moves the virtual clock forward (or back, if negative).
    pub fn advance_clock(&self, secs: i64) {
        self.update_modes(|m| m.clock_offset_secs = m.clock_offset_secs.saturating_add(secs));
    }

    /// All posts (deleted ones flagged).
    pub fn posts(&self) -> Vec<Post> {
        self.shared.world().posts.iter().cloned().collect()
    }

    /// All media objects.
    pub fn media(&self) -> Vec<MediaInfo> {
        let w = self.shared.world();
        let now = w.now_ms();
        let mut v: Vec<MediaInfo> = w.media.values().map(|m| m.info(now)).collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// The request log (most recent 5000), oldest first.
    pub fn requests(&self) -> Vec<RequestLogEntry> {
        self.shared.world().log.iter().cloned().collect()
    }

    /// Back to the start-up state (posts, media, tokens, modes, faults, log, link and its
    /// counters).
    pub fn reset(&self) {
        *self.shared.world() = world::World::with_limits(
            self.shared.cfg.seed,
            self.shared.cfg.modes.clone(),
            self.shared.cfg.limits,
        );
        self.shared.net.reset(self.shared.cfg.link.clone());
        self.bump_modes();
    }

    /// The network between the clients and the simulator ([`link`]).
    pub fn link(&self) -> Link {
        self.shared.net.link()
    }

    /// Sets the whole link ([`link`]): the uplink schedule and the stall sequence restart; if
    /// `down` turns on, every open connection on both listeners is reset at once.
    pub fn set_link(&self, link: Link) {
        self.shared.net.set(link, None);
    }

    /// A network outage on (`true`: every open connection on both listeners is reset at once,
    /// and every request until it ends is answered with a reset) or off (connections work
    /// normally again). Nothing else about the link or the world changes.
    pub fn set_network_down(&self, down: bool) {
        self.shared.net.set_down(down, None);
    }

    /// What the link did since start-up or the last reset: connections and requests reset
    /// by outages, stalls, bytes received.
    pub fn link_stats(&self) -> LinkStats {
        self.shared.net.stats()
    }
}
