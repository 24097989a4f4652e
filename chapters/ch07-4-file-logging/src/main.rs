//! `cargo run -p ch07-4-file-logging`: the microblog, also logging to
//! `logs/microblog.log` in the release profile.

#[rocket::main]
async fn main() {
    // Logging first: building the app would install Rocket's own logger. The
    // figment is the one `app()` will read (Rocket.toml, then the environment).
    // The guard is held to the end of `main`: dropping it writes out what is
    // still queued, after Rocket's graceful shutdown.
    let _flush_on_exit = ch07_4_file_logging::init_logging(&rocket::Config::figment());
    // As `#[launch]` does: a failed launch explains itself when dropped.
    let _ = ch07_4_file_logging::app().launch().await;
}
