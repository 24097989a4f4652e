//! `cargo run -p ch07-4-file-logging`: the microblog, also logging to
//! `logs/microblog.log` in the release profile (to stdout with `LOG_TO_STDOUT=1`).

#[rocket::main]
async fn main() -> std::process::ExitCode {
    ch07_4_file_logging::run(ch07_4_file_logging::app).await
}
