//! `%(asctime)s %(levelname)s: %(message)s [in %(pathname)s:%(lineno)d]`

use std::cell::RefCell;
use std::fmt::{self, Write};

use ch07_3_email_errors::mail::EventText;
use time::macros::format_description;
use time::OffsetDateTime;
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Python logging's format, line for line:
/// `2026-11-25 13:05:42,123 INFO: Microblog startup [in src/lib.rs:31]`.
/// The time is UTC (Python's `asctime` is local time).
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonFormat;

// ANCHOR: format
impl<S, N> FormatEvent<S, N> for PythonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // Rocket's `log` records carry their real file and line here.
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());

        let message = escaped_message(event);
        // Like a Python traceback, the lines after the first go below the line.
        let (first, rest) = match message.split_once('\n') {
            Some((first, rest)) => (first, Some(rest)),
            None => (message.as_str(), None),
        };
        write_asctime(&mut writer, OffsetDateTime::now_utc())?;
        write!(
            writer,
            " {}: {first} [in {}:{}]",
            levelname(metadata.level()),
            metadata.file().map_or("?", pathname),
            metadata.line().unwrap_or(0),
        )?;
        if let Some(rest) = rest {
            write!(writer, "\n{rest}")?;
        }
        writeln!(writer)
    }
}
// ANCHOR_END: format

/// `%(message)s`: step 3's text of the event, with control characters other
/// than newline and tab escaped, so that no message can move the cursor or
/// recolour a terminal that shows the log. Most messages have none, and are
/// returned after one look.
fn escaped_message(event: &Event<'_>) -> String {
    let text = EventText::of(event);
    let is_control = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(is_control) {
        return text;
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) {
            escaped.extend(c.escape_unicode());
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// `2026-11-25 13:05:42,123`: a comma before the milliseconds. The part up to
/// the second changes once a second, so each thread formats it once a second.
pub fn write_asctime(writer: &mut impl Write, now: OffsetDateTime) -> fmt::Result {
    thread_local! {
        static SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
    }
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != now.unix_timestamp() {
            *second = now.unix_timestamp();
            *text = now
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second]"
                ))
                .unwrap_or_default();
        }
        write!(writer, "{text},{:03}", now.millisecond())
    })
}

/// Python's level names: WARN is `WARNING`, TRACE is Python's `NOTSET` at best.
pub fn levelname(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

/// The source file, as the compiler named it. A dependency's path starts with
/// cargo's registry folder, the same ~60 characters on every one of Rocket's
/// lines; it is cut to the crate's own folder: `rocket-0.5.2/src/server.rs`.
pub fn pathname(file: &str) -> &str {
    file.split_once("/registry/src/")
        .and_then(|(_, index_and_crate)| index_and_crate.split_once('/'))
        .map_or(file, |(_, in_crate)| in_crate)
}
