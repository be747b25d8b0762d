//! A bare Tauri 2 window (one line of HTML): what Postbridge's launch and memory are compared with.
fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-tauri: {e}");
        std::process::exit(1);
    }
}
