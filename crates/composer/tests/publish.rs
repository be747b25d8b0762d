//! Publishing against the simulator: a thread with an image, a failing part then resume,
//! crash recovery of an armed part, cancellation during a video upload.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use composer::{
    attach, ArmedResolution, Draft, HistoryKind, Part, PartStatus, PublishEvent, Publisher, Store,
};
use x_client::media::samples;
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
            UploadRoute::Auto,
            None,
            on_event,
            CancellationToken::new(),
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

    // The draft is cleared; a late save of the old one from the UI is ignored.
    let fresh = store.draft().unwrap();
    assert_ne!(fresh.id, d.id);
    assert_eq!(fresh.parts, vec![Part::default()]);
    store.save_draft(&d).unwrap();
    assert_eq!(store.draft().unwrap().id, fresh.id);
    // Publishing it again sends nothing.
    let again = publisher(&s, &store)
        .publish(
            &d.id,
            UploadRoute::Auto,
            None,
            |_| {},
            CancellationToken::new(),
        )
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
            UploadRoute::V2,
            None,
            |_| {},
            CancellationToken::new(),
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
            UploadRoute::V2,
            None,
            |_| {},
            CancellationToken::new(),
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
            UploadRoute::V2,
            None,
            on_event,
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.part, 1);
    assert_eq!(e.diagnosis.kind, ErrorKind::ServerError);
    assert_eq!(store.draft().unwrap().parts[1].status, PartStatus::Armed);
    s.clear_faults();
    let p = pb
        .publish(
            &d.id,
            UploadRoute::V2,
            None,
            |_| {},
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(p.ids.len(), 3);
    for t in ["u one", "u two", "u three"] {
        assert_eq!(count(&s, t), 1, "{t}");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn armed_part_after_a_crash_is_never_posted_twice() {
    let s = common::sim().await;
    let dir = common::tmp_dir("crash");
    let db = dir.join("c.sqlite3");
    let c = common::client(&s);

    // A: the app armed the part and died before sending. On restart, the check re-send meets
    // a 503 after X created the post; x-client's single re-send gets "duplicate".
    let id = {
        let store = Store::open(&db).unwrap();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "crash test A".into();
        store.save_draft(&d).unwrap();
        store
            .arm_part(&d.id, 0, &d.parts[0], &PostRequest::text("crash test A"))
            .unwrap();
        d.id
    };
    let store = Store::open(&db).unwrap(); // restart
    assert_eq!(store.draft().unwrap().parts[0].status, PartStatus::Armed);
    s.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            error_after_commit: true,
            ..Faults::default()
        },
    );
    let s3 = s.clone();
    let clear = tokio::spawn(async move {
        for _ in 0..2000 {
            if s3.posts().iter().any(|p| p.text == "crash test A") {
                s3.clear_faults();
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let pb = publisher(&s, &store);
    let p = pb
        .publish(
            &id,
            UploadRoute::Auto,
            None,
            |_| {},
            CancellationToken::new(),
        )
        .await
        .unwrap();
    clear.await.unwrap();
    assert_eq!(count(&s, "crash test A"), 1);
    assert_eq!(p.ids.len() + p.id_unknown.len(), 1);
    let h = store.history(1).unwrap();
    assert_eq!(h[0].kind, HistoryKind::Posted);
    assert!(h[0].note.is_some(), "the resolution is recorded");

    // B: the send reached X and created the post; the app died before confirming.
    let mut d = Draft::new();
    d.parts = vec![text_part("crash test B"), text_part("crash test B, part 2")];
    store.save_draft(&d).unwrap();
    store
        .arm_part(&d.id, 0, &d.parts[0], &PostRequest::text("crash test B"))
        .unwrap();
    c.post(&PostRequest::text("crash test B")).await.unwrap();
    let p = pb
        .publish(
            &d.id,
            UploadRoute::Auto,
            None,
            |_| {},
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(count(&s, "crash test B"), 1);
    assert_eq!(count(&s, "crash test B, part 2"), 1);
    assert_eq!(p.id_unknown, vec![0], "confirmed as posted, id unknown");
    assert_eq!(p.ids.len(), 1);
    let h = store.history(2).unwrap();
    assert_eq!(h[1].post_id, None);
    assert_eq!(
        h[1].link.as_deref(),
        Some(format!("https://x.com/{}", s.demo().username).as_str())
    );

    // C: the armed send never reached X: the check re-send posts it once.
    let mut d = Draft::new();
    d.parts = vec![text_part("crash test C")];
    store.save_draft(&d).unwrap();
    store
        .arm_part(&d.id, 0, &d.parts[0], &PostRequest::text("crash test C"))
        .unwrap();
    let p = pb
        .publish(
            &d.id,
            UploadRoute::Auto,
            None,
            |_| {},
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(p.ids.len(), 1);
    assert_eq!(count(&s, "crash test C"), 1);

    // D: media only cannot be probed: it waits for the user's word.
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
    store.arm_part(&d.id, 0, &d.parts[0], &req).unwrap();
    let before = common::live_posts(&s).len();
    let e = pb
        .publish(
            &d.id,
            UploadRoute::Auto,
            None,
            |_| {},
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.part, 0);
    assert!(
        e.diagnosis.detail.contains("check"),
        "{}",
        e.diagnosis.detail
    );
    assert_eq!(common::live_posts(&s).len(), before);
    store
        .resolve_armed(&d.id, 0, ArmedResolution::NotPosted)
        .unwrap();
    pb.publish(
        &d.id,
        UploadRoute::Auto,
        None,
        |_| {},
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(common::live_posts(&s).len(), before + 1);
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
        .publish(&d.id, UploadRoute::V2, None, on_event, token)
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
