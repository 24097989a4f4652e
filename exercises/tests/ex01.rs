//! Exercise 1, the app's error type: `cargo test -p exercises --test ex01`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex01_error_enum.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex01_error_enum.rs")]
pub mod exercise;

use std::error::Error as _;

use exercise::AppError;
use rocket::tokio::task::JoinError;
use sqlx::SqlitePool;

/// A query on a table that is not there, written as a handler writes it.
async fn count_users(db: &SqlitePool) -> Result<i64, AppError> {
    let count = sqlx::query_scalar(r#"SELECT count(*) FROM "user""#)
        .fetch_one(db)
        .await?;
    Ok(count)
}

/// A background task that never finishes: it is cancelled.
async fn hash_password() -> Result<String, AppError> {
    let task = rocket::tokio::spawn(std::future::pending::<String>());
    task.abort();
    Ok(task.await?)
}

async fn database_error() -> AppError {
    let db = SqlitePool::connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    count_users(&db).await.expect_err("there is no user table")
}

#[rocket::async_test]
async fn a_failed_query_is_a_database_error_saying_so() {
    let error = database_error().await;
    assert_eq!(error.to_string(), "database query failed");
    let debug = format!("{error:?}");
    assert!(
        debug.starts_with("Database("),
        "expected the `Database` variant, got {debug}"
    );
}

#[rocket::async_test]
async fn a_database_error_keeps_the_sqlx_error_as_its_source() {
    let error = database_error().await;
    let source = error
        .source()
        .expect("the error `?` converted, as `source()`");
    let cause = source
        .downcast_ref::<sqlx::Error>()
        .expect("the source is the sqlx::Error itself");
    assert!(cause.to_string().contains("no such table: user"), "{cause}");
}

#[rocket::async_test]
async fn a_task_that_did_not_finish_is_a_task_error_that_keeps_its_cause() {
    let error = hash_password().await.expect_err("the task was cancelled");
    assert_eq!(error.to_string(), "a blocking task did not finish");
    let debug = format!("{error:?}");
    assert!(
        debug.starts_with("Task("),
        "expected the `Task` variant, got {debug}"
    );
    let cause = error
        .source()
        .and_then(|source| source.downcast_ref::<JoinError>())
        .expect("the JoinError, as `source()`");
    assert!(cause.is_cancelled());
}
