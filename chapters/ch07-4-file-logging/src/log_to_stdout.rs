//! `LOG_TO_STDOUT`: the app's own records on stdout instead of in `logs/`, for
//! platforms whose disk is not kept. Machinery: a learner can skip this module
//! on a first read; `lib.rs` shows where it goes.
//!
//! A later chapter of the tutorial (Deployment on Heroku) adds
//! `LOG_TO_STDOUT = os.environ.get('LOG_TO_STDOUT')` to config.py and, in
//! [`app/__init__.py`](https://github.com/miguelgrinberg/microblog/blob/v0.18/app/__init__.py),
//! a `StreamHandler` at INFO in place of the file handler when it is set.

use std::ffi::OsStr;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::Layer;

use crate::PythonFormat;

/// A `LOG_TO_STDOUT` that is neither on nor off.
#[derive(Debug, thiserror::Error)]
#[error(
    "LOG_TO_STDOUT must be on (1, true, yes, on) or off (0, false, no, off, or empty), not {0:?}"
)]
pub struct BadLogToStdout(String);

/// Whether `LOG_TO_STDOUT` asks for stdout. Unset is off.
pub fn log_to_stdout() -> Result<bool, BadLogToStdout> {
    std::env::var_os("LOG_TO_STDOUT").map_or(Ok(false), |value| on_or_off(&value))
}

/// Flask tests the variable for truth, so any non-empty value is on there,
/// `LOG_TO_STDOUT=0` and `=false` included. Here the value is a yes or a no,
/// in upper or lower case, as a person means it; anything else stops the start
/// (as a bad `MAIL_PORT` does) rather than guess whether the log is kept.
fn on_or_off(value: &OsStr) -> Result<bool, BadLogToStdout> {
    let text = value.to_str().map(str::to_ascii_lowercase);
    match text.as_deref() {
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("" | "0" | "false" | "no" | "off") => Ok(false),
        _ => Err(BadLogToStdout(value.to_string_lossy().into_owned())),
    }
}

// ANCHOR: log_stdout
/// The file layer's records (the app's own, from INFO up, in Python's
/// format), written to stdout by a thread of its own, so no request waits for
/// whatever reads the pipe. Flask's `StreamHandler()` writes to stderr, in
/// spite of the variable's name; this one writes where the name says.
pub fn log_stdout<S>() -> (impl Layer<S>, WorkerGuard)
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    // Lossless, as the file is.
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stdout());
    let layer = tracing_subscriber::fmt::layer()
        .event_format(PythonFormat)
        .with_writer(writer)
        .with_ansi(false)
        .with_filter(ch07_3_email_errors::app_records(LevelFilter::INFO));
    (layer, guard)
}
// ANCHOR_END: log_stdout

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_are_read_in_any_case_and_empty_is_off() {
        for on in ["1", "true", "True", "YES", "on"] {
            assert!(on_or_off(OsStr::new(on)).expect(on), "{on}");
        }
        for off in ["", "0", "false", "No", "OFF"] {
            assert!(!on_or_off(OsStr::new(off)).expect(off), "{off:?}");
        }
    }

    #[test]
    fn any_other_value_is_an_error_that_says_what_would_do_and_names_it() {
        let error = on_or_off(OsStr::new("stdout")).expect_err("not a yes or a no");
        assert_eq!(
            error.to_string(),
            "LOG_TO_STDOUT must be on (1, true, yes, on) or off (0, false, no, off, or empty), not \"stdout\""
        );
    }
}
