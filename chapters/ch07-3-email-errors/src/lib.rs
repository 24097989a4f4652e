//! Step 3: sending errors by email.
//!
//! Flask adds an `SMTPHandler` to `app.logger` when it is not in debug mode and
//! `MAIL_SERVER` is set, so every ERROR record is mailed to `ADMINS`. The Rust
//! counterpart is a queue, [`mail::ErrorMail`], with two ends: a `tracing`
//! layer in the process's one subscriber, installed by [`init_logging`], and a
//! fairing that starts the sender when the app lifts off.

pub mod mail;

pub use mail::ErrorMail;

use rocket::figment::Figment;
use rocket::{Build, Config, Rocket};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

// ANCHOR: app
/// Step 2's `app()` plus error mail.
pub fn app() -> Rocket<Build> {
    ch07_2_error_pages::app().attach(mail::fairing())
}
// ANCHOR_END: app

/// What `main` does once logging is installed: the app, with `mail` handed to
/// its fairing, until it shuts down; then the queued error mail. Rocket 0.5
/// can end on SIGTERM without running its shutdown fairings (see
/// [`ErrorMail::flush`]), so the flush comes after it returns too.
pub async fn launch(app: Rocket<Build>, mail: ErrorMail) {
    match app.manage(mail.clone()).launch().await {
        Ok(_) => {}
        // The shutdown was cut short: a client reset its connection, a request
        // was still open at the deadline, or Rocket's accept loop saw the
        // signal first and skipped the graceful part. It is still a shutdown:
        // say so, and exit normally once the mail (and a later step's log) is
        // flushed.
        Err(error) if matches!(error.kind(), rocket::error::ErrorKind::Shutdown(..)) => {
            tracing::warn!("The shutdown was cut short ({error}); flushing all the same");
        }
        // As `#[launch]` does: a failed launch explains itself when dropped.
        Err(error) => drop(error),
    }
    mail.flush().await;
}

// ANCHOR: init_logging
/// The process's subscriber: the terminal, plus `mail`'s layer (idle unless
/// [`app`]'s fairing turns mail on). `init()` also routes Rocket's own `log`
/// records into `tracing`, where the filters below decide who sees them.
pub fn init_logging(figment: &Figment, mail: &ErrorMail) {
    tracing_subscriber::registry()
        .with(terminal(figment))
        .with(mail_layer(mail))
        .init();
}

// ANCHOR: app_records
/// The one rule for what is the app's own record: one whose target (the
/// module that logged it) is in a crate of this workspace, `common` or a
/// `ch07_*` step. Flask hangs its file and mail handlers on `app.logger`, and
/// Werkzeug's request lines go to a logger of their own; Rocket's records
/// (its launch dump, a line per request, an ERROR for every 404) have
/// `rocket::...` targets, and this rule leaves them out the same way.
/// `Targets` matches a target by its start, so `ch07_` covers every step.
pub fn app_records(level: LevelFilter) -> Targets {
    Targets::new()
        .with_target("common", level)
        .with_target("ch07_", level)
}
// ANCHOR_END: app_records

/// The mail layer: `mail_handler.setLevel(logging.ERROR)` on `app.logger`.
pub fn mail_layer<S>(mail: &ErrorMail) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    mail.clone().with_filter(app_records(LevelFilter::ERROR))
}
// ANCHOR_END: init_logging

/// The terminal layer, for a later step's subscriber too.
///
/// - In the debug profile, what a developer wants while working, like
///   Werkzeug's development server: Rocket's launch output and its lines for
///   every request.
/// - In release, the app's own records and Rocket's launch line (which names
///   the address), plus Rocket's explanation when a launch fails. Nothing for
///   an ordinary request, so a busy server does not spend its time writing to
///   a terminal, and a 404 is not an ERROR line.
pub fn terminal<S>(figment: &Figment) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let shown = if figment.profile() == Config::DEBUG_PROFILE {
        Targets::new().with_default(LevelFilter::INFO)
    } else {
        app_records(LevelFilter::INFO)
            // "Rocket has launched from http://127.0.0.1:8000" (a WARN, as
            // Rocket logs it, so that it shows at every level).
            .with_target("rocket::launch", LevelFilter::WARN)
            // Why a launch failed: a port in use, a missing secret key, a bad
            // setting, a database that cannot be opened.
            .with_target("rocket::error", LevelFilter::INFO)
            .with_target("rocket::config", LevelFilter::INFO)
            .with_target("rocket_db_pools", LevelFilter::ERROR)
    };
    use std::io::IsTerminal;
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(shown)
}
