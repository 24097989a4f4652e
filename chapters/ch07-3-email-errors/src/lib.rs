//! Step 3: sending errors by email. The lesson is `src/mail/layer.rs`:
//! `ErrorMail`'s `on_event` (the `SMTPHandler`, which only queues the error)
//! and [`mail::fairing`] (Flask's `if not app.debug` and
//! `if app.config['MAIL_SERVER']`); then `Mailer::message` in
//! `src/mail/sender.rs` (the mail), and [`subscriber`] below (the mail layer).
//!
//! Flask adds an `SMTPHandler` to `app.logger` outside debug mode when
//! `MAIL_SERVER` is set. Here the handler is a queue, [`ErrorMail`], with two
//! ends: a `tracing` layer in the process's one subscriber, and a fairing
//! that starts the sender when the app lifts off.

pub mod event_text;
pub mod mail;

pub use mail::ErrorMail;

use rocket::figment::Figment;
use rocket::{Build, Config, Rocket};
use tracing::Subscriber;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
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
        // The shutdown was cut short (a client reset its connection, a request
        // was open at the deadline, or Rocket's accept loop saw the signal
        // first): still a shutdown, so say so, and exit normally once the mail
        // (and a later step's log) is flushed.
        Err(error) if matches!(error.kind(), rocket::error::ErrorKind::Shutdown(..)) => {
            tracing::warn!("The shutdown was cut short ({error}); flushing all the same");
        }
        // As `#[launch]` does: a failed launch explains itself when dropped.
        Err(error) => drop(error),
    }
    mail.flush().await;
}

// ANCHOR: init_logging
/// The process's subscriber, built from the config: the terminal, plus
/// `mail`'s layer (idle unless [`app`]'s fairing turns mail on). A later step
/// adds its own layer to it.
pub fn subscriber(
    figment: &Figment,
    mail: &ErrorMail,
) -> impl Subscriber + Send + Sync + for<'a> LookupSpan<'a> {
    tracing_subscriber::registry()
        .with(terminal(figment))
        .with(mail_layer(mail))
}

/// Installs [`subscriber`], routing Rocket's own `log` records into it too.
pub fn init_logging(figment: &Figment, mail: &ErrorMail) {
    subscriber(figment, mail).init();
}

// ANCHOR: app_records
/// The one rule for what is the app's own record: one whose target (the
/// module that logged it) is in a crate of this workspace, `common` or a
/// `ch07_*` step (`Targets` matches a target by its start). Flask hangs its
/// file and mail handlers on `app.logger`, away from Werkzeug's request lines;
/// Rocket's records (its launch dump, a line per request, an ERROR for every
/// 404) have `rocket::...` targets, and this rule leaves them out the same way.
pub fn app_records(level: LevelFilter) -> Targets {
    Targets::new()
        .with_target("common", level)
        .with_target("ch07_", level)
}
// ANCHOR_END: app_records

/// The mail layer: `mail_handler.setLevel(logging.ERROR)` on `app.logger`.
pub fn mail_layer<S>(mail: &ErrorMail) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    mail.clone().with_filter(app_records(LevelFilter::ERROR))
}
// ANCHOR_END: init_logging

/// The terminal layer. In the debug profile, what a developer wants while
/// working, as Werkzeug's development server shows it: Rocket's launch output
/// and its lines for every request. In release, the app's own records,
/// Rocket's launch line (which names the address) and why a launch failed;
/// nothing for an ordinary request, and a 404 is not an ERROR line.
fn terminal<S>(figment: &Figment) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
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
