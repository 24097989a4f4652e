//! `cargo run -p ch07-5-duplicate-username`: the complete chapter-7 microblog.

#[rocket::main]
async fn main() -> std::process::ExitCode {
    ch07_4_file_logging::run(ch07_5_duplicate_username::app).await
}
