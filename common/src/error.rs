//! The one error type every handler returns: `Result<_, AppError>`.
//!
//! Flask lets any exception escape a view and turns it into a 500. In Rust the
//! failure is a value: [`ErrorKind`] names what went wrong, `?` converts into it,
//! and the [`Responder`] turns it into the 500 response, after logging it and
//! keeping it as the request's [`Failure`] for the steps that show or mail it.

use std::backtrace::Backtrace;
use std::error::Error as _;
use std::fmt;
use std::sync::OnceLock;

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder};

#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
    #[error("a stored password hash could not be read")]
    PasswordHash(#[from] password_auth::ParseError),
    #[error("a blocking task did not finish")]
    Task(#[from] rocket::tokio::task::JoinError),
}

/// An [`ErrorKind`] plus the backtrace of where `?` first met it. Captured
/// always (not only under `RUST_BACKTRACE`), and only symbolized when shown.
#[derive(Debug)]
pub struct AppError {
    kind: ErrorKind,
    backtrace: Backtrace,
}

impl<E: Into<ErrorKind>> From<E> for AppError {
    fn from(error: E) -> Self {
        AppError {
            kind: error.into(),
            backtrace: Backtrace::force_capture(),
        }
    }
}

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
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Logs the error against the request that hit it and keeps it as the
    /// request's [`Failure`]. Every 500 of the app comes through here.
    pub fn report(self, req: &Request<'_>) {
        let mut causes = Vec::new();
        let mut cause = self.source();
        while let Some(error) = cause {
            causes.push(error.to_string());
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

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        self.report(req);
        // Returning the status, not a body, hands the response to the 500
        // catcher: Rocket's plain page here, the site's own page from step 2.
        Err(Status::InternalServerError)
    }
}

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

    /// Logs the failure (in full, backtrace included) and keeps it for `req`.
    pub fn record(self, req: &Request<'_>) {
        tracing::error!(
            "Exception on {} [{}]: {}\n{}",
            req.uri().path(),
            req.method(),
            self.with_causes(),
            self.backtrace
        );
        let _ = req.local_cache(Recorded::default).0.set(self);
    }

    /// The failure recorded for `req`, if it failed.
    pub fn of<'r>(req: &'r Request<'_>) -> Option<&'r Failure> {
        req.local_cache(Recorded::default).0.get()
    }
}
