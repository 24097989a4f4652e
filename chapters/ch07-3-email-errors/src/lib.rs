//! Step 3: sending errors by email.
//!
//! Flask adds an `SMTPHandler` to `app.logger` when it is not in debug mode and
//! `MAIL_SERVER` is set, so every ERROR record is mailed to `ADMINS`. The Rust
//! counterpart is a `tracing` layer ([`mail::MailLayer`]) in the process's one
//! subscriber, installed by [`init_logging`], and a fairing that starts the
//! sender when the app lifts off.

pub mod mail;
pub mod sink;

use rocket::config::LogLevel;
use rocket::figment::Figment;
use rocket::{Build, Rocket};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Step 2's `app()` plus error mail.
pub fn app() -> Rocket<Build> {
    ch07_2_error_pages::app().attach(mail::fairing())
}

/// What `main` does once logging is installed: the app until it shuts down,
/// then the queued error mail. Rocket 0.5 can end on SIGTERM without running
/// its shutdown fairings (see [`mail::flush`]), so the flush comes after it
/// returns too.
pub async fn launch(app: Rocket<Build>) {
    match app.launch().await {
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
    mail::flush().await;
}

// ANCHOR: init_logging
/// The process's subscriber: the terminal, plus the mail layer at ERROR (idle
/// unless [`app`]'s fairing turns mail on). `init()` also routes
/// Rocket's own `log` records into `tracing`, so "Handler ... panicked" is
/// mailed too. The level filters also tell `log` and `tracing` not to build
/// DEBUG and TRACE records at all, which keeps them off the request path.
pub fn init_logging(figment: &Figment) {
    tracing_subscriber::registry()
        .with(terminal(figment))
        .with(mail_layer())
        .init();
}

/// The mail layer, at `mail_handler.setLevel(logging.ERROR)`.
pub fn mail_layer<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    mail::MailLayer.with_filter(LevelFilter::ERROR)
}
// ANCHOR_END: init_logging

/// The terminal layer, for a later step's subscriber too. It shows what
/// Rocket's own logger would at the configured `log_level`: everything from
/// INFO in debug, and in release (`critical`) only errors, so that a busy
/// server does not spend its time writing request lines to a terminal.
pub fn terminal<S>(figment: &Figment) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let level = match figment.extract_inner::<LogLevel>("log_level") {
        Ok(LogLevel::Off) => LevelFilter::OFF,
        Ok(LogLevel::Critical) => LevelFilter::ERROR,
        Ok(LogLevel::Debug) => LevelFilter::DEBUG,
        Ok(LogLevel::Normal) | Err(_) => LevelFilter::INFO,
    };
    use std::io::IsTerminal;
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(level)
}
