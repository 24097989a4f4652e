//! Exercise 10, Python's log line and the startup line:
//! `cargo test -p exercises --test ex10`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex10_log_format.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex10_log_format.rs")]
pub mod exercise;

use std::io::Write;
use std::sync::{Arc, Mutex};

use exercise::{asctime, levelname, startup_line, PythonFormat};
use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::Config;
use time::macros::datetime;
use time::OffsetDateTime;
use tracing::instrument::WithSubscriber;
use tracing::Level;

/// Where the test's subscriber writes: a log file in memory.
#[derive(Clone, Default)]
struct LogFile(Arc<Mutex<Vec<u8>>>);

impl Write for LogFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the log").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogFile {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("the log").clone()).expect("UTF-8")
    }

    /// A subscriber that writes every record here, in Python's format, with
    /// the clock stopped at 2026-11-25 13:05:42.007.
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let file = self.clone();
        tracing_subscriber::fmt()
            .event_format(PythonFormat { now: stopped_clock })
            .with_writer(move || file.clone())
            .finish()
    }
}

fn stopped_clock() -> OffsetDateTime {
    datetime!(2026-11-25 13:05:42.007 UTC)
}

/// What the subscriber wrote while `log` ran.
fn logged(log: impl FnOnce()) -> String {
    let file = LogFile::default();
    tracing::subscriber::with_default(file.subscriber(), log);
    file.text()
}

#[test]
fn asctime_has_a_comma_before_three_digits_of_milliseconds() {
    assert_eq!(asctime(stopped_clock()), "2026-11-25 13:05:42,007");
    assert_eq!(
        asctime(datetime!(2026-01-02 03:04:05 UTC)),
        "2026-01-02 03:04:05,000"
    );
    assert_eq!(
        asctime(datetime!(2026-01-02 03:04:05.999999 UTC)),
        "2026-01-02 03:04:05,999"
    );
}

#[test]
fn warn_is_warning_and_the_other_levels_keep_their_names() {
    assert_eq!(levelname(&Level::WARN), "WARNING");
    assert_eq!(levelname(&Level::ERROR), "ERROR");
    assert_eq!(levelname(&Level::INFO), "INFO");
    assert_eq!(levelname(&Level::DEBUG), "DEBUG");
}

#[test]
fn a_record_is_the_time_the_level_the_message_and_where_it_was_logged() {
    let file = file!();
    let line = line!() + 1;
    let log = logged(|| tracing::info!("Microblog startup"));
    assert_eq!(
        log,
        format!("2026-11-25 13:05:42,007 INFO: Microblog startup [in {file}:{line}]\n")
    );
}

#[test]
fn other_fields_follow_the_message() {
    let log = logged(|| tracing::warn!(free = 7, "disk nearly full"));
    assert!(
        log.starts_with("2026-11-25 13:05:42,007 WARNING: disk nearly full free=7 [in "),
        "{log}"
    );
}

#[test]
fn the_lines_after_the_first_go_below_the_record_like_a_traceback() {
    let log = logged(|| {
        tracing::error!("Exception on /edit_profile [POST]\n  0: common::routes::edit_profile")
    });
    let (first, rest) = log.split_once('\n').expect("two lines");
    assert!(
        first.starts_with("2026-11-25 13:05:42,007 ERROR: Exception on /edit_profile [POST] [in "),
        "{log}"
    );
    assert!(first.ends_with(']'), "{log}");
    assert_eq!(rest, "  0: common::routes::edit_profile\n");
}

/// A bare app with the startup line, in the debug or the release profile.
async fn start(debug: bool) -> String {
    let config = if debug {
        Config::debug_default()
    } else {
        Config::release_default()
    };
    let figment = Figment::from(config).merge(("secret_key", test_support::TEST_SECRET_KEY));
    let rocket = rocket::custom(figment).attach(startup_line());
    let file = LogFile::default();
    let client = Client::untracked(rocket)
        .with_subscriber(file.subscriber())
        .await
        .expect("the app launches");
    drop(client);
    file.text()
}

#[rocket::async_test]
async fn outside_debug_the_app_logs_the_startup_line_once_started() {
    let log = start(false).await;
    assert_eq!(log.lines().count(), 1, "one line: {log:?}");
    assert!(
        log.starts_with("2026-11-25 13:05:42,007 INFO: Microblog startup [in "),
        "{log:?}"
    );
    assert!(log.contains("ex10_log_format.rs:"), "{log:?}");
}

#[rocket::async_test]
async fn in_debug_there_is_no_startup_line() {
    let log = start(true).await;
    assert_eq!(log, "");
}
