//! The one error type every handler returns: `Result<_, AppError>`.
//!
//! Flask lets any exception escape a view and turns it into a 500. In Rust the
//! failure is a value: [`ErrorKind`] names what went wrong, `?` converts into it,
//! and the [`Responder`] turns it into the 500 response, after logging it and
//! keeping it as the request's [`Failure`] for the steps that show or mail it.

use std::backtrace::Backtrace;
use std::error::Error as _;
use std::fmt::{self, Write as _};
use std::sync::OnceLock;

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder};

#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
    #[error("a stored password hash could not be read")]
    PasswordHash(#[from] argon2::password_hash::Error),
    #[error("a blocking task did not finish")]
    Task(#[from] rocket::tokio::task::JoinError),
    #[error("the password hashing threads are gone")]
    PasswordHasherGone,
}

/// An [`ErrorKind`] plus the backtrace of where `?` first met it. Captured
/// always (not only under `RUST_BACKTRACE`), and only symbolized when shown.
#[derive(Debug)]
pub struct AppError {
    kind: ErrorKind,
    backtrace: Backtrace,
}

// ANCHOR: capture
impl<E: Into<ErrorKind>> From<E> for AppError {
    fn from(error: E) -> Self {
        AppError {
            kind: error.into(),
            backtrace: Backtrace::force_capture(),
        }
    }
}
// ANCHOR_END: capture

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

impl AppError {
    /// Logs the error against the request that hit it and keeps it as the
    /// request's [`Failure`]. Every 500 of the app comes through here.
    pub fn report(self, req: &Request<'_>) {
        let mut causes: Vec<String> = Vec::new();
        let mut cause = self.source();
        while let Some(error) = cause {
            let text = error.to_string();
            // sqlx's error repeats its source's message: say it once.
            if !causes
                .last()
                .is_some_and(|previous| previous.ends_with(&text))
            {
                causes.push(text);
            }
            cause = error.source();
        }
        Failure {
            message: self.to_string(),
            causes,
            location: None,
            backtrace: self.backtrace,
        }
        .record(req);
    }
}

// ANCHOR: responder
impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        self.report(req);
        // Returning the status, not a body, hands the response to the 500
        // catcher: Rocket's plain page here, the site's own page from step 2.
        Err(Status::InternalServerError)
    }
}
// ANCHOR_END: responder

/// What made a request fail with a 500: an [`AppError`], or (from step 1 on) a
/// panic. The first failure of a request is the one kept.
#[derive(Debug)]
pub struct Failure {
    /// The error's own message, or the panic message.
    pub message: String,
    /// The error's `source()` chain, outermost first.
    pub causes: Vec<String>,
    /// `file:line:column` of a panic.
    pub location: Option<String>,
    pub backtrace: Backtrace,
}

#[derive(Default)]
struct Recorded(OnceLock<Failure>);

impl Failure {
    /// The message followed by every cause, the way anyhow's `{:#}` prints it:
    /// `database query failed: error returned from database: ... UNIQUE constraint failed`.
    pub fn with_causes(&self) -> String {
        std::iter::once(&self.message)
            .chain(&self.causes)
            .cloned()
            .collect::<Vec<_>>()
            .join(": ")
    }

    /// Logs the failure, with the backtrace frames of this workspace's own code
    /// (the rest is std, tokio and Rocket, and would be a hundred lines more),
    /// and keeps it for `req`.
    pub fn record(self, req: &Request<'_>) {
        let frames = self.frames();
        let mut backtrace = String::new();
        for frame in frames.iter().filter(|frame| frame.is_own_code()) {
            let _ = write!(backtrace, "\n  {frame}");
        }
        let others = frames.iter().filter(|frame| !frame.is_own_code()).count();
        let _ = write!(
            backtrace,
            "\n  ({others} more frames in std, tokio and Rocket)"
        );
        let location = self
            .location
            .as_deref()
            .map(|at| format!(" at {at}"))
            .unwrap_or_default();
        tracing::error!(
            "Exception on {} [{}]: {}{location}{backtrace}",
            req.uri().path(),
            req.method(),
            self.with_causes(),
        );
        let _ = req.local_cache(Recorded::default).0.set(self);
    }

    /// The backtrace, frame by frame. Backtraces are symbolized here, on first
    /// use, not when captured.
    pub fn frames(&self) -> Vec<Frame> {
        Frame::parse(&self.backtrace.to_string())
    }

    /// The failure recorded for `req`, if it failed.
    pub fn of<'r>(req: &'r Request<'_>) -> Option<&'r Failure> {
        req.local_cache(Recorded::default).0.get()
    }
}

/// One frame of a backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub function: String,
    /// The source file, as the compiler recorded it.
    pub file: Option<String>,
    pub line: Option<usize>,
}

impl Frame {
    /// Reads std's printed backtrace, whose shape is stable:
    ///
    /// ```text
    ///    7: common::routes::edit_profile::{{closure}}
    ///              at ./common/src/routes.rs:262:5
    /// ```
    pub fn parse(printed: &str) -> Vec<Frame> {
        let mut frames: Vec<Frame> = Vec::new();
        for line in printed.lines().map(str::trim) {
            if let Some(at) = line.strip_prefix("at ") {
                if let Some(frame) = frames.last_mut() {
                    // `path:line:column`; the path may hold colons, so split from the end.
                    let mut parts = at.rsplitn(3, ':');
                    let (_column, number, path) = (parts.next(), parts.next(), parts.next());
                    match (path, number.map(str::parse)) {
                        (Some(path), Some(Ok(number))) => {
                            frame.file = Some(path.to_owned());
                            frame.line = Some(number);
                        }
                        _ => frame.file = Some(at.to_owned()),
                    }
                }
            } else if let Some((index, function)) = line.split_once(": ") {
                if index.chars().all(|c| c.is_ascii_digit()) {
                    frames.push(Frame {
                        function: function.to_owned(),
                        file: None,
                        line: None,
                    });
                }
            }
        }
        frames
    }

    /// Whether the frame is in this workspace's Rust code, not in std
    /// (`/rustc/...`), a crate from the registry (`~/.cargo/registry/...`) or
    /// the C library.
    pub fn is_own_code(&self) -> bool {
        self.file.as_deref().is_some_and(|file| {
            file.ends_with(".rs")
                && !file.starts_with("/rustc/")
                && !file.contains("/.cargo/")
                && !file.contains("/rustlib/")
        })
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.function)?;
        if let (Some(file), Some(line)) = (&self.file, self.line) {
            write!(f, " at {file}:{line}")?;
        }
        Ok(())
    }
}
