//! # Exercise 1 · Debug mode: the app's error type
//!
//! In Flask any exception can escape a view, and the debugger (or the 500
//! page) takes it from there. In Rust a failure is a value that the handler
//! returns, so the app needs a type for it. Write `AppError`, an enum, with the
//! `thiserror` crate:
//!
//! - `Database`, made from a `sqlx::Error`, with the message
//!   `database query failed`;
//! - `Task`, made from a `JoinError` (a blocking task, such as hashing a
//!   password, that panicked or was cancelled), with the message
//!   `a blocking task did not finish`.
//!
//! Each variant keeps the error it was made from as its `source()`, so that the
//! debug page can show the whole chain, and `?` converts into it.
//!
//! The chapter's version is `ErrorKind`, in common/src/error.rs.
//!
//! Check it: `cargo test -p exercises --test ex01`
//! Stuck? `cargo run -p exercises --bin hint -- 1`

use rocket::tokio::task::JoinError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
    #[error("a blocking task did not finish")]
    Task(#[from] JoinError),
}
