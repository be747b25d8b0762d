//! Drafts across restarts, attach refusals, thumbnails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::samples;
use composer::{attach, thumbnail, ComposerError, Draft, Part, PartStatus, PollDraft, Store};

#[test]
fn draft_round_trip_survives_restart() {
    let dir = common::tmp_dir("draft");
    let db = dir.join("data").join("composer.sqlite3");
    let img = common::write(&dir, "a.png", &samples::png(120, 80, 0));
    let (saved, id) = {
        let store = Store::open(&db).unwrap();
        let mut d = store.draft().unwrap();
        assert_eq!(d.parts.len(), 1);
        assert_eq!(store.draft().unwrap().id, d.id, "the empty draft is stored");
        d.account = Some("work".into());
        d.parts[0].text = "hello café 日本".into();
        let mut a = attach(&img, &d.parts[0]).unwrap();
        a.alt = Some("a small test image".into());
        d.parts[0].media.push(a);
        d.parts.push(Part {
            text: "second".into(),
            ..Part::default()
        });
        d.reply_to = composer::parse_post_ref("https://x.com/u/status/42");
        d.reply_settings = Some(x_client::ReplySettings::Following);
        d.poll = Some(PollDraft {
            options: vec!["yes".into(), "no".into()],
            duration_minutes: 60,
        });
        store.save_draft(&d).unwrap();
        // Publish state sent by the app is not taken.
        let mut forged = d.clone();
        forged.parts[1].posted_id = Some("1".into());
        forged.parts[1].status = PartStatus::Posted;
        store.save_draft(&forged).unwrap();
        (d.clone(), d.id)
    };
    let store = Store::open(&db).unwrap();
    let back = store.draft().unwrap();
    assert_eq!(back, saved);
    assert_eq!(back.id, id);
    assert_eq!(back.reply_to.as_deref(), Some("42"));
    assert!(store.history(10).unwrap().is_empty());

    // A new draft becomes current; the old one is still readable by id.
    let other = Draft::new();
    store.save_draft(&other).unwrap();
    assert_eq!(store.draft().unwrap().id, other.id);
    assert_eq!(store.draft_by_id(&id).unwrap(), saved);
    assert!(matches!(
        store.draft_by_id("nope"),
        Err(ComposerError::NoDraft(_))
    ));

    // Several threads at once.
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let s = store.clone();
            let mut d = other.clone();
            std::thread::spawn(move || {
                for j in 0..25 {
                    d.parts[0].text = format!("{i}-{j}");
                    s.save_draft(&d).unwrap();
                    s.draft().unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(store.draft().unwrap().parts[0].text.ends_with("-24"));
}

#[test]
fn attach_refusals_name_the_limit() {
    let dir = common::tmp_dir("attach");
    let png = common::write(&dir, "p.png", &samples::png(64, 48, 0));
    let gif = common::write(&dir, "anim.gif", &samples::gif(64, 48, 3, 0));
    let video = common::write(&dir, "v.mp4", &samples::mp4(4096));
    let mut part = Part::default();
    for _ in 0..4 {
        let a = attach(&png, &part).unwrap();
        assert_eq!((a.kind.as_str(), a.mime.as_str()), ("image", "image/png"));
        assert_eq!((a.width, a.height), (Some(64), Some(48)));
        part.media.push(a);
    }
    let e = attach(&png, &part).unwrap_err().to_string();
    assert!(e.contains("the limit is 4 images"), "{e}");

    let e = attach(&video, &part).unwrap_err().to_string();
    assert!(
        e.contains("1 GIF or 1 video") && e.contains("not mixed"),
        "{e}"
    );
    let e = attach(&gif, &part).unwrap_err().to_string();
    assert!(e.contains("1 GIF or 1 video"), "{e}");

    let mut vpart = Part::default();
    let v = attach(&video, &vpart).unwrap();
    assert_eq!(v.kind, "video");
    vpart.media.push(v);
    let e = attach(&png, &vpart).unwrap_err().to_string();
    assert!(e.contains("not mixed with images"), "{e}");

    let g = attach(&gif, &Part::default()).unwrap();
    assert_eq!(g.kind, "gif");

    let wide = common::write(&dir, "wide.gif", &samples::gif(1400, 20, 2, 0));
    let e = attach(&wide, &Part::default()).unwrap_err().to_string();
    assert!(e.contains("1280×1080"), "{e}");
    let big = common::write(&dir, "big.gif", &samples::gif(64, 48, 2, 16 * 1024 * 1024));
    let e = attach(&big, &Part::default()).unwrap_err().to_string();
    assert!(e.contains("15 MB"), "{e}");
    let big_png = common::write(&dir, "big.png", &samples::png(64, 48, 6 * 1024 * 1024));
    let e = attach(&big_png, &Part::default()).unwrap_err().to_string();
    assert!(e.contains("5 MB"), "{e}");
    // The type comes from the content, not the name.
    let text = common::write(&dir, "fake.png", b"just some text, not an image at all");
    let e = attach(&text, &Part::default()).unwrap_err().to_string();
    assert!(e.contains("unrecognised file type"), "{e}");
    let renamed = common::write(&dir, "photo.jpg", &samples::png(10, 10, 0));
    assert_eq!(
        attach(&renamed, &Part::default()).unwrap().mime,
        "image/png"
    );
    let e = attach(&dir.join("missing.png"), &Part::default()).unwrap_err();
    assert!(matches!(e, ComposerError::Io { .. }), "{e:?}");
}

#[test]
fn thumbnails() {
    let dir = common::tmp_dir("thumb");
    let jpg = common::write(&dir, "big.jpg", &samples::gray_jpeg(6000, 4000));
    let t = thumbnail(&jpg, 400).unwrap();
    assert_eq!((t.width, t.height), (400, 267));
    assert!(t.data_url.starts_with("data:image/jpeg;base64,"));
    let tall = common::write(&dir, "tall.jpg", &samples::gray_jpeg(300, 900));
    let t = thumbnail(&tall, 300).unwrap();
    assert_eq!((t.width, t.height), (100, 300));
    // Small images are not scaled up.
    let png = common::write(&dir, "s.png", &samples::png(120, 80, 0));
    let t = thumbnail(&png, 400).unwrap();
    assert_eq!((t.width, t.height), (120, 80));
    let gif = common::write(&dir, "a.gif", &samples::gif(200, 100, 3, 0));
    let t = thumbnail(&gif, 100).unwrap();
    assert_eq!((t.width, t.height), (100, 50));
    let video = common::write(&dir, "v.mp4", &samples::mp4(4096));
    assert!(matches!(
        thumbnail(&video, 100),
        Err(ComposerError::VideoPreview { .. })
    ));
    let junk = common::write(&dir, "junk.png", b"not an image");
    let e = thumbnail(&junk, 100).unwrap_err().to_string();
    assert!(e.contains("preview"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_refused_alone_with_its_reason() {
    use std::os::unix::ffi::OsStrExt;
    let dir = common::tmp_dir("non-utf8");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.png");
    let path = dir.join(name);
    std::fs::write(&path, samples::png(8, 8, 0)).unwrap();
    let e = composer::attach(&path, &composer::Part::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("not valid UTF-8") && e.contains("rename"), "{e}");
    // Another file next to it still attaches.
    let ok = common::write(&dir, "ok.png", &samples::png(8, 8, 0));
    assert!(composer::attach(&ok, &composer::Part::default()).is_ok());
}

/// `data_version` tells a process that another one wrote (what the app's queue runner watches):
/// it changes after another connection's commit, never after this store's own writes.
#[test]
fn data_version_changes_only_for_another_connections_commits() {
    let dir = common::tmp_dir("data-version");
    let db = dir.join("composer.sqlite3");
    let app = Store::open(&db).unwrap();
    let cli = Store::open(&db).unwrap();
    let v0 = app.data_version().unwrap();
    let mut d = app.draft().unwrap();
    d.parts[0].text = "typed in the app".into();
    app.save_draft(&d).unwrap();
    assert_eq!(app.data_version().unwrap(), v0, "its own write");
    let mut d = cli.draft().unwrap();
    d.parts[0].text = "changed by another process".into();
    cli.save_draft(&d).unwrap();
    let v1 = app.data_version().unwrap();
    assert_ne!(v1, v0, "another connection's commit");
    assert_eq!(app.data_version().unwrap(), v1, "nothing new since");
}
