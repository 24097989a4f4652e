//! The one error type every handler returns: `Result<_, AppError>`.
//!
//! Flask lets any exception escape a view and turns it into a 500. In Rust the
//! failure is a value: each variant names what went wrong, `?` converts into it,
//! and its [`Responder`] turns it into the 500 response (and logs it first).

use std::error::Error as _;
use std::fmt::Write as _;

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
    #[error("a stored password hash could not be read")]
    PasswordHash(#[from] password_auth::ParseError),
    #[error("a blocking task did not finish")]
    Task(#[from] rocket::tokio::task::JoinError),
}

impl AppError {
    /// The message followed by every cause, the way anyhow's `{:#}` prints it:
    /// `database query failed: error returned from database: ... UNIQUE constraint failed`.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut cause = self.source();
        while let Some(error) = cause {
            let _ = write!(text, ": {error}");
            cause = error.source();
        }
        text
    }

    /// Logs the error against the request that hit it. Every 500 goes through
    /// here, so this is the one place later steps hook into.
    pub fn report(&self, req: &Request<'_>) {
        tracing::error!(
            "Exception on {} [{}]: {}",
            req.uri().path(),
            req.method(),
            self.with_causes()
        );
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
