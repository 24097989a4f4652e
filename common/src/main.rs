//! `cargo run -p common`: the chapter-6 microblog, on 127.0.0.1:8000.

#[rocket::main]
async fn main() -> std::process::ExitCode {
    // `#[rocket::launch]`, but a start that fails exits with 1 instead of a panic.
    common::launch::launch(common::app()).await
}
