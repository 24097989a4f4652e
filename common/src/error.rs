//! The one error type every handler returns: `Result<_, AppError>`.
//!
//! Flask lets any exception escape a view and turns it into a 500, and in every
//! app its `log_exception` logs "Exception on <path> [<METHOD>]" with the
//! traceback. In Rust the failure is a value: [`ErrorKind`] names what went
//! wrong, `?` converts into it and captures the backtrace, and the
//! [`Responder`] logs it ([`log_exception`]) and answers 500.

use backtrace::Backtrace;
use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder};

use crate::failure::{Failure, Frame};
use crate::models::SaveError;

mod kinds;

// ANCHOR: error_kind
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
// ANCHOR_END: error_kind

// ANCHOR: save_error
/// A save that failed is a failed database query, taken names included: in
/// chapter 6 nothing expects a name to be taken, so `?` makes it the 500 of
/// the duplicate-username bug.
impl From<SaveError> for ErrorKind {
    fn from(error: SaveError) -> Self {
        match error {
            SaveError::UsernameTaken(error)
            | SaveError::EmailTaken(error)
            | SaveError::Database(error) => ErrorKind::Database(error),
        }
    }
}
// ANCHOR_END: save_error

// ANCHOR: app_error
/// An [`ErrorKind`] plus the backtrace of where `?` first met it. Captured
/// always (not only under `RUST_BACKTRACE`), as bare addresses: the function
/// names, files and lines are looked up only if the error is shown.
#[derive(Debug)]
pub struct AppError {
    kind: ErrorKind,
    backtrace: Backtrace,
}
// ANCHOR_END: app_error

// ANCHOR: capture
impl<E: Into<ErrorKind>> From<E> for AppError {
    fn from(error: E) -> Self {
        AppError {
            kind: error.into(),
            backtrace: Backtrace::new_unresolved(),
        }
    }
}
// ANCHOR_END: capture

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

impl AppError {
    /// Logs the error against the request that hit it, and keeps it as the
    /// request's [`Failure`] for the pages and reports that show it.
    pub fn record(self, req: &Request<'_>) {
        // The frames below the capture in this file: the stack starts at `?`.
        let frames = Frame::since(file!(), Frame::all_of(self.backtrace));
        let causes = Failure::causes_of(&self.kind);
        let (kind, root_cause) = (self.kind.name(), self.kind.root_cause());
        Failure::new(self.kind.to_string(), causes, None, frames)
            .of_kind(kind, root_cause)
            .record(req);
    }
}

// ANCHOR: responder
impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        self.record(req);
        // Returning the status, not a body, hands the response to the 500
        // catcher: Rocket's plain page unless the app registers its own.
        Err(Status::InternalServerError)
    }
}
// ANCHOR_END: responder

// ANCHOR: log_exception
/// Flask's `log_exception`: "Exception on /edit_profile [POST]: " and the
/// error with its causes, on one line whatever they hold (a panic's message
/// may hold what a visitor sent: [`Failure::summary`]), then the traceback,
/// the app's frames, in a field of its own. The other fields say which failure it
/// is: its `reference`, its `kind` (`Database`, or a panic's location), its
/// `root_cause` (`sqlx::Error::Database(code 5)`) and its `origin` (the
/// innermost frame of the app's own code).
pub(crate) fn log_exception(req: &Request<'_>, failure: &Failure) {
    let origin = failure.origin().map(Frame::to_string).unwrap_or_default();
    tracing::error!(
        reference = %failure.reference,
        kind = %failure.kind,
        root_cause = %failure.root_cause,
        origin = %origin,
        backtrace = %failure.traceback(),
        "Exception on {} [{}]: {}",
        req.uri().path(),
        req.method(),
        failure.summary(),
    );
}
// ANCHOR_END: log_exception
