//! Exercise 8, which records become mail: `cargo test -p exercises --test ex08`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex08_mail_layer.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex08_mail_layer.rs")]
pub mod exercise;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc as std_mpsc, Arc};
use std::time::Duration;

use exercise::{app_records, mail_layer, ErrorQueue};
use rocket::tokio::sync::mpsc;
use tracing::Level;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;

/// What reached the mail queue (of room for `capacity`) while `log` ran, and
/// how many records were dropped. `log` runs on a thread of its own, so that a
/// layer that waits on a full queue fails the test instead of hanging it.
fn mailed(capacity: usize, log: fn()) -> (Vec<String>, u64) {
    let (queue, mut receiver) = mpsc::channel(capacity);
    let dropped = Arc::new(AtomicU64::new(0));
    let layer = mail_layer(ErrorQueue {
        queue,
        dropped: dropped.clone(),
    });
    let subscriber = tracing_subscriber::registry().with(layer);
    let (finished, done) = std_mpsc::channel();
    std::thread::spawn(move || {
        tracing::subscriber::with_default(subscriber, log);
        let _ = finished.send(());
    });
    done.recv_timeout(Duration::from_secs(5))
        .expect("logging should never wait for the mail queue");
    let mut texts = Vec::new();
    while let Ok(text) = receiver.try_recv() {
        texts.push(text);
    }
    (texts, dropped.load(Ordering::Relaxed))
}

#[test]
fn the_apps_own_errors_are_mailed() {
    let (texts, _) = mailed(10, || {
        tracing::error!(target: "common::routes", "Exception on /edit_profile [POST]");
        tracing::error!(target: "ch07_3_email_errors::mail", "a step's own error");
    });
    assert_eq!(
        texts,
        ["Exception on /edit_profile [POST]", "a step's own error"]
    );
}

#[test]
fn errors_of_other_crates_are_not_mailed() {
    let (texts, _) = mailed(10, || {
        tracing::error!(target: "rocket::server", "No matching routes for GET /nowhere.");
        tracing::error!(target: "hyper::proto", "connection reset");
        tracing::error!(target: "sqlx::query", "slow statement");
    });
    assert!(texts.is_empty(), "mailed: {texts:?}");
}

#[test]
fn the_apps_records_below_error_are_not_mailed() {
    let (texts, _) = mailed(10, || {
        tracing::warn!(target: "common::auth", "a warning");
        tracing::info!(target: "ch07_4_file_logging", "Microblog startup");
    });
    assert!(texts.is_empty(), "mailed: {texts:?}");
}

#[test]
fn a_records_other_fields_follow_its_message() {
    let (texts, _) = mailed(10, || {
        tracing::error!(target: "common::routes", user = "john", status = 500, "failed");
    });
    assert_eq!(texts, [r#"failed user="john" status=500"#]);
}

#[test]
fn a_full_queue_drops_the_record_and_counts_it() {
    let (texts, dropped) = mailed(1, || {
        tracing::error!(target: "common::routes", "first");
        tracing::error!(target: "common::routes", "second");
        tracing::error!(target: "common::routes", "third");
    });
    assert_eq!(texts, ["first"]);
    assert_eq!(dropped, 2, "the two records that found the queue full");
}

#[test]
fn app_records_chooses_by_target_and_level() {
    let filter = app_records(LevelFilter::INFO);
    for (target, level, chosen) in [
        ("common", Level::INFO, true),
        ("common::routes", Level::ERROR, true),
        ("ch07_1_debug_mode::debugger", Level::WARN, true),
        ("ch07_4_file_logging", Level::INFO, true),
        ("common::routes", Level::DEBUG, false),
        ("rocket::launch", Level::ERROR, false),
        ("rocket_db_pools", Level::ERROR, false),
        ("exercises", Level::ERROR, false),
    ] {
        assert_eq!(
            filter.would_enable(target, &level),
            chosen,
            "{target} at {level}"
        );
    }
}
