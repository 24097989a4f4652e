//! `%(asctime)s %(levelname)s: %(message)s [in %(pathname)s:%(lineno)d]`

use std::fmt;

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
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // Rocket's `log` records carry their real file and line here.
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());

        let mut message = String::new();
        ctx.format_fields(Writer::new(&mut message), event)?;
        // Like a Python traceback, the lines after the first go below the line.
        let (first, rest) = match message.split_once('\n') {
            Some((first, rest)) => (first, Some(rest)),
            None => (message.as_str(), None),
        };
        write!(
            writer,
            "{} {}: {first} [in {}:{}]",
            asctime(OffsetDateTime::now_utc()),
            levelname(metadata.level()),
            metadata.file().unwrap_or("?"),
            metadata.line().unwrap_or(0),
        )?;
        if let Some(rest) = rest {
            write!(writer, "\n{rest}")?;
        }
        writeln!(writer)
    }
}
// ANCHOR_END: format

/// `2026-11-25 13:05:42,123`: a comma before the milliseconds.
pub fn asctime(when: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second],[subsecond digits:3]");
    when.format(&format).unwrap_or_default()
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
