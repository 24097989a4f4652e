//! # Exercise 8 · Errors by email: which records become mail
//!
//! Flask hangs its `SMTPHandler` on `app.logger` at level ERROR, so the app's
//! own errors are mailed, and Werkzeug's request lines (another logger) never
//! are. With `tracing`, every record has a *target*, the module that logged it
//! (`common::routes`, `rocket::server`), and a *layer* of the subscriber sees
//! the records its *filter* lets through. Write both parts:
//!
//! 1. `app_records(level)`: a `Targets` filter that lets through the records
//!    of the app's own crates, `common` and every step (`ch07_1_debug_mode`,
//!    `ch07_3_email_errors`, ...), from `level` up, and nothing from any other
//!    crate (Rocket, hyper, sqlx).
//! 2. `ErrorQueue`, a `Layer`: for each record it sees, put its text on the
//!    queue for the mail sender: the message, then each other field as
//!    ` name=value`, the value as `{:?}` writes it (`failed user="john"
//!    status=500`). It runs on the request's path, so it never waits: when
//!    the queue is full, it drops the record and counts it in `dropped`.
//!
//! `mail_layer` puts them together. The chapter's versions are `app_records`
//! and the error mail's `Layer`, in chapters/ch07-3-email-errors/.
//!
//! Check it: `cargo test -p exercises --test ex08`
//! Stuck? `cargo run -p exercises --bin hint -- 8`

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use rocket::tokio::sync::mpsc;
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer};

/// The app's own records, from `level` up.
pub fn app_records(level: LevelFilter) -> Targets {
    // TODO: only the app's own crates.
    Targets::new().with_default(level)
}

/// The layer for error mail: the app's own ERROR records, onto `queue`.
pub fn mail_layer<S>(queue: ErrorQueue) -> impl Layer<S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    queue.with_filter(app_records(LevelFilter::ERROR))
}

/// The sending end of the queue to the mail sender.
pub struct ErrorQueue {
    pub queue: mpsc::Sender<String>,
    /// Records that found the queue full.
    pub dropped: Arc<AtomicU64>,
}

impl<S: Subscriber> Layer<S> for ErrorQueue {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        // TODO: the record's text onto the queue, without ever waiting.
        let _ = event;
    }
}
