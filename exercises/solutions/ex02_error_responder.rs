//! # Exercise 2 · Debug mode: from an error to a 500
//!
//! A handler returns `Result<_, AppError>`, and Rocket asks the error how to
//! answer: that is the `Responder` trait. For an exception Flask logs
//! `Exception on /users [GET]` with the traceback, and answers with its 500
//! page. Do the same here:
//!
//! 1. `with_causes`: the error's message, then the message of each of its
//!    causes (follow `source()` until there is none), joined by `": "`, like
//!    `database query failed: UNIQUE constraint failed: user.username`.
//! 2. `impl Responder for AppError`: log one ERROR record,
//!    `Exception on <path> [<method>]: <the message with its causes>`, and
//!    answer `Err(Status::InternalServerError)`. An `Err` is not a response: it
//!    hands the request to the app's 500 catcher (the page of exercise 5), so
//!    the visitor never sees the error's text.
//!
//! The chapter's version is `impl Responder for AppError`, in
//! common/src/error.rs.
//!
//! Check it: `cargo test -p exercises --test ex02`
//! Stuck? `cargo run -p exercises --bin hint -- 2`

use std::error::Error;

use rocket::http::Status;
use rocket::response::{self, Responder};
use rocket::{get, Request, State};
use sqlx::SqlitePool;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
}

/// A page that needs the database, which may fail.
#[get("/users")]
pub async fn users(db: &State<SqlitePool>) -> Result<String, AppError> {
    let count: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "user""#)
        .fetch_one(db.inner())
        .await?;
    Ok(format!("{count} users"))
}

/// `database query failed: error returned from database: ...`
pub fn with_causes(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        tracing::error!(
            "Exception on {} [{}]: {}",
            req.uri().path(),
            req.method(),
            with_causes(&self)
        );
        Err(Status::InternalServerError)
    }
}
