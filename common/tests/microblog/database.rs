//! The unique index on `email`, which ignores case, and the migration that
//! builds it on a database that may already break the rule.

use std::path::Path;

use rocket::error::ErrorKind;
use rocket_db_pools::Database;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use common::db::Db;
use common::models::SaveError;
use common::User;

use crate::app;

/// The migration that makes `email` unique regardless of case.
const EMAIL_NOCASE_MIGRATION: &str = "20261127003314";

#[rocket::async_test]
async fn the_database_refuses_a_second_spelling_of_a_taken_email() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;

    // Straight to the table, past the form's check: the index alone decides.
    let error = User::insert(app.pool(), "johnny", "John@EXAMPLE.com", "hash")
        .await
        .expect_err("the unique index refuses it");

    assert!(matches!(error, SaveError::EmailTaken(_)), "{error}");
    assert_eq!(app.user_count().await, 1);
}

/// A pool on a new database file at `path`, migrated up to (not including)
/// the email migration, as a database from before it would be.
async fn database_from_before_the_email_migration(path: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.expect("a database");
    let older = tempfile::tempdir().expect("a directory for the older migrations");
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    for entry in std::fs::read_dir(all).expect("the migrations") {
        let path = entry.expect("a migration").path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if name < EMAIL_NOCASE_MIGRATION {
            std::fs::copy(&path, older.path().join(name)).expect("a copy");
        }
    }
    sqlx::migrate::Migrator::new(older.path())
        .await
        .expect("the older migrations")
        .run(&pool)
        .await
        .expect("the older migrations apply");
    pool
}

/// `common::app()` on the database file at `path`.
async fn launch_on(path: &Path) -> Result<rocket::local::asynchronous::Client, rocket::Error> {
    let rocket = common::app();
    let figment = rocket
        .figment()
        .clone()
        .merge(("databases.microblog.url", path.display().to_string()))
        .merge((
            "template_dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../templates"),
        ));
    rocket::local::asynchronous::Client::untracked(rocket.configure(figment)).await
}

#[rocket::async_test]
async fn a_database_holding_emails_that_differ_only_in_case_is_not_migrated_and_the_app_does_not_start(
) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("microblog.db");
    let pool = database_from_before_the_email_migration(&path).await;
    for (username, email) in [("john", "john@example.com"), ("John", "JOHN@example.com")] {
        User::insert(&pool, username, email, "hash")
            .await
            .expect("chapter 6's index allows both");
    }

    // What the app's migration step logs before it refuses to start.
    let error = sqlx::migrate!("../migrations")
        .run(&pool)
        .await
        .expect_err("the migration refuses");
    let message = error.to_string();
    assert!(
        message.contains("Some users have email addresses that differ only in case"),
        "{message}"
    );
    // Rolled back: both users, and chapter 6's index, are as they were.
    let users: Vec<String> = sqlx::query_scalar(r#"SELECT email FROM "user" ORDER BY id"#)
        .fetch_all(&pool)
        .await
        .expect("the users");
    assert_eq!(users, ["john@example.com", "JOHN@example.com"]);

    // The app does not start on it, and says which stage failed.
    let failed = launch_on(&path)
        .await
        .expect_err("the app refuses to start");
    match failed.kind() {
        ErrorKind::FailedFairings(fairings) => assert!(
            fairings.iter().any(|f| f.name == "SQLite migrations"),
            "{fairings:?}"
        ),
        other => panic!("not a failed migration: {other:?}"),
    }

    // Once the extra address is changed, the next start migrates and runs.
    sqlx::query(r#"UPDATE "user" SET email = 'john2@example.com' WHERE username = 'John'"#)
        .execute(&pool)
        .await
        .expect("the fix");
    pool.close().await;
    let client = launch_on(&path).await.expect("the app starts");
    // The app's own pool: `Db` dereferences to it.
    let pool: &SqlitePool = Db::fetch(client.rocket()).expect("the pool");
    assert!(User::email_taken(pool, "JOHN2@Example.com")
        .await
        .expect("a query"));
}
