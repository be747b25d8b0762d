//! Prints the diagnosis table as Markdown (for README/docs generation):
//! `cargo run -q -p x-client --example diagnosis_table > docs/diagnosis.md`
fn main() {
    print!("{}", x_client::markdown_table());
}
