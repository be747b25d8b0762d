//! What journeys do in the composer, as a person does it: type into a part and wait until it is
//! saved, drop files onto the window with a real drag (a GTK drag source moved by xdotool),
//! post and wait for that post's result.
//!
//! Contract: every helper waits for an observable condition (the composer's `data-save`, the
//! result's `data-attempt`, the attachments on screen), never for a fixed time, and fails with
//! what it waited for.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{App, Look, Outcome};

/// How long a post may take to get its result (uploads are paced by the simulator).
pub const POST_WITHIN: Duration = Duration::from_secs(60);

/// Waits for the result of post number `attempt`, which must be `outcome`; returns its text.
pub async fn wait_outcome(app: &App, attempt: u64, outcome: &str) -> Result<String, String> {
    let css = format!("#post-result[data-attempt=\"{attempt}\"]");
    let (got, text) = app
        .poll(&css, "the post's result", POST_WITHIN, |el| async move {
            let got = el.attr("data-outcome").await?;
            let text = el.text().await?;
            Ok(Look::Done((got, text)))
        })
        .await?;
    check!(
        got.as_deref() == Some(outcome),
        "expected outcome {outcome}, got {got:?}: {text}"
    );
    Ok(text)
}

/// Posts what is in the composer and waits for the outcome of that post.
pub async fn post_and_wait(app: &App, outcome: &str) -> Result<String, String> {
    let attempt = app.start_post().await?;
    wait_outcome(app, attempt, outcome).await
}

/// Waits until every edit made so far has been saved (the composer's `data-save`).
pub async fn saved(app: &App) -> Outcome {
    app.wait_attr("#composer", "data-save", |v| v == Some("saved"))
        .await
        .map(|_| ())
}

/// Types `text` into part `part` and waits until it is saved.
pub async fn type_text(app: &App, part: usize, text: &str) -> Outcome {
    app.type_into(&format!("#part-{part}-text"), text).await?;
    saved(app).await
}

/// Runs xdotool; fails with its arguments if it does not succeed.
pub fn xdo(args: &[&str]) -> Outcome {
    let ok = Command::new("xdotool")
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    check!(ok, "xdotool {} failed", args.join(" "));
    Ok(())
}

/// `(x, y, width, height)` of an X11 window.
pub fn geometry(window: &str) -> Option<(i32, i32, i32, i32)> {
    let out = Command::new("xdotool")
        .args(["getwindowgeometry", "--shell", window])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let get = |k: &str| -> Option<i32> {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.trim().parse().ok())
    };
    Some((get("X")?, get("Y")?, get("WIDTH")?, get("HEIGHT")?))
}

/// The first visible X11 window whose name matches `name`, waiting up to `within`.
pub async fn wait_window(name: &str, within: Duration) -> Option<String> {
    let started = std::time::Instant::now();
    loop {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", name])
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(str::to_owned)
            });
        if found.is_some() || started.elapsed() >= within {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The number of attachments on screen.
pub async fn media_count(app: &App) -> Result<u64, String> {
    let n = app
        .exec("return document.querySelectorAll('#composer .media').length")
        .await?;
    Ok(n.as_u64().unwrap_or(0))
}

/// A real drag: a GTK drag source window, moved onto the app window with xdotool. Each step
/// waits for what it needs: the source window mapped, the page seeing the drag over it before
/// the button is released, and the attachments on screen before the source (which serves the
/// dropped data) goes away.
pub async fn drop_files(app: &App, files: &[PathBuf]) -> Outcome {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/drag_source.py");
    let before = media_count(app).await?;
    let mut source = Command::new("/usr/bin/python3")
        .arg(&script)
        .args(["1000", "100"])
        .args(files)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the drag source: {e}"))?;
    let result = drag(app, &mut source, files.len() as u64, before).await;
    let _ = source.kill();
    let _ = source.wait();
    result
}

pub async fn drag(app: &App, source: &mut std::process::Child, files: u64, before: u64) -> Outcome {
    let mut ready = String::new();
    {
        use std::io::BufRead;
        let stdout = source.stdout.take().ok_or("no stdout")?;
        std::io::BufReader::new(stdout)
            .read_line(&mut ready)
            .map_err(|e| e.to_string())?;
    }
    check!(ready.contains("ready"), "the drag source did not start");
    let src = wait_window("^postbridge-drag-source$", Duration::from_secs(10))
        .await
        .ok_or("the drag source window is not visible")?;
    let (sx, sy, sw, sh) = geometry(&src).ok_or("no geometry for the drag source")?;
    let (sx, sy) = (sx + sw / 2, sy + sh / 2);
    // The middle of the composer side of the app's window, wherever it was placed.
    let (tx, ty) = app
        .window_id()
        .and_then(|id| geometry(&id))
        .map(|(x, y, w, h)| (x + w / 3, y + h / 2))
        .ok_or("the app window is not visible")?;
    xdo(&["mousemove", &sx.to_string(), &sy.to_string()])?;
    xdo(&["mousedown", "1"])?;
    for step in 1..=8 {
        let x = sx + (tx - sx) * step / 8;
        let y = sy + (ty - sy) * step / 8;
        xdo(&["mousemove", &x.to_string(), &y.to_string()])?;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    // Release only once the page has seen the drag over it (a drag-over event), nudging the
    // pointer so that the drag keeps sending positions.
    let started = std::time::Instant::now();
    let mut nudge = 0;
    loop {
        let over = app
            .exec("return document.querySelector('#composer')?.classList.contains('dragging') ?? false")
            .await?;
        if over == serde_json::Value::Bool(true) {
            break;
        }
        if started.elapsed() >= Duration::from_secs(15) {
            let _ = xdo(&["mouseup", "1"]);
            return Err(
                "waited 15 s for the page to see the drag over the window (#composer.dragging)"
                    .into(),
            );
        }
        nudge = 1 - nudge;
        xdo(&["mousemove", &(tx + nudge).to_string(), &ty.to_string()])?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    xdo(&["mouseup", "1"])?;
    let want = before + files;
    app.wait_js(
        &format!("{want} attachments on screen after the drop"),
        Duration::from_secs(15),
        &format!("return document.querySelectorAll('#composer .media').length >= {want}"),
    )
    .await?;
    Ok(())
}
