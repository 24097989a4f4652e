//! `cargo run -p ch07-1-debug-mode`: the microblog with Werkzeug-style debug mode.

#[rocket::main]
async fn main() -> std::process::ExitCode {
    // `#[rocket::launch]`, but a start that fails exits with 1 instead of a panic.
    common::launch::launch(ch07_1_debug_mode::app()).await
}
