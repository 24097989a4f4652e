//! `cargo run -p ch07-2-error-pages`: the microblog with its own error pages.

#[rocket::main]
async fn main() -> std::process::ExitCode {
    // `#[rocket::launch]`, but a start that fails exits with 1 instead of a panic.
    common::launch::launch(ch07_2_error_pages::app()).await
}
