//! # Exercise 4 (logging to a file): Python's log line
//!
//! The tutorial's log format is
//! `%(asctime)s %(levelname)s: %(message)s [in %(pathname)s:%(lineno)d]`.
//! Write `python_line` so that it gives, for example,
//!
//! ```text
//! 2026-11-25 13:05:42,123 INFO: Microblog startup [in src/lib.rs:31]
//! ```
//!
//! - `asctime` has a comma before the milliseconds, always three digits.
//! - Python calls WARN `WARNING`; the other levels keep their names.
//! - A message of several lines (a backtrace) keeps its first line on the
//!   record's line, `[in ...]` after it, and the rest below, as Python does.
//!
//! Check: `cargo test -p exercises ex04`. Hint: `cargo run -p exercises --bin hint -- 4`.

use time::OffsetDateTime;
use tracing::Level;

/// One log record as Python's `logging.Formatter` would write it (no newline at the end).
pub fn python_line(
    when: OffsetDateTime,
    level: Level,
    message: &str,
    file: &str,
    line: u32,
) -> String {
    // TODO: Python's time format, level names and multi-line messages.
    format!("{when} {level}: {message} [in {file}:{line}]")
}
