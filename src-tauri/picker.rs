//! The native file picker (rfd, GTK on Linux), parented to the app window.
//!
//! Contract: [`pick_media`] shows an "open files" dialog filtered to the media X accepts and
//! returns the chosen paths (empty when cancelled); [`pick_subtitles`] one `.srt`/`.vtt`
//! file (`None` when cancelled). The dialog is built on the main thread, as
//! GTK requires, and awaited without blocking it.

use crate::error::AppError;

/// Asks the person for media files.
pub async fn pick_media(
    window: &tauri::WebviewWindow,
) -> Result<Vec<std::path::PathBuf>, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let parent = window.clone();
    window.run_on_main_thread(move || {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Add images, a GIF or a video")
            .add_filter(
                "Media",
                &["jpg", "jpeg", "png", "webp", "gif", "mp4", "mov"],
            )
            .add_filter("All files", &["*"])
            .set_parent(&parent)
            .pick_files();
        tauri::async_runtime::spawn(async move {
            let picked = dialog.await.unwrap_or_default();
            let _ = tx.send(
                picked
                    .into_iter()
                    .map(|f| f.path().to_path_buf())
                    .collect::<Vec<_>>(),
            );
        });
    })?;
    rx.await.map_err(|_| AppError::Internal {
        message: "the file picker closed unexpectedly".into(),
    })
}

/// Asks the person for one subtitle file (`.srt` or `.vtt`).
pub async fn pick_subtitles(
    window: &tauri::WebviewWindow,
) -> Result<Option<std::path::PathBuf>, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let parent = window.clone();
    window.run_on_main_thread(move || {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Add subtitles to the video")
            .add_filter("Subtitles (SRT, WebVTT)", &["srt", "vtt", "SRT", "VTT"])
            .add_filter("All files", &["*"])
            .set_parent(&parent)
            .pick_file();
        tauri::async_runtime::spawn(async move {
            let picked = dialog.await;
            let _ = tx.send(picked.map(|f| f.path().to_path_buf()));
        });
    })?;
    rx.await.map_err(|_| AppError::Internal {
        message: "the file picker closed unexpectedly".into(),
    })
}
