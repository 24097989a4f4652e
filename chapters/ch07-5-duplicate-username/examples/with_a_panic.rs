//! The complete app plus one route that panics, as a release binary: the
//! benchmark and the stress suite measure what the error path costs in memory
//! with 500s that mix database failures and panics. Not a step of the chapter.

use std::process::ExitCode;

/// Test-only: a handler that panics.
#[rocket::get("/panic")]
fn panicking_handler() -> &'static str {
    panic!("a panic for the memory measurement")
}

#[rocket::main]
async fn main() -> ExitCode {
    ch07_4_file_logging::run(|| {
        ch07_5_duplicate_username::app().mount("/", rocket::routes![panicking_handler])
    })
    .await
}
