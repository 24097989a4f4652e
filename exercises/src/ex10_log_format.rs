//! # Exercise 10 · Logging to a file: Python's log line, and the startup line
//!
//! The tutorial's log file has Python's format,
//! `%(asctime)s %(levelname)s: %(message)s [in %(pathname)s:%(lineno)d]`:
//!
//! ```text
//! 2026-11-25 13:05:42,007 INFO: Microblog startup [in src/lib.rs:31]
//! ```
//!
//! With `tracing`, a line's format is a `FormatEvent`. Write three parts:
//!
//! 1. `asctime`: the time as Python writes it, with a comma before three
//!    digits of milliseconds.
//! 2. `levelname`: Python's level names. Python says `WARNING` where tracing
//!    says WARN; the others keep their names.
//! 3. `format_event`: the whole line, ending in a newline. The message is what
//!    `ctx.format_fields` writes (the message, then any other fields). A
//!    message of several lines, a backtrace, keeps its first line on the
//!    record's line and the rest below it, as Python prints a traceback. The
//!    time comes from `self.now`, so that a test can stop the clock.
//!
//! And `startup_line`, Flask's `app.logger.info('Microblog startup')`: log it
//! at INFO when the app has started (Rocket's *liftoff*), outside debug only,
//! where there is a log file to read it in.
//!
//! The chapter's versions are `PythonFormat` and the startup line, in
//! chapters/ch07-4-file-logging/.
//!
//! Check it: `cargo test -p exercises --test ex10`
//! Stuck? `cargo run -p exercises --bin hint -- 10`

use std::fmt;

use rocket::fairing::AdHoc;
use time::OffsetDateTime;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Python's format, with the time from `now`.
pub struct PythonFormat {
    pub now: fn() -> OffsetDateTime,
}

impl Default for PythonFormat {
    fn default() -> Self {
        PythonFormat {
            now: OffsetDateTime::now_utc,
        }
    }
}

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
        // TODO: the time, the level, the message and where it was logged.
        ctx.format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// `2026-11-25 13:05:42,007`
pub fn asctime(at: OffsetDateTime) -> String {
    // TODO: a comma, then three digits of milliseconds.
    at.to_string()
}

/// `INFO`, `WARNING`, ...
pub fn levelname(level: &Level) -> &'static str {
    // TODO: Python's names.
    level.as_str()
}

/// `app.logger.info('Microblog startup')`, outside debug.
pub fn startup_line() -> AdHoc {
    AdHoc::on_liftoff("Startup line", |rocket| {
        Box::pin(async move {
            // TODO: log the startup line, outside debug.
            let _ = rocket;
        })
    })
}
