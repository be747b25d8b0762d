//! The queue's exactly-once campaign (docs/reliability.md): N due items (text, image, 2-part
//! threads), R `postbridge-cli queue run --once` processes started together, round after
//! round, with seeded random SIGKILLs at any moment of a run (uploads, the post, the
//! read-back), against the simulator with its duplicate filter off and `POST /2/tweets`
//! slow and sometimes losing its answer after creating the post (503 after commit). Rounds
//! go on until every item is settled; an item that "may have posted" (a runner killed after
//! arming, before X got the post: the read-back cannot find it) is settled like a person
//! would, by looking at the simulator's record. Then every part must exist exactly once on the
//! simulator (no double, none lost), threads chained, and each item's post ids right.
//!
//! Sizes: `QUEUE_CAMPAIGN_ITEMS` (default 20), `QUEUE_CAMPAIGN_RUNNERS` (3),
//! `QUEUE_CAMPAIGN_KILL` (kill probability per runner per round, percent, default 50),
//! `QUEUE_CAMPAIGN_KILL_MS` (kills land 0..this many ms into a round; default 20 per item, at
//! least 500), seed
//! `CAMPAIGN_SEED`. Prints one `campaign queue …` line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use composer::queue::{Due, ItemState, NewItem, NewPart, Queue};
use x_sim::{Faults, SimHandle};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env_for(s: &SimHandle, dir: &std::path::Path) -> HashMap<String, String> {
    let d = s.demo();
    HashMap::from([
        ("X_API_KEY".to_string(), d.consumer_key.clone()),
        ("X_API_SECRET".to_string(), d.consumer_secret.clone()),
        ("X_ACCESS_TOKEN".to_string(), d.access_token.clone()),
        ("X_ACCESS_SECRET".to_string(), d.access_token_secret.clone()),
        ("POSTBRIDGE_API_BASE".to_string(), s.api_base()),
        ("POSTBRIDGE_UPLOAD_BASE".to_string(), s.upload_base()),
        (
            "POSTBRIDGE_DATA_DIR".to_string(),
            dir.to_string_lossy().into_owned(),
        ),
        (
            "POSTBRIDGE_CONFIG_DIR".to_string(),
            dir.join("config").to_string_lossy().into_owned(),
        ),
        (
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_default(),
        ),
    ])
}

fn runner(env: &HashMap<String, String>) -> Process {
    let mut c = Process::new(env!("CARGO_BIN_EXE_postbridge-cli"));
    c.args(["queue", "run", "--once", "--json"])
        .env_clear()
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn texts(i: usize) -> Vec<String> {
    let parts = if i % 7 == 3 { 2 } else { 1 };
    (0..parts)
        .map(|k| format!("queue campaign #{i} part {k} <ok> & example.com/{i}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_campaign() {
    let n = size("QUEUE_CAMPAIGN_ITEMS", 20);
    let runners = size("QUEUE_CAMPAIGN_RUNNERS", 3);
    let kill_pct = size("QUEUE_CAMPAIGN_KILL", 50) as u32;
    let seed = size("CAMPAIGN_SEED", 20261202) as u64;
    let s = testkit::sim().await;
    s.update_modes(|m| m.duplicate_window_secs = 0);
    s.set_faults(
        "*",
        Faults {
            latency_ms: 2,
            jitter_ms: 10,
            ..Faults::default()
        },
    );
    s.set_faults(
        "POST /2/tweets",
        Faults {
            latency_ms: 10,
            jitter_ms: 60,
            error_rate: 0.15,
            error_status: 503,
            error_after_commit: true,
            ..Faults::default()
        },
    );
    let dir = testkit::tmp_dir(&format!("queue-campaign-{}", composer::new_id()));
    let env = env_for(&s, &dir);
    let queue = postbridge_cli::queue::open_queue(&env).unwrap();
    let demo = s.demo();
    let now = jiff::Timestamp::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let media = if i % 10 == 0 {
            let p = dir.join(format!("img{i}.png"));
            std::fs::write(&p, testkit::samples::png(32, 32, i)).unwrap();
            vec![(p, Some(format!("picture {i}")))]
        } else {
            vec![]
        };
        let parts = texts(i)
            .into_iter()
            .enumerate()
            .map(|(k, text)| NewPart {
                text,
                media: if k == 0 { media.clone() } else { vec![] },
            })
            .collect();
        let item = queue
            .schedule(
                NewItem {
                    account: format!("user:{}", demo.user_id),
                    username: Some(demo.username.clone()),
                    parts,
                    reply_to: None,
                    upload_route: x_client::UploadRoute::Auto,
                    due: Due {
                        at: now,
                        text: now.to_string(),
                        zone: None,
                    },
                    late_limit: Some(24 * 3600),
                },
                now,
            )
            .unwrap();
        ids.push(item.id);
    }

    let mut rng = fastrand::Rng::with_seed(seed ^ 0x7175_6575);
    // Kills land anywhere in a round: its length grows with the number of items.
    let kill_window_ms = size("QUEUE_CAMPAIGN_KILL_MS", (n * 20).max(500)) as u64;
    let started = Instant::now();
    let (mut rounds, mut spawned, mut killed_mid) = (0usize, 0usize, 0usize);
    let (mut may_have_posted, mut resolutions) = (0usize, 0usize);
    let settled = |q: &Queue| {
        q.list()
            .unwrap()
            .iter()
            .all(|i| !matches!(i.state, ItemState::Scheduled | ItemState::Posting))
    };
    while !settled(&queue) {
        rounds += 1;
        assert!(rounds <= 200, "the queue did not settle in 200 rounds");
        let kills: Vec<Option<u64>> = (0..runners)
            .map(|_| (rng.u32(0..100) < kill_pct).then(|| rng.u64(0..kill_window_ms)))
            .collect();
        let children: Vec<_> = kills
            .iter()
            .map(|_| runner(&env).spawn().unwrap())
            .collect();
        spawned += children.len();
        let results = tokio::task::spawn_blocking(move || {
            let handles: Vec<_> = children
                .into_iter()
                .zip(kills)
                .map(|(mut child, kill)| {
                    std::thread::spawn(move || {
                        let mut mid = false;
                        if let Some(ms) = kill {
                            std::thread::sleep(Duration::from_millis(ms));
                            if child.try_wait().unwrap().is_none() {
                                mid = true;
                                child.kill().unwrap(); // SIGKILL on Unix
                            }
                        }
                        child.wait().unwrap();
                        mid
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        killed_mid += results.iter().filter(|m| **m).count();
        // "May have posted": the person looks at the profile (the simulator's record) and
        // says "It's on X" (with its link) or "Post it again", as in the composer campaigns.
        for item in queue.list().unwrap() {
            if item.state != ItemState::MayHavePosted {
                continue;
            }
            may_have_posted += 1;
            let draft = queue.store().draft_by_id(&item.draft_id).unwrap();
            let part = draft
                .parts
                .iter()
                .position(|p| p.status == composer::PartStatus::MayHavePosted)
                .unwrap();
            let on_x = s
                .posts()
                .into_iter()
                .find(|p| !p.deleted && p.text == draft.parts[part].text);
            let resolution = match on_x {
                Some(p) => composer::ArmedResolution::Posted { id: Some(p.id) },
                None => composer::ArmedResolution::NotPosted,
            };
            queue
                .resolve(&item.id, resolution, jiff::Timestamp::now())
                .unwrap();
            resolutions += 1;
        }
    }

    // Verify against the simulator's record.
    let posts = s.posts();
    let (mut double, mut lost, mut broken, mut wrong_ids) = (0, 0, 0, 0);
    let mut parts_total = 0;
    for (i, id) in ids.iter().enumerate() {
        let item = queue.get(id).unwrap();
        assert_eq!(item.state, ItemState::Posted, "{item:?}");
        let mut prev: Option<String> = None;
        for (k, text) in texts(i).iter().enumerate() {
            parts_total += 1;
            let found: Vec<_> = posts
                .iter()
                .filter(|p| !p.deleted && p.text == *text)
                .collect();
            match found.len() {
                0 => lost += 1,
                1 => {}
                _ => double += found.len() - 1,
            }
            if let Some(p) = found.first() {
                if item.post_ids.get(k) != Some(&p.id) {
                    wrong_ids += 1;
                }
                if p.in_reply_to_tweet_id != prev {
                    broken += 1;
                }
                prev = Some(p.id.clone());
            }
        }
    }
    let tweet_requests = s
        .requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/tweets")
        .count();
    println!(
        "campaign queue: seed={seed} items={n} parts={parts_total} runners={runners} rounds={rounds} runner_processes={spawned} killed_mid_run={killed_mid} post_requests={tweet_requests} may_have_posted={may_have_posted} person_resolutions={resolutions} double_posts={double} lost_parts={lost} broken_chains={broken} wrong_ids={wrong_ids} secs={:.1}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!((double, lost, broken, wrong_ids), (0, 0, 0, 0));
    s.shutdown().await;
}
