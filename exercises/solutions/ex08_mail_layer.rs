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

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rocket::tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer};

/// The app's own records, from `level` up.
pub fn app_records(level: LevelFilter) -> Targets {
    Targets::new()
        .with_target("common", level)
        .with_target("ch07_", level)
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
        let mut text = EventText::default();
        event.record(&mut text);
        text.message.push_str(&text.fields);
        if self.queue.try_send(text.message).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A record's message, and its other fields as ` name=value`.
#[derive(Default)]
struct EventText {
    message: String,
    fields: String,
}

impl Visit for EventText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = match field.name() {
            "message" => write!(self.message, "{value:?}"),
            name => write!(self.fields, " {name}={value:?}"),
        };
    }
}
