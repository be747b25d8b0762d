//! Publishing against the simulator (its duplicate filter off): a thread with an image, a
//! failing part then resume, crash recovery of armed parts by read-back, one writer per draft,
//! account binding, edits during a post, cancellation during a video upload.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::samples;
use composer::{
    attach, ArmedResolution, Draft, HistoryKind, Part, PartStatus, PublishEvent, PublishOptions,
    Publisher, Store,
};
use x_client::{CancellationToken, ErrorKind, PostRequest, UploadRoute};
use x_sim::Faults;

fn publisher(s: &x_sim::SimHandle, store: &Store) -> Publisher {
    Publisher::new(common::client(s), store.clone(), "demo".into())
        .with_username(Some(s.demo().username))
}

fn events() -> (
    Arc<Mutex<Vec<PublishEvent>>>,
    impl Fn(PublishEvent) + Send + Sync + 'static,
) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l2 = log.clone();
    (log, move |e| l2.lock().unwrap().push(e))
}

fn text_part(t: &str) -> Part {
    Part {
        text: t.into(),
        ..Part::default()
    }
}

fn count(s: &x_sim::SimHandle, text: &str) -> usize {
    common::live_posts(s)
        .iter()
        .filter(|p| p.text == text)
        .count()
}

#[tokio::test]
async fn thread_with_image_posts_a_reply_chain() {
    let s = common::sim().await;
    s.set_plan(x_sim::Plan::Pro); // a plan with post limits, so rate-limit headers come back
    let dir = common::tmp_dir("thread");
    let store = Store::open(&dir.join("c.sqlite3")).unwrap();
    let img = common::write(&dir, "pic.png", &samples::png(120, 80, 0));
    let mut d = store.draft().unwrap();
    d.parts = vec![
        text_part("1/3 hello"),
        text_part("2/3 more"),
        text_part("3/3 end"),
    ];
    let mut a = attach(&img, &d.parts[0]).unwrap();
    a.alt = Some("a test pattern".into());
    d.parts[0].media.push(a);
    store.save_draft(&d).unwrap();

    let (log, on_event) = events();
    let p = publisher(&s, &store)
        .publish(
            &d.id,
            PublishOptions {
                on_event: Some(Arc::new(on_event)),
                ..PublishOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.ids.len(), 3);
    assert!(p.id_unknown.is_empty());
    let user = s.demo().username;
    assert_eq!(
        p.links[0],
        format!("https://x.com/{user}/status/{}", p.ids[0])
    );
    assert!(p.rate_limit.is_some());

    let posts = common::live_posts(&s);
    assert_eq!(posts.len(), 3);
    let by_id = |id: &str| posts.iter().find(|x| x.id == id).unwrap().clone();
    let (p0, p1, p2) = (by_id(&p.ids[0]), by_id(&p.ids[1]), by_id(&p.ids[2]));
    assert_eq!(p0.text, "1/3 hello");
    assert_eq!(p0.in_reply_to_tweet_id, None);
    assert_eq!(p1.in_reply_to_tweet_id.as_deref(), Some(p0.id.as_str()));
    assert_eq!(p2.in_reply_to_tweet_id.as_deref(), Some(p1.id.as_str()));
    assert_eq!(p0.media_ids.len(), 1);
    let m = s
        .media()
        .into_iter()
        .find(|m| m.id == p0.media_ids[0])
        .unwrap();
    assert_eq!(m.alt_text.as_deref(), Some("a test pattern"));

    let ev = log.lock().unwrap().clone();
    assert!(ev.iter().any(|e| matches!(e, PublishEvent::Uploading { part: 0, bytes_sent, total, .. } if bytes_sent == total)));
    let posted: Vec<usize> = ev
        .iter()
        .filter_map(|e| match e {
            PublishEvent::Posted { part, id: Some(_) } => Some(*part),
            _ => None,
        })
        .collect();
    assert_eq!(posted, vec![0, 1, 2]);
    let json = serde_json::to_value(&ev[0]).unwrap();
    assert_eq!(json["stage"], "uploading");

    let h = store.history(10).unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0].part, Some(2), "newest first");
    assert_eq!(h[2].media_count, 1);
    assert_eq!(h[2].post_id.as_deref(), Some(p.ids[0].as_str()));
    assert_eq!(h[2].link.as_deref(), Some(p.links[0].as_str()));
    assert!(h
        .iter()
        .all(|e| e.kind == HistoryKind::Posted && e.account == "demo"));
    // Each posted id is known as one of ours (a reply to it is a thread); others are not.
    for id in &p.ids {
        assert!(store.posted_here(id, Some("demo")).unwrap(), "{id}");
        assert!(store.posted_here(id, None).unwrap(), "{id}");
        assert!(
            !store.posted_here(id, Some("other")).unwrap(),
            "another account's: {id}"
        );
    }
    assert!(!store.posted_here("1234567890123", None).unwrap());

    // The draft is cleared; a late save of the old one from the UI is ignored.
    let fresh = store.draft().unwrap();
    assert_ne!(fresh.id, d.id);
    assert_eq!(fresh.parts, vec![Part::default()]);
    store.save_draft(&d).unwrap();
    assert_eq!(store.draft().unwrap().id, fresh.id);
    // Publishing it again sends nothing.
    let again = publisher(&s, &store)
        .publish(&d.id, PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(again.ids, p.ids);
    assert_eq!(common::live_posts(&s).len(), 3);
    s.shutdown().await;
}

#[tokio::test]
async fn failed_second_part_resumes_without_reposting() {
    let s = common::sim().await;
    let dir = common::tmp_dir("resume");
    let store = Store::open(&dir.join("c.sqlite3")).unwrap();
    let img = common::write(&dir, "pic.png", &samples::png(40, 40, 0));
    let mut d = Draft::new();
    d.parts = vec![
        text_part("part one"),
        text_part(&"x".repeat(300)), // over 280 on a standard account: X refuses it
        text_part("part three"),
    ];
    let a = attach(&img, &d.parts[1]).unwrap();
    d.parts[1].media.push(a);
    store.save_draft(&d).unwrap();
    let pb = publisher(&s, &store);
    let e = pb
        .publish(
            &d.id,
            PublishOptions {
                route: UploadRoute::V2,
                ..PublishOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.part, 1);
    assert_eq!(e.diagnosis.kind, ErrorKind::TextTooLong);
    assert_eq!(e.posted.len(), 1);
    assert!(e.to_string().contains("part 2"), "{e}");
    let h = store.history(10).unwrap();
    assert_eq!(h[0].kind, HistoryKind::Failed);
    assert_eq!(
        h[0].diagnosis.as_ref().unwrap().kind,
        ErrorKind::TextTooLong
    );

    // The app reloads, fixes part 2 (and tries to edit the posted part 1: kept as posted).
    let mut d2 = store.draft().unwrap();
    assert_eq!(d2.id, d.id);
    assert_eq!(d2.parts[0].status, PartStatus::Posted);
    assert_eq!(d2.parts[0].posted_id.as_deref(), Some(e.posted[0].as_str()));
    assert_eq!(d2.parts[1].status, PartStatus::Draft);
    assert!(d2.parts[1].media[0].media_id.is_some(), "uploaded id kept");
    d2.parts[0].text = "edited after posting".into();
    d2.parts[1].text = "part two".into();
    store.save_draft(&d2).unwrap();
    assert_eq!(store.draft().unwrap().parts[0].text, "part one");
    let media_before = s.media().len();

    let p = pb
        .publish(
            &d.id,
            PublishOptions {
                route: UploadRoute::V2,
                ..PublishOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.ids.len(), 3);
    assert_eq!(p.ids[0], e.posted[0]);
    assert_eq!(
        s.media().len(),
        media_before,
        "the image was not uploaded again"
    );
    for t in ["part one", "part two", "part three"] {
        assert_eq!(count(&s, t), 1, "{t}");
    }
    assert_eq!(common::live_posts(&s).len(), 3);
    let posts = common::live_posts(&s);
    let two = posts.iter().find(|x| x.text == "part two").unwrap();
    assert_eq!(two.in_reply_to_tweet_id.as_deref(), Some(p.ids[0].as_str()));
    assert_eq!(two.media_ids.len(), 1);

    // Second scenario: part 2's send has an unknown outcome (503 twice) → stays armed →
    // resume checks it with one re-send → still one copy of each.
    let mut d = Draft::new();
    d.parts = vec![text_part("u one"), text_part("u two"), text_part("u three")];
    store.save_draft(&d).unwrap();
    let s2 = s.clone();
    let on_event = move |e: PublishEvent| {
        if matches!(e, PublishEvent::Posting { part: 1 }) {
            s2.set_faults(
                "POST /2/tweets",
                Faults {
                    error_rate: 1.0,
                    error_status: 503,
                    ..Faults::default()
                },
            );
        }
    };
    let e = pb
        .publish(
            &d.id,
            PublishOptions {
                route: UploadRoute::V2,
                on_event: Some(Arc::new(on_event)),
                ..PublishOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.part, 1);
    // A 503 on a post leaves its outcome open: read back, not found, so "may have posted".
    assert_eq!(e.diagnosis.kind, ErrorKind::OutcomeUnknown);
    assert_eq!(e.diagnosis.status, Some(503));
    assert_eq!(
        store.draft().unwrap().parts[1].status,
        PartStatus::MayHavePosted
    );
    s.clear_faults();
    let e = pb
        .publish(
            &d.id,
            PublishOptions {
                route: UploadRoute::V2,
                ..PublishOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.diagnosis.kind,
        ErrorKind::OutcomeUnknown,
        "never re-sent on its own"
    );
    assert_eq!(count(&s, "u two"), 0);
    // The person checked: not there. "Post it again".
    store
        .resolve_armed(&d.id, 1, ArmedResolution::NotPosted)
        .unwrap();
    let p = pb
        .publish(
            &d.id,
            PublishOptions {
                route: UploadRoute::V2,
                ..PublishOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.ids.len(), 3);
    for t in ["u one", "u two", "u three"] {
        assert_eq!(count(&s, t), 1, "{t}");
    }
    s.shutdown().await;
}

async fn publish(pb: &Publisher, id: &str) -> Result<composer::Published, composer::PublishError> {
    pb.publish(id, PublishOptions::default()).await
}

fn arm(store: &Store, d: &Draft, i: usize, req: &PostRequest) {
    store.arm_part(&d.id, i, &d.parts[i], req, "demo").unwrap();
}

#[tokio::test]
async fn armed_part_after_a_crash_is_read_back_never_resent() {
    let s = common::sim().await;
    let dir = common::tmp_dir("crash");
    let db = dir.join("c.sqlite3");
    let c = common::client(&s);

    // A: the app armed the part and died before sending. On restart the read-back does not
    // find it: "may have posted", and nothing is sent until the person decides.
    let id = {
        let store = Store::open(&db).unwrap();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "crash test A".into();
        store.save_draft(&d).unwrap();
        arm(&store, &d, 0, &PostRequest::text("crash test A"));
        d.id
    };
    let store = Store::open(&db).unwrap(); // restart
    assert_eq!(store.draft().unwrap().parts[0].status, PartStatus::Armed);
    let pb = publisher(&s, &store);
    let e = publish(&pb, &id).await.unwrap_err();
    assert_eq!(e.diagnosis.kind, ErrorKind::OutcomeUnknown);
    assert_eq!(
        e.profile_link.as_deref(),
        Some(format!("https://x.com/{}", s.demo().username).as_str())
    );
    assert_eq!(count(&s, "crash test A"), 0);
    assert_eq!(
        store.draft_by_id(&id).unwrap().parts[0].status,
        PartStatus::MayHavePosted
    );
    // Publishing again sends nothing while the person has not decided.
    let e = publish(&pb, &id).await.unwrap_err();
    assert_eq!(e.diagnosis.kind, ErrorKind::OutcomeUnknown);
    assert_eq!(count(&s, "crash test A"), 0);
    // "Post it again".
    store
        .resolve_armed(&id, 0, ArmedResolution::NotPosted)
        .unwrap();
    let p = publish(&pb, &id).await.unwrap();
    assert_eq!(p.ids.len(), 1);
    assert_eq!(count(&s, "crash test A"), 1);

    // B: the send reached X and created the post; the app died before confirming. The
    // read-back finds it with its id, and part 2 replies to it.
    let mut d = Draft::new();
    d.parts = vec![
        text_part("crash test B & co"),
        text_part("crash test B, part 2"),
    ];
    store.save_draft(&d).unwrap();
    arm(&store, &d, 0, &PostRequest::text("crash test B & co"));
    let first = c
        .post(&PostRequest::text("crash test B & co"))
        .await
        .unwrap()
        .id;
    let p = publish(&pb, &d.id).await.unwrap();
    assert_eq!(count(&s, "crash test B & co"), 1);
    assert_eq!(p.ids[0], first, "confirmed with the id read back");
    let reply = common::live_posts(&s)
        .into_iter()
        .find(|x| x.text == "crash test B, part 2")
        .unwrap();
    assert_eq!(reply.in_reply_to_tweet_id.as_deref(), Some(first.as_str()));
    let h = store.history(2).unwrap();
    assert!(
        h[1].note.as_deref().unwrap_or("").contains("found"),
        "{h:?}"
    );

    // C: media only, created before the crash: matched by media count, not text.
    let img = common::write(&dir, "m.png", &samples::png(40, 40, 0));
    let mut d = Draft::new();
    let a = attach(&img, &d.parts[0]).unwrap();
    d.parts[0].media.push(a);
    store.save_draft(&d).unwrap();
    let up = c
        .upload(&img, x_client::UploadOptions::default())
        .await
        .unwrap();
    let req = PostRequest {
        media_ids: vec![up.media_id],
        ..PostRequest::default()
    };
    arm(&store, &d, 0, &req);
    let made = c.post(&req).await.unwrap().id;
    let before = common::live_posts(&s).len();
    let p = publish(&pb, &d.id).await.unwrap();
    assert_eq!(p.ids, vec![made]);
    assert_eq!(common::live_posts(&s).len(), before);

    // D: created, but reads are refused: "may have posted"; the person says "It's on X"
    // with the link, and part 2 replies to that id.
    let mut d = Draft::new();
    d.parts = vec![text_part("crash test D"), text_part("crash test D, part 2")];
    store.save_draft(&d).unwrap();
    arm(&store, &d, 0, &PostRequest::text("crash test D"));
    let made = c.post(&PostRequest::text("crash test D")).await.unwrap().id;
    s.update_modes(|m| m.reads_refused = Some(403));
    let e = publish(&pb, &d.id).await.unwrap_err();
    s.update_modes(|m| m.reads_refused = None);
    assert_eq!(e.diagnosis.kind, ErrorKind::OutcomeUnknown);
    assert_eq!(count(&s, "crash test D"), 1);
    assert!(store
        .resolve_armed(
            &d.id,
            0,
            ArmedResolution::Posted {
                id: Some("not a link".into())
            }
        )
        .is_err());
    store
        .resolve_armed(
            &d.id,
            0,
            ArmedResolution::Posted {
                id: Some(format!("https://x.com/{}/status/{made}", s.demo().username)),
            },
        )
        .unwrap();
    publish(&pb, &d.id).await.unwrap();
    let reply = common::live_posts(&s)
        .into_iter()
        .find(|x| x.text == "crash test D, part 2")
        .unwrap();
    assert_eq!(reply.in_reply_to_tweet_id.as_deref(), Some(made.as_str()));
    assert_eq!(count(&s, "crash test D"), 1);

    // E: "It's on X" without a link: the id is read back before part 2 replies to it.
    let mut d = Draft::new();
    d.parts = vec![text_part("crash test E"), text_part("crash test E, part 2")];
    store.save_draft(&d).unwrap();
    arm(&store, &d, 0, &PostRequest::text("crash test E"));
    let made = c.post(&PostRequest::text("crash test E")).await.unwrap().id;
    s.update_modes(|m| m.reads_refused = Some(429));
    publish(&pb, &d.id).await.unwrap_err();
    s.update_modes(|m| m.reads_refused = None);
    store
        .resolve_armed(&d.id, 0, ArmedResolution::Posted { id: None })
        .unwrap();
    publish(&pb, &d.id).await.unwrap();
    let reply = common::live_posts(&s)
        .into_iter()
        .find(|x| x.text == "crash test E, part 2")
        .unwrap();
    assert_eq!(reply.in_reply_to_tweet_id.as_deref(), Some(made.as_str()));
    s.shutdown().await;
}

#[tokio::test]
async fn one_writer_per_draft_bound_account_and_read_only_parts() {
    let s = common::sim().await;
    let dir = common::tmp_dir("writers");
    let db = dir.join("w.sqlite3");
    let a = Store::open(&db).unwrap();
    let b = Store::open(&db).unwrap(); // another process's connection
    let mut d = a.draft().unwrap();
    d.parts = vec![text_part("writer one"), text_part("writer two")];
    a.save_draft(&d).unwrap();

    // The OS lock is per open file: a second store (as in a second process) is refused.
    let guard = a.begin_publish(&d.id).unwrap();
    assert!(matches!(
        b.begin_publish(&d.id),
        Err(composer::ComposerError::Busy)
    ));
    assert!(matches!(
        a.begin_publish(&d.id),
        Err(composer::ComposerError::Busy)
    ));
    let e = publish(&publisher(&s, &b), &d.id).await.unwrap_err();
    assert!(
        e.diagnosis.detail.contains("posting this right now"),
        "{}",
        e.diagnosis.detail
    );
    drop(guard);
    assert_eq!(common::live_posts(&s).len(), 0);

    // Arming is conditional: a part armed elsewhere is never armed again.
    arm(&a, &d, 0, &PostRequest::text("writer one"));
    assert!(matches!(
        b.arm_part(
            &d.id,
            0,
            &d.parts[0],
            &PostRequest::text("writer one"),
            "demo"
        ),
        Err(composer::ComposerError::Busy)
    ));
    // The draft is bound to the account that armed it.
    assert_eq!(
        b.draft_by_id(&d.id).unwrap().account.as_deref(),
        Some("demo")
    );
    let other = Publisher::new(common::client(&s), b.clone(), "work".into());
    let e = publish(&other, &d.id).await.unwrap_err();
    assert!(
        e.diagnosis
            .detail
            .contains("started from the account \"demo\""),
        "{}",
        e.diagnosis.detail
    );
    assert_eq!(common::live_posts(&s).len(), 0);

    // An armed part cannot be removed, nor can one before it (PB-04).
    assert!(a.remove_part(&d.id, 0).is_err());
    let mut three = a.draft_by_id(&d.id).unwrap();
    three.parts.push(text_part("writer three"));
    a.save_draft(&three).unwrap();
    let after = a.remove_part(&d.id, 1).unwrap();
    assert_eq!(after.parts.len(), 2);
    assert_eq!(after.parts[0].text, "writer one");
    assert_eq!(after.parts[1].text, "writer three");
    assert_eq!(after.parts[0].status, PartStatus::Armed);
    s.shutdown().await;
}

#[tokio::test]
async fn edits_made_while_posting_are_kept() {
    let s = common::sim().await;
    let dir = common::tmp_dir("edits");
    let store = Store::open(&dir.join("e.sqlite3")).unwrap();
    let mut d = store.draft().unwrap();
    d.parts = vec![text_part("sent as clicked")];
    store.save_draft(&d).unwrap();
    // Slow the post so the "typing" below happens while it is in flight.
    s.set_faults(
        "POST /2/tweets",
        Faults {
            latency_ms: 400,
            ..Faults::default()
        },
    );
    let pb = publisher(&s, &store);
    let id = d.id.clone();
    let task = tokio::spawn(async move { publish(&pb, &id).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    // The person edits the part being sent and adds a part meanwhile.
    let mut edit = d.clone();
    edit.parts[0].text = "edited during the post".into();
    edit.parts.push(text_part("added during the post"));
    store.save_draft(&edit).unwrap();
    task.await.unwrap().unwrap();
    s.clear_faults();
    assert_eq!(count(&s, "sent as clicked"), 1);
    assert_eq!(count(&s, "edited during the post"), 0);
    // The added part is not lost: it is the new current draft.
    let now = store.draft().unwrap();
    assert_ne!(now.id, d.id);
    assert_eq!(now.parts.len(), 1);
    assert_eq!(now.parts[0].text, "added during the post");
    s.shutdown().await;
}

#[tokio::test]
async fn cancel_during_video_upload() {
    let s = common::sim().await;
    s.update_modes(|m| {
        m.processing_ms = 60_000;
        m.check_after_secs = 1;
    });
    let dir = common::tmp_dir("cancel");
    let store = Store::open_in_memory().unwrap();
    let video = common::write(&dir, "v.mp4", &samples::mp4(300 * 1024));
    let mut d = store.draft().unwrap();
    d.parts[0].text = "a video".into();
    let a = attach(&video, &d.parts[0]).unwrap();
    d.parts[0].media.push(a);
    store.save_draft(&d).unwrap();
    let token = CancellationToken::new();
    let t2 = token.clone();
    let (log, record) = events();
    let on_event = move |e: PublishEvent| {
        if matches!(e, PublishEvent::Processing { .. }) {
            t2.cancel();
        }
        record(e);
    };
    let e = publisher(&s, &store)
        .publish(
            &d.id,
            PublishOptions {
                route: UploadRoute::V2,
                on_event: Some(Arc::new(on_event)),
                cancel: Some(token),
                ..PublishOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.part, 0);
    assert_eq!(e.diagnosis.kind, ErrorKind::Cancelled);
    assert!(common::live_posts(&s).is_empty());
    let ev = log.lock().unwrap().clone();
    assert!(ev
        .iter()
        .any(|e| matches!(e, PublishEvent::Uploading { bytes_sent, .. } if *bytes_sent > 0)));
    let back = store.draft().unwrap();
    assert_eq!(back.id, d.id, "the draft is kept");
    assert_eq!(back.parts[0].status, PartStatus::Draft);
    assert!(
        store.history(5).unwrap().is_empty(),
        "a cancel is not a failure"
    );
    s.shutdown().await;
}
