//! Each line of the file in Python's format. Machinery: a learner can skip this
//! module on a first read; `lib.rs` shows where it goes.
//!
//! `%(asctime)s %(levelname)s: %(message)s [in %(pathname)s:%(lineno)d]`

use std::fmt::{self, Write};

use ch07_3_email_errors::event_text::EventText;
use time::macros::format_description;
use time::OffsetDateTime;
use tracing::{Event, Level, Subscriber};
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
        let metadata = event.metadata();
        // Step 3's text: one line, escaped, then a failure's backtrace.
        let message = EventText::of(event);
        // Like a Python traceback, the backtrace goes below the line.
        let (first, rest) = match message.split_once('\n') {
            Some((first, rest)) => (first, Some(rest)),
            None => (message.as_str(), None),
        };
        write_asctime(&mut writer, OffsetDateTime::now_utc())?;
        write!(
            writer,
            " {}: {first} [in {}:{}]",
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
pub fn write_asctime(writer: &mut impl Write, now: OffsetDateTime) -> fmt::Result {
    let asctime = now
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second],[subsecond digits:3]"
        ))
        .map_err(|_| fmt::Error)?;
    writer.write_str(&asctime)
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// The lines `PythonFormat` writes for what `log` logs.
    fn formatted(log: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().expect("lock").extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(PythonFormat)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let bytes = lines.0.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("UTF-8")
    }

    #[test]
    fn asctime_has_a_comma_before_three_digits_of_milliseconds() {
        let at = time::macros::datetime!(2026-11-25 13:05:42.007 UTC);
        let mut text = String::new();
        write_asctime(&mut text, at).expect("formatted");
        assert_eq!(text, "2026-11-25 13:05:42,007");
    }

    #[test]
    fn a_record_is_asctime_levelname_message_and_where_it_was_logged() {
        let line = formatted(|| tracing::warn!("disk {}% full", 93));
        let (asctime, rest) = line.split_at(23);
        assert!(asctime.as_bytes()[19] == b',', "{line}");
        let file = file!();
        let expected = format!(" WARNING: disk 93% full [in {file}:");
        assert!(rest.starts_with(&expected), "{line}");
        assert!(rest.ends_with("]\n"), "{line}");
    }

    #[test]
    fn the_backtrace_goes_below_the_bracket_like_a_traceback() {
        let line = formatted(
            || tracing::error!(backtrace = %"\n  at frame one", "Exception on /x [GET]: boom"),
        );
        let (first, rest) = line.split_once('\n').expect("two lines");
        assert!(
            first.contains(" ERROR: Exception on /x [GET]: boom [in "),
            "{line}"
        );
        assert_eq!(rest, "  at frame one\n");
    }

    /// The unit test of finding 1 of issue 26: a visitor's text in a panic's
    /// message (a cookie, say) and in any field cannot forge a record. Every
    /// line of the file starts with a time; the visitor's newline is `\u{a}`.
    #[test]
    fn a_newline_in_a_message_or_a_field_never_starts_a_line() {
        let forged = "\r\n2099-01-01 00:00:00,000 ERROR: Exception on /admin [GET]: forged";
        let log = formatted(|| {
            tracing::error!(
                reference = %"E-3f9a21c0",
                user = %format!("eve{forged}"),
                backtrace = %"\n  common::page at common/src/page.rs:12",
                "Exception on /login [GET]: panicked: 1:\u{e9}{forged}"
            )
        });
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2, "{log}");
        assert!(lines[0].contains(
            r" ERROR: Exception on /login [GET]: panicked: 1:é\u{d}\u{a}2099-01-01 00:00:00,000 ERROR: Exception on /admin [GET]: forged reference=E-3f9a21c0 user=eve\u{d}\u{a}2099-01-01"
        ), "{log}");
        assert!(
            lines[0].as_bytes()[19] == b',' && lines[0].starts_with("20"),
            "{log}"
        );
        assert_eq!(lines[1], "  common::page at common/src/page.rs:12");
    }
}
