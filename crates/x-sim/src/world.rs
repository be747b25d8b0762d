//! The simulator's mutable world: apps, accounts, tokens, posts, media, nonces, rate-limit
//! buckets, the credit ledger and the request log.
//!
//! Contract: a [`World`] is only touched under one `std::sync::Mutex` and never across an
//! `.await`; all ids, secrets and PINs come from its seeded ChaCha RNG, so a given seed and
//! request sequence gives the same ids. Time is the virtual clock ([`World::now_ms`]): the
//! real clock plus `Modes::clock_offset_secs` (OAuth timestamps use [`World::auth_now_secs`]).
//! Everything that grows with traffic is capped by the world's [`Limits`] and evicts its
//! oldest entries first ([`crate::limits`]): add posts with [`World::push_post`], media with
//! [`World::insert_media`], request tokens with [`World::insert_request_token`]; access
//! tokens, ledger lines, log entries and nonces are capped where they are added.

use std::collections::{HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::{AccessLevel, Faults, Modes, Plan, V1Retired};
use crate::limits::{Limits, MAX_LOG, NONCE_PRUNE_AT};
use crate::media::Media;

mod rate_limit;

use rate_limit::Bucket;
pub use rate_limit::RateInfo;

/// A developer app (consumer key pair).
#[derive(Debug, Clone, Serialize)]
pub struct App {
    /// Display name.
    pub name: String,
    /// API key.
    pub consumer_key: String,
    /// API secret.
    #[serde(skip)]
    pub consumer_secret: String,
    /// Current app permissions (applies to tokens issued from now on).
    pub permissions: AccessLevel,
    /// `native` apps only accept the `oob` callback (417 otherwise).
    pub native: bool,
    /// Allowed callback URLs (web apps).
    pub callback_urls: Vec<String>,
    /// Suspended apps get 416 on request_token.
    pub suspended: bool,
}

/// A user account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// Numeric id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Handle without `@`.
    pub username: String,
    /// Per-account Premium override (`None` = the global mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premium: Option<bool>,
    /// Per-account locked override (`None` = the global mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Per-account v1.1 retirement override (`None` = the global mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v1_retired: Option<V1Retired>,
    /// The longest video this account may post, in minutes (`None` = X's documented 20, or
    /// 125 with Premium; docs/protocol.md §15). A longer one is refused at `POST /2/tweets`
    /// with 403 "This user is not allowed to post a video longer than N minutes.".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_max_minutes: Option<u32>,
}

impl Account {
    /// A plain account without overrides.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        username: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            username: username.into(),
            premium: None,
            locked: None,
            v1_retired: None,
            video_max_minutes: None,
        }
    }
}

/// An access token.
#[derive(Debug, Clone, Serialize)]
pub struct Token {
    /// Token.
    pub token: String,
    /// Secret.
    #[serde(skip)]
    pub secret: String,
    /// App it belongs to.
    pub consumer_key: String,
    /// Account it acts for.
    pub account_id: String,
    /// Level fixed at issue.
    pub access_level: AccessLevel,
    /// Revoked (regenerated or invalidated).
    pub revoked: bool,
}

/// A PIN-flow request token.
#[derive(Debug, Clone)]
pub struct RequestToken {
    /// Secret.
    pub secret: String,
    /// App.
    pub consumer_key: String,
    /// Requested `x_auth_access_type`.
    pub requested: Option<AccessLevel>,
    /// Set when approved: (account id, PIN).
    pub approved: Option<(String, String)>,
    /// Consumed by access_token.
    pub used: bool,
}

/// Credentials for one app + one access token (the demo pair, or one issued by the
/// control API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCredentials {
    /// API key.
    pub consumer_key: String,
    /// API secret.
    pub consumer_secret: String,
    /// Access token.
    pub access_token: String,
    /// Access token secret.
    pub access_token_secret: String,
    /// Account id.
    pub user_id: String,
    /// Account handle.
    pub username: String,
    /// Access level of the token.
    pub access_level: AccessLevel,
}

/// A post.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Post {
    /// Id.
    pub id: String,
    /// Text as sent.
    pub text: String,
    /// Author account id.
    pub author_id: String,
    /// Creation time (ms since the epoch, virtual clock).
    pub created_at_ms: i64,
    /// Attached media ids.
    pub media_ids: Vec<String>,
    /// Replied-to post id.
    pub in_reply_to_tweet_id: Option<String>,
    /// Quoted post id.
    pub quote_tweet_id: Option<String>,
    /// Poll options, if any.
    pub poll_options: Vec<String>,
    /// Deleted via DELETE.
    pub deleted: bool,
}

/// One request seen by the simulator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestLogEntry {
    /// Sequence number.
    pub seq: u64,
    /// Time (ms since the epoch, virtual clock).
    pub at_ms: i64,
    /// `api` or `upload` listener.
    pub listener: String,
    /// Method.
    pub method: String,
    /// Path and query as received.
    pub target: String,
    /// Endpoint key (`POST /2/tweets` …).
    pub endpoint: String,
    /// Consumer key from the Authorization header.
    pub consumer_key: Option<String>,
    /// Token from the Authorization header.
    pub token: Option<String>,
    /// The OAuth base string computed for the request as received.
    pub base_string: Option<String>,
    /// Outcome of authentication (`ok`, `bad_signature`, `missing`, …).
    pub auth: String,
    /// Response status (0 if the connection was reset or hung).
    pub status: u16,
}

/// One credit ledger line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerEntry {
    /// Time (ms).
    pub at_ms: i64,
    /// Endpoint billed.
    pub endpoint: String,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Balance after.
    pub balance_usd: f64,
}

/// The whole mutable state.
#[derive(Debug)]
pub struct World {
    /// Current modes.
    pub modes: Modes,
    /// Faults per endpoint key.
    pub faults: HashMap<String, Faults>,
    /// Apps.
    pub apps: Vec<App>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Access tokens by token string.
    pub tokens: HashMap<String, Token>,
    /// Request tokens by token string.
    pub request_tokens: HashMap<String, RequestToken>,
    /// Request tokens in issue order (eviction queue).
    request_token_order: VecDeque<String>,
    /// Access tokens other than the demo token, in issue order (eviction queue).
    token_order: VecDeque<String>,
    /// Posts in creation order.
    pub posts: VecDeque<Post>,
    /// Media by id.
    pub media: HashMap<String, Media>,
    /// Seen nonces: (consumer key, nonce) → timestamp.
    pub nonces: HashMap<(String, String), i64>,
    buckets: HashMap<(String, String), Bucket>,
    /// Credit ledger.
    pub ledger: VecDeque<LedgerEntry>,
    /// Posts created this month (usage cap).
    pub month_posts: u64,
    /// Request log.
    pub log: VecDeque<RequestLogEntry>,
    log_seq: u64,
    rng: ChaCha8Rng,
    id_counter: u64,
    last_id: u64,
    /// The demo credentials.
    pub demo: DemoCredentials,
    /// The OAuth 2.0 authorization server (the demo app registered as a public client).
    pub oauth2: crate::oauth2::AuthServer,
    /// Caps on kept state.
    limits: Limits,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl World {
    /// A fresh world with the demo app, the demo account and its read-write token, and the
    /// default [`Limits`].
    pub fn new(seed: u64, modes: Modes) -> Self {
        Self::with_limits(seed, modes, Limits::default())
    }

    /// [`World::new`] with explicit caps.
    pub fn with_limits(seed: u64, modes: Modes, limits: Limits) -> Self {
        let demo = DemoCredentials {
            consumer_key: "simDemoConsumerKey000000".into(),
            consumer_secret: "simDemoConsumerSecret00000000000000000000000000".into(),
            access_token: "1700000000000000001-simDemoAccessToken0000000000000".into(),
            access_token_secret: "simDemoAccessTokenSecret000000000000000000000".into(),
            user_id: "1700000000000000001".into(),
            username: "postbridge_demo".into(),
            access_level: AccessLevel::ReadWrite,
        };
        let mut w = Self {
            modes,
            faults: HashMap::new(),
            apps: vec![App {
                name: "Postbridge Sim Demo".into(),
                consumer_key: demo.consumer_key.clone(),
                consumer_secret: demo.consumer_secret.clone(),
                permissions: AccessLevel::ReadWrite,
                native: true,
                callback_urls: vec!["http://127.0.0.1/callback".into()],
                suspended: false,
            }],
            accounts: vec![
                Account::new(
                    demo.user_id.clone(),
                    "Postbridge Demo",
                    demo.username.clone(),
                ),
                Account::new("1700000000000000002", "Other Person", "other_person"),
            ],
            tokens: HashMap::new(),
            request_tokens: HashMap::new(),
            request_token_order: VecDeque::new(),
            token_order: VecDeque::new(),
            posts: VecDeque::new(),
            media: HashMap::new(),
            nonces: HashMap::new(),
            buckets: HashMap::new(),
            ledger: VecDeque::new(),
            month_posts: 0,
            log: VecDeque::new(),
            log_seq: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            id_counter: 0,
            last_id: 0,
            demo: demo.clone(),
            oauth2: crate::oauth2::AuthServer::new(vec![crate::oauth2::RegisteredClient {
                client_id: crate::oauth2::DEMO_CLIENT_ID.into(),
                redirect_uris: crate::oauth2::DEMO_REDIRECT_URIS
                    .iter()
                    .map(|s| (*s).to_string())
                    .collect(),
            }]),
            limits,
        };
        w.tokens.insert(
            demo.access_token.clone(),
            Token {
                token: demo.access_token.clone(),
                secret: demo.access_token_secret.clone(),
                consumer_key: demo.consumer_key.clone(),
                account_id: demo.user_id.clone(),
                access_level: AccessLevel::ReadWrite,
                revoked: false,
            },
        );
        w
    }

    /// Virtual clock, ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        real.saturating_add(self.modes.clock_offset_secs.saturating_mul(1000))
    }

    /// The clock `oauth_timestamp` is checked against: real time plus
    /// `Modes::auth_clock_skew_secs`, in seconds.
    pub fn auth_now_secs(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        real.saturating_add(self.modes.auth_clock_skew_secs)
    }

    /// Uniform random `u64`.
    pub fn rand_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform random in `[0, 1)`.
    pub fn rand_f64(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A random alphanumeric string.
    pub fn rand_string(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| ALNUM[(self.rng.next_u64() % ALNUM.len() as u64) as usize] as char)
            .collect()
    }

    /// A new snowflake-like 19-digit id, strictly greater than every id issued before
    /// (X's ids order by creation, which `since_id`, `until_id` and timelines rely on).
    pub fn new_id(&mut self) -> String {
        self.id_counter += 1;
        let ms = self.now_ms().saturating_sub(1_288_834_974_657).max(0) as u64;
        let low = (self.id_counter + (self.rng.next_u64() & 0x3FF) * 4096) & 0x3F_FFFF;
        let id = (ms << 22) | low;
        // Keep 19 digits; never go back (same millisecond, or the virtual clock moved back).
        let id = id
            .max(1_000_000_000_000_000_000)
            .max(self.last_id.saturating_add(1));
        self.last_id = id;
        format!("{id}")
    }

    /// Looks up an app.
    pub fn app(&self, consumer_key: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.consumer_key == consumer_key)
    }

    /// Looks up an account by id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The modes as they apply to `account_id` (its overrides applied).
    pub fn effective_modes(&self, account_id: &str) -> Modes {
        let mut m = self.modes.clone();
        if let Some(a) = self.account(account_id) {
            if let Some(p) = a.premium {
                m.premium = p;
            }
            if let Some(l) = a.locked {
                m.locked = l;
            }
            if let Some(v) = a.v1_retired {
                m.v1_retired = v;
            }
        }
        m
    }

    /// Finds an account by id or username (`demo` = the demo account).
    pub fn find_account(&self, who: &str) -> Option<&Account> {
        if who == "demo" {
            return self.account(&self.demo.user_id);
        }
        let who = who.trim_start_matches('@');
        self.accounts
            .iter()
            .find(|a| a.id == who || a.username.eq_ignore_ascii_case(who))
    }

    /// Issues an access token pair with a fixed level.
    pub fn issue_token(
        &mut self,
        consumer_key: &str,
        account_id: &str,
        level: AccessLevel,
    ) -> Option<DemoCredentials> {
        let app = self.app(consumer_key)?.clone();
        let account = self.account(account_id)?.clone();
        let token = format!("{}-{}", account.id, self.rand_string(30));
        let secret = self.rand_string(45);
        self.tokens.insert(
            token.clone(),
            Token {
                token: token.clone(),
                secret: secret.clone(),
                consumer_key: app.consumer_key.clone(),
                account_id: account.id.clone(),
                access_level: level,
                revoked: false,
            },
        );
        self.token_order.push_back(token.clone());
        while self.token_order.len() > self.limits.access_tokens.max(1) {
            if let Some(old) = self.token_order.pop_front() {
                self.tokens.remove(&old);
            }
        }
        Some(DemoCredentials {
            consumer_key: app.consumer_key,
            consumer_secret: app.consumer_secret,
            access_token: token,
            access_token_secret: secret,
            user_id: account.id,
            username: account.username,
            access_level: level,
        })
    }

    /// Revokes every token of `(consumer_key, account_id)` and issues a new one at the
    /// app's current permission level (what "Regenerate" in the console does).
    pub fn regenerate(&mut self, consumer_key: &str, account_id: &str) -> Option<DemoCredentials> {
        let level = self.app(consumer_key)?.permissions;
        for t in self.tokens.values_mut() {
            if t.consumer_key == consumer_key && t.account_id == account_id {
                t.revoked = true;
            }
        }
        self.issue_token(consumer_key, account_id, level)
    }

    /// Appends a request log entry; returns its sequence number.
    pub fn log_request(&mut self, mut entry: RequestLogEntry) -> u64 {
        self.log_seq += 1;
        entry.seq = self.log_seq;
        if self.log.len() >= MAX_LOG {
            self.log.pop_front();
        }
        self.log.push_back(entry);
        self.log_seq
    }

    /// Sets the status of a logged request.
    pub fn log_status(&mut self, seq: u64, status: u16) {
        if let Some(e) = self.log.iter_mut().rev().find(|e| e.seq == seq) {
            e.status = status;
        }
    }

    /// Records a nonce; `false` if it was seen before (replay). Prunes old ones.
    pub fn check_nonce(
        &mut self,
        consumer_key: &str,
        nonce: &str,
        ts: i64,
        window_secs: i64,
    ) -> bool {
        let now = self.auth_now_secs();
        if self.nonces.len() > NONCE_PRUNE_AT {
            self.nonces
                .retain(|_, t| now.saturating_sub(*t).saturating_abs() <= window_secs);
        }
        let key = (consumer_key.to_string(), nonce.to_string());
        if self.nonces.contains_key(&key) {
            return false;
        }
        self.nonces.insert(key, ts);
        true
    }
    pub fn charge(&mut self, endpoint: &str, cost_usd: f64) {
        if self.modes.plan != Plan::PayPerUse || cost_usd == 0.0 {
            return;
        }
        self.modes.credits_usd -= cost_usd;
        let at_ms = self.now_ms();
        self.ledger.push_back(LedgerEntry {
            at_ms,
            endpoint: endpoint.to_string(),
            cost_usd,
            balance_usd: self.modes.credits_usd,
        });
        while self.ledger.len() > self.limits.ledger.max(1) {
            self.ledger.pop_front();
        }
    }

    /// Whether billed calls are refused for lack of credits.
    pub fn out_of_credits(&self) -> bool {
        self.modes.plan == Plan::PayPerUse && self.modes.credits_usd <= 0.0
    }

    /// Media expiry after INIT for a route (`v2` = 1295999 s), or the override.
    pub fn expiry_init_secs(&self, v2: bool) -> u64 {
        self.modes
            .media_expiry_secs
            .unwrap_or(if v2 { 1_295_999 } else { 86_400 })
    }

    /// Media expiry after FINALIZE / one-shot, or the override.
    pub fn expiry_final_secs(&self) -> u64 {
        self.modes.media_expiry_secs.unwrap_or(86_400)
    }

    /// The caps of this world.
    pub fn caps(&self) -> Limits {
        self.limits
    }

    /// Drops media objects that expired more than an hour ago (bounded memory for a
    /// long-running `postbridge sim`); called by [`World::insert_media`].
    pub fn prune_media(&mut self) {
        if self.media.len() < 256 {
            return;
        }
        let cutoff = self.now_ms().saturating_sub(3_600_000);
        self.media.retain(|_, m| m.expires_ms > cutoff);
    }

    /// Stores a new media object: prunes long-expired ones, then evicts the oldest (ids
    /// strictly increase, so the smallest id is the oldest object even if the virtual clock
    /// moved back) until it fits under `Limits::media`.
    pub fn insert_media(&mut self, id: String, md: Media) {
        self.prune_media();
        while !self.media.is_empty() && self.media.len() >= self.limits.media.max(1) {
            let oldest = self
                .media
                .values()
                .min_by(|a, b| (a.id.len(), &a.id).cmp(&(b.id.len(), &b.id)))
                .map(|m| m.id.clone());
            match oldest {
                Some(old) => {
                    self.media.remove(&old);
                }
                None => break,
            }
        }
        self.media.insert(id, md);
    }

    /// Appends a post, forgetting the oldest beyond `Limits::posts`.
    pub fn push_post(&mut self, post: Post) {
        self.posts.push_back(post);
        while self.posts.len() > self.limits.posts.max(1) {
            self.posts.pop_front();
        }
    }

    /// Stores a PIN-flow request token, forgetting the oldest beyond
    /// `Limits::request_tokens`.
    pub fn insert_request_token(&mut self, token: String, rt: RequestToken) {
        if self.request_tokens.insert(token.clone(), rt).is_none() {
            self.request_token_order.push_back(token);
        }
        while self.request_token_order.len() > self.limits.request_tokens.max(1) {
            if let Some(old) = self.request_token_order.pop_front() {
                self.request_tokens.remove(&old);
            }
        }
    }

    /// The faults for an endpoint (exact key first, then `*`).
    pub fn faults_for(&self, endpoint: &str) -> Faults {
        self.faults
            .get(endpoint)
            .or_else(|| self.faults.get("*"))
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_19_digits_and_deterministic_per_seed() {
        let mut a = World::new(7, Modes::default());
        let mut b = World::new(7, Modes::default());
        assert_eq!(a.rand_string(12), b.rand_string(12));
        let id = a.new_id();
        assert_eq!(id.len(), 19);
        assert!(id.bytes().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn media_eviction_follows_ids_not_the_virtual_clock() {
        let limits = Limits {
            media: 2,
            ..Limits::default()
        };
        let mut w = World::with_limits(1, Modes::default(), limits);
        let mut ids = Vec::new();
        for i in 0..4 {
            if i == 2 {
                // created "earlier" by the clock, but later in fact
                w.modes.clock_offset_secs = -86_400;
            }
            let id = w.new_id();
            let now = w.now_ms();
            let md = Media::new(
                id.clone(),
                "1".into(),
                None,
                None,
                None,
                crate::media::UploadRoute::V1,
                now,
                3600,
            );
            w.insert_media(id.clone(), md);
            ids.push(id);
        }
        let mut kept: Vec<_> = w.media.keys().cloned().collect();
        kept.sort();
        assert_eq!(kept, ids[2..]);
    }

    #[test]
    fn zero_caps_keep_the_newest_entry() {
        let limits = Limits {
            posts: 0,
            request_tokens: 0,
            ..Limits::default()
        };
        let mut w = World::with_limits(1, Modes::default(), limits);
        for i in 0..3 {
            w.push_post(Post {
                id: format!("{i}"),
                text: String::new(),
                author_id: "1".into(),
                created_at_ms: 0,
                media_ids: Vec::new(),
                in_reply_to_tweet_id: None,
                quote_tweet_id: None,
                poll_options: Vec::new(),
                deleted: false,
            });
            w.insert_request_token(
                format!("rt{i}"),
                RequestToken {
                    secret: String::new(),
                    consumer_key: String::new(),
                    requested: None,
                    approved: None,
                    used: false,
                },
            );
        }
        assert_eq!(w.posts.len(), 1);
        assert_eq!(w.posts[0].id, "2");
        assert_eq!(w.request_tokens.keys().collect::<Vec<_>>(), ["rt2"]);
    }

    #[test]
    fn ids_increase_even_when_the_clock_goes_back() {
        let mut w = World::new(3, Modes::default());
        let mut last: u64 = w.new_id().parse().unwrap();
        for i in 0..200 {
            if i == 100 {
                w.modes.clock_offset_secs = -3600;
            }
            let id: u64 = w.new_id().parse().unwrap();
            assert!(id > last, "{id} after {last}");
            last = id;
        }
    }
}
