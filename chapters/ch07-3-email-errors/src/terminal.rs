//! What the terminal shows, in each profile. Machinery: a learner can skip this
//! module on a first read.
//!
//! In the debug profile, what a developer wants while working, as Werkzeug's
//! development server shows it: Rocket's launch output and its lines for every
//! request. In release, the app's own records, Rocket's launch line (which
//! names the address) and why a launch failed; nothing for an ordinary
//! request, and a 404 is not an ERROR line.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::fmt;
use std::io::IsTerminal;
use std::panic::PanicHookInfo;
use std::sync::Once;

use common::failure::escaped;

use rocket::figment::Figment;
use rocket::Config;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::filter::{filter_fn, FilterExt, LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::app_records;
use crate::event_text::EventText;

/// The terminal layer for `figment`'s profile. Also puts std's line for a
/// panic on one line ([`panic_line`]), as the layer does for every record.
pub fn layer<S>(figment: &Figment) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    static PANIC_LINE: Once = Once::new();
    PANIC_LINE.call_once(|| std::panic::set_hook(Box::new(print_panic)));
    let debug = figment.profile() == Config::DEBUG_PROFILE;
    let everything = Targets::new().with_default(LevelFilter::INFO);
    // Why a launch failed: a port in use, a bad setting, a database that
    // cannot be opened.
    let launch_failures = Targets::new()
        .with_target("rocket::error", LevelFilter::INFO)
        .with_target("rocket::config", LevelFilter::INFO)
        .with_target("rocket_db_pools", LevelFilter::ERROR);
    let shown = filter_fn(move |metadata| {
        debug && everything.would_enable(metadata.target(), metadata.level())
    })
    .or(app_records(LevelFilter::INFO))
    .or(launch_failures);
    let records = tracing_subscriber::fmt::layer()
        .fmt_fields(OneLine)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(shown.and(filter_fn(|metadata| !is_launch_line(metadata))));
    let launch_line = LaunchLine {
        last_of_rockets_records: !debug,
    };
    records.and_then(launch_line.with_filter(filter_fn(is_launch_line)))
}

/// An event's fields as the log file and the mail show them ([`EventText`]):
/// one line, every control character escaped, then a failure's backtrace
/// below. What a visitor sent cannot forge a line on the terminal either.
struct OneLine;

impl<'writer> FormatFields<'writer> for OneLine {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        writer.write_str(&EventText::read(fields).text())
    }
}

/// std's own panic hook prints `thread '…' panicked at …:` and the message
/// as it is, on the lines below. A panic's message may hold what a visitor
/// sent (a cookie, a form field), so this one prints it on one line, escaped;
/// and the backtrace when `RUST_BACKTRACE` asks for it, as std does. Step 1's
/// hook, which files the panic for its 500 page, runs first and calls this.
fn print_panic(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let thread = std::thread::current();
    let location = info.location().map(ToString::to_string);
    eprintln!(
        "{}",
        panic_line(thread.name(), location.as_deref(), message)
    );
    let backtrace = Backtrace::capture();
    if backtrace.status() == BacktraceStatus::Captured {
        eprintln!("stack backtrace:\n{backtrace}");
    }
}

/// `thread 'rocket-worker-thread' panicked at src/x.rs:1:2: the message`.
fn panic_line(thread: Option<&str>, location: Option<&str>, message: &str) -> String {
    let thread = escaped(thread.unwrap_or("<unnamed>"));
    let at = location.map(|location| format!(" at {}", escaped(location)));
    let message = escaped(message);
    format!(
        "thread '{thread}' panicked{}: {message}",
        at.unwrap_or_default()
    )
}

/// "Rocket has launched from http://127.0.0.1:8000": Rocket logs it as a
/// WARN, so that it shows at every log level, but it is no warning.
fn is_launch_line(metadata: &Metadata<'_>) -> bool {
    metadata.target() == "rocket::launch" && *metadata.level() == Level::WARN
}

/// Writes the launch line as Rocket's own logger does, without a level.
///
/// Outside debug, it is also the last of Rocket's own records that anything
/// shows: no layer's filter lets through the four that Rocket logs for each
/// request. They would still be built and bridged into `tracing` only to be
/// dropped (a small cost: the benchmark shows no difference). So once the
/// launch line is out, `log`'s level (the process's, as its logger is) is
/// turned off, and Rocket's `log` macros skip them. The app's own records are
/// `tracing` events, which this leaves alone.
struct LaunchLine {
    last_of_rockets_records: bool,
}

impl<S: Subscriber> Layer<S> for LaunchLine {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        eprintln!("{}", message.0);
        if self.last_of_rockets_records {
            tracing_log::log::set_max_level(tracing_log::log::LevelFilter::Off);
        }
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{layer, panic_line};
    use tracing_log::log::{self, LevelFilter};
    use tracing_subscriber::layer::SubscriberExt;

    /// The launch line, as Rocket logs it, through the terminal of `profile`.
    fn launch_line_in(profile: &str) {
        let figment = rocket::Config::figment().select(profile);
        let subscriber = tracing_subscriber::registry().with(layer(&figment));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "rocket::launch", "Rocket has launched from http://127.0.0.1:8000");
        });
    }

    /// One test, in this order, since `log`'s level is the process's.
    #[test]
    fn outside_debug_rockets_log_records_are_turned_off_once_the_launch_line_is_out() {
        log::set_max_level(LevelFilter::Info);
        launch_line_in("debug");
        assert_eq!(log::max_level(), LevelFilter::Info, "debug shows them all");
        launch_line_in("release");
        assert_eq!(log::max_level(), LevelFilter::Off);
    }

    /// Issue 26, finding 1, on the terminal: a panic's message is one line.
    #[test]
    fn a_panics_line_on_the_terminal_is_one_line() {
        let line = panic_line(
            Some("rocket-worker-thread"),
            Some("src/flash.rs:259:62"),
            "of `\u{e9}\nFORGED`",
        );
        assert_eq!(
            line,
            r"thread 'rocket-worker-thread' panicked at src/flash.rs:259:62: of `é\u{a}FORGED`"
        );
    }
}
