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

// ANCHOR: kinds
impl ErrorKind {
    /// The variant's name: which kind of failure it is.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::Database(_) => "Database",
            ErrorKind::PasswordHash(_) => "PasswordHash",
            ErrorKind::Task(_) => "Task",
            ErrorKind::PasswordHasherGone => "PasswordHasherGone",
        }
    }

    /// The kind of what caused it, read from the cause's type, never from its
    /// text: for a database error, sqlx's variant and the database's own code
    /// (SQLite's `14` "unable to open database file", `5` "database is
    /// locked", `8` read-only, `2067` a unique violation), so that each is a
    /// failure of its own. Empty when there is no cause.
    pub fn root_cause(&self) -> String {
        match self {
            ErrorKind::Database(error) => sqlx_kind(error),
            ErrorKind::PasswordHash(error) => format!("password_hash::Error::{error:?}"),
            ErrorKind::Task(error) if error.is_panic() => "JoinError(panic)".to_owned(),
            ErrorKind::Task(_) => "JoinError(cancelled)".to_owned(),
            ErrorKind::PasswordHasherGone => String::new(),
        }
    }
}

/// `sqlx::Error::Database(code 5)`, `sqlx::Error::Io(NotFound)`,
/// `sqlx::Error::PoolTimedOut`: sqlx's variant, and what names the failure
/// inside it.
fn sqlx_kind(error: &sqlx::Error) -> String {
    use sqlx::Error;
    let variant = match error {
        Error::Database(database) => {
            return match database.code() {
                Some(code) => format!("sqlx::Error::Database(code {code})"),
                None => format!("sqlx::Error::Database({:?})", database.kind()),
            };
        }
        Error::Io(io) => return format!("sqlx::Error::Io({:?})", io.kind()),
        Error::Configuration(_) => "Configuration",
        Error::Tls(_) => "Tls",
        Error::Protocol(_) => "Protocol",
        Error::RowNotFound => "RowNotFound",
        Error::TypeNotFound { .. } => "TypeNotFound",
        Error::ColumnIndexOutOfBounds { .. } => "ColumnIndexOutOfBounds",
        Error::ColumnNotFound(_) => "ColumnNotFound",
        Error::ColumnDecode { .. } => "ColumnDecode",
        Error::Decode(_) => "Decode",
        Error::AnyDriverError(_) => "AnyDriverError",
        Error::PoolTimedOut => "PoolTimedOut",
        Error::PoolClosed => "PoolClosed",
        Error::WorkerCrashed => "WorkerCrashed",
        Error::Migrate(_) => "Migrate",
        _ => "other",
    };
    format!("sqlx::Error::{variant}")
}
// ANCHOR_END: kinds

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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::{ConnectOptions, Executor};

    use super::*;

    fn root_cause(error: sqlx::Error) -> String {
        ErrorKind::from(error).root_cause()
    }

    /// Issue 26, finding 8: the failures that an attack on the database gave
    /// were one group. Each is a root cause of its own, read from sqlx's
    /// variant and SQLite's code, not from their text.
    #[test]
    fn each_database_failure_has_a_root_cause_of_its_own() {
        let runtime = rocket::tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("a directory");
            let path = dir.path().join("microblog.db");
            let options = SqliteConnectOptions::new().filename(&path);

            let cannot_open = SqliteConnectOptions::new()
                .filename(dir.path().join("no/such/folder.db"))
                .connect()
                .await
                .expect_err("no such folder");

            let mut holder = options
                .clone()
                .create_if_missing(true)
                .connect()
                .await
                .expect("a database");
            holder.execute("CREATE TABLE t (x)").await.expect("a table");
            let mut reader = options
                .clone()
                .read_only(true)
                .connect()
                .await
                .expect("read-only");
            let read_only = reader
                .execute("INSERT INTO t VALUES (1)")
                .await
                .expect_err("read-only");

            holder.execute("BEGIN EXCLUSIVE").await.expect("the lock");
            let mut other = options
                .clone()
                .busy_timeout(Duration::ZERO)
                .connect()
                .await
                .expect("a second connection");
            let locked = other
                .execute("INSERT INTO t VALUES (1)")
                .await
                .expect_err("locked");

            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_millis(50))
                .connect_with(options)
                .await
                .expect("a pool");
            let _held = pool.acquire().await.expect("the pool's one connection");
            let timed_out = pool.acquire().await.expect_err("none left");

            let causes = [cannot_open, read_only, locked, timed_out].map(root_cause);
            assert_eq!(
                causes,
                [
                    "sqlx::Error::Database(code 14)",
                    "sqlx::Error::Database(code 8)",
                    "sqlx::Error::Database(code 5)",
                    "sqlx::Error::PoolTimedOut",
                ]
            );
        });
    }

    #[test]
    fn a_kind_is_its_variants_name() {
        let error = ErrorKind::from(sqlx::Error::RowNotFound);
        assert_eq!(error.name(), "Database");
        assert_eq!(error.root_cause(), "sqlx::Error::RowNotFound");
        assert_eq!(ErrorKind::PasswordHasherGone.root_cause(), "");
    }
}
