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
mod terminal;

pub use mail::ErrorMail;

use std::process::ExitCode;

use rocket::figment::Figment;
use rocket::{Build, Rocket};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, FilterExt, LevelFilter, Targets};
use tracing_subscriber::layer::{Filter, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

// ANCHOR: app
/// Step 2's `app()` plus error mail.
pub fn app() -> Rocket<Build> {
    ch07_2_error_pages::app().attach(mail::fairing())
}
// ANCHOR_END: app

/// What `main` does once logging is installed: the app, with `mail` handed to
/// its fairing, until it shuts down (common's `launch`, which also says why a
/// start failed); then the queued error mail. Rocket 0.5 can end on SIGTERM
/// without running its shutdown fairings (see [`ErrorMail::flush`]), so the
/// flush comes after it returns too. The exit status is `main`'s.
pub async fn launch(app: Rocket<Build>, mail: ErrorMail) -> ExitCode {
    let status = common::launch::launch(app.manage(mail.clone())).await;
    mail.flush().await;
    status
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
        .with(terminal::layer(figment))
        .with(mail_layer(mail))
}

/// Installs [`subscriber`], routing Rocket's own `log` records into it too.
pub fn init_logging(figment: &Figment, mail: &ErrorMail) {
    subscriber(figment, mail).init();
}

// ANCHOR: app_records
/// The one rule for what is the app's own record: an event that the app's
/// code logged through `tracing`, in a crate of this workspace (`common` or a
/// `ch07_*` step; `Targets` matches a target by its start). Flask hangs its
/// file and mail handlers on `app.logger`, away from Werkzeug's request lines;
/// Rocket's records (its launch dump, a line per request, an ERROR for every
/// 404) have `rocket::...` targets, and this rule leaves them out the same way.
/// Rocket's code generated for a route logs too (`Request guard failed` for
/// every anonymous visit), under the route's module, `common::routes::_`; but
/// Rocket logs through the `log` crate, and the record reaches `tracing`
/// bridged, so it is told apart by what it is, not by where it comes from.
pub fn app_records<S>(level: LevelFilter) -> impl Filter<S> {
    let workspace = Targets::new()
        .with_target("common", level)
        .with_target("ch07_", level);
    workspace.and(filter_fn(|metadata| !is_bridged_from_log(metadata)))
}

/// Whether `metadata` is a `log` record's, bridged into `tracing`: such a
/// record comes through one of `tracing-log`'s callsites (one per level),
/// never through a `tracing` macro's own. `tracing-log`'s `is_log` asks the
/// same of an event.
pub fn is_bridged_from_log(metadata: &Metadata<'_>) -> bool {
    use tracing_log::{log, AsLog, AsTrace};
    let bridged = log::Metadata::builder()
        .level(metadata.level().as_log())
        .build();
    metadata.callsite() == bridged.as_trace().callsite()
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
