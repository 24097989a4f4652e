//! The unique indexes on `email`, which ignores case, and on the look-alike
//! skeleton of `username`, and the migrations that build them on a database
//! that may already break the rule.

use std::path::Path;

use rocket::error::ErrorKind;
use rocket_db_pools::Database;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use common::db::{Db, DbConnection, DbPool};
use common::models::SaveError;
use common::User;

use crate::app;

/// The migration that makes `email` unique regardless of case.
const EMAIL_NOCASE_MIGRATION: &str = "20261127003314";
/// The migration that makes usernames unique by how they look.
const USERNAME_SKELETON_MIGRATION: &str = "20261205083800";

#[rocket::async_test]
async fn the_database_refuses_a_second_spelling_of_a_taken_email() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;

    // Straight to the table, past the form's check: the index alone decides.
    let error = User::insert(
        &mut app.connection().await,
        "johnny",
        "John@EXAMPLE.com",
        "hash",
    )
    .await
    .expect_err("the unique index refuses it");

    assert!(matches!(error, SaveError::EmailTaken(_)), "{error}");
    assert_eq!(app.user_count().await, 1);
}

/// A pool on a new database file at `path`, migrated up to (not including)
/// `migration`, as a database from before it would be.
async fn database_from_before(path: &Path, migration: &str) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.expect("a database");
    let older = tempfile::tempdir().expect("a directory for the older migrations");
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    for entry in std::fs::read_dir(all).expect("the migrations") {
        let path = entry.expect("a migration").path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        if name < migration {
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

/// A user written as chapter 6's schema has it, on a database from before a
/// migration (`User::insert` writes today's columns).
async fn insert_user(pool: &SqlitePool, username: &str, email: &str) {
    sqlx::query(r#"INSERT INTO "user" (username, email) VALUES (?, ?)"#)
        .bind(username)
        .bind(email)
        .execute(pool)
        .await
        .expect("the older indexes allow it");
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
    let pool = database_from_before(&path, EMAIL_NOCASE_MIGRATION).await;
    for (username, email) in [("john", "john@example.com"), ("John", "JOHN@example.com")] {
        insert_user(&pool, username, email).await;
    }

    // What the app's migration step logs before it refuses to start.
    let error = sqlx::migrate!("../migrations/sqlite")
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
    refuses_to_start(&path).await;

    // Once the extra address is changed, the next start migrates and runs.
    sqlx::query(r#"UPDATE "user" SET email = 'john2@example.com' WHERE username = 'John'"#)
        .execute(&pool)
        .await
        .expect("the fix");
    pool.close().await;
    let client = launch_on(&path).await.expect("the app starts");
    let mut connection = connection_of(&client).await;
    assert!(User::email_taken(&mut connection, "JOHN2@Example.com")
        .await
        .expect("a query"));
}

#[rocket::async_test]
async fn the_database_refuses_a_look_alike_of_a_taken_username() {
    let app = app().await;
    app.create_user("alice", "alice@example.com").await;
    app.create_user("Jose\u{301}", "jose@example.com").await;

    // Straight to the table, past the form: the index on the skeleton alone
    // decides. Cyrillic `а`, and `José` with a precomposed `é`. The same name
    // meets chapter 6's index first, which names the column as it always did.
    for (look_alike, email, index) in [
        ("\u{430}lice", "a@example.com", "user.username_skeleton"),
        ("Jos\u{e9}", "j@example.com", "user.username_skeleton"),
        ("alice", "b@example.com", "user.username"),
    ] {
        let error = User::insert(&mut app.connection().await, look_alike, email, "hash")
            .await
            .expect_err("the unique index refuses it");
        let SaveError::UsernameTaken(cause) = &error else {
            panic!("{look_alike:?}: {error}");
        };
        let message = cause.to_string();
        assert!(
            message.ends_with(&format!("UNIQUE constraint failed: {index}")),
            "{look_alike:?}: {message}"
        );
        assert!(
            User::username_taken(&mut app.connection().await, look_alike)
                .await
                .expect("a query")
        );
    }
    assert_eq!(app.user_count().await, 2);

    // A rename too: the race's loser in step 5 meets this index.
    let bob = app.create_user("bob", "bob@example.com").await;
    let mut connection = app.connection().await;
    let mut tx = connection.begin().await.expect("a transaction");
    let error = User::update_profile(&mut tx, bob.id, "\u{430}lice", "")
        .await
        .expect_err("the unique index refuses it");
    assert!(matches!(error, SaveError::UsernameTaken(_)), "{error}");
    drop(tx);
    assert!(app.user("bob").await.is_some(), "bob keeps his name");
}

#[rocket::async_test]
async fn a_database_holding_look_alike_usernames_does_not_start_until_they_are_renamed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("microblog.db");
    let pool = database_from_before(&path, USERNAME_SKELETON_MIGRATION).await;
    let users = [
        ("alice", "alice@example.com"),
        ("\u{430}lice", "cyrillic@example.com"),
        ("bob", "bob@example.com"),
        ("Jos\u{e9}", "nfc@example.com"),
        ("Jose\u{301}", "nfd@example.com"),
        ("ali\u{ad}ce", "hyphen@example.com"),
        ("Zoe\u{308}", "zoe@example.com"),
        (
            "\u{ff43}\u{ff41}\u{ff52}\u{ff4f}\u{ff4c}",
            "carol@example.com",
        ),
    ];
    for (username, email) in users {
        insert_user(&pool, username, email).await;
    }

    // The SQL half adds the column and its index; the Rust half, which the
    // app runs right after it, refuses, and names the users.
    sqlx::migrate!("../migrations/sqlite")
        .run(&pool)
        .await
        .expect("the column and its index");
    let error = User::refresh_username_skeletons(&DbPool::from(pool.clone()))
        .await
        .expect_err("the look-alikes are refused");
    let message = error.to_string();
    assert!(
        message.contains("Some users have usernames that look alike: \"alice\" (id 1) and \"\u{430}lice\" (id 2) and \"ali\\u{ad}ce\" (id 6); \"Jos\u{e9}\" (id 4) and \"Jose\\u{301}\" (id 5)."),
        "{message}"
    );
    assert!(
        message.contains("rename or remove the extra ones, then start the app again. For example, in sqlite3 or psql: UPDATE \"user\" SET username = 'a new name' WHERE id = 2;"),
        "{message}"
    );
    let filled: Vec<i64> =
        sqlx::query_scalar(r#"SELECT count(*) FROM "user" WHERE username_skeleton IS NOT NULL"#)
            .fetch_all(&pool)
            .await
            .expect("a count");
    assert_eq!(filled, [0], "nothing is filled in");

    // The app does not start on it, and says which stage failed.
    refuses_to_start(&path).await;

    // Once the extra names are changed, the next start fills in every
    // skeleton, and the index keeps look-alikes out from then on.
    for (id, name) in [(2, "alicia"), (5, "Josh"), (6, "alison")] {
        sqlx::query(r#"UPDATE "user" SET username = ? WHERE id = ?"#)
            .bind(name)
            .bind(id)
            .execute(&pool)
            .await
            .expect("the fix");
    }
    pool.close().await;
    let client = launch_on(&path).await.expect("the app starts");
    let mut connection = connection_of(&client).await;
    let pool = Db::fetch(client.rocket())
        .and_then(|db| db.sqlite())
        .expect("the SQLite pool");
    let missing: Vec<i64> =
        sqlx::query_scalar(r#"SELECT count(*) FROM "user" WHERE username_skeleton IS NULL"#)
            .fetch_all(pool)
            .await
            .expect("a count");
    assert_eq!(missing, [0], "every user has a skeleton");
    // Names in another spelling of a valid name take the one the forms read.
    for (typed, id) in [("Zo\u{eb}", 7), ("carol", 8), ("Jos\u{e9}", 4)] {
        let user = User::find_by_username(&mut connection, typed)
            .await
            .expect("a query");
        assert_eq!(user.map(|user| user.id), Some(id), "{typed:?}");
    }
    let error = User::insert(&mut connection, "\u{430}lice", "again@example.com", "hash")
        .await
        .expect_err("a look-alike of alice");
    assert!(matches!(error, SaveError::UsernameTaken(_)), "{error}");
}

/// A connection of the app's own pool.
async fn connection_of(client: &rocket::local::asynchronous::Client) -> DbConnection {
    let db = Db::fetch(client.rocket()).expect("the pool");
    db.acquire().await.expect("a connection")
}

/// The app does not start on the database at `path`: its migrations stage fails.
async fn refuses_to_start(path: &Path) {
    let failed = launch_on(path).await.expect_err("the app refuses to start");
    match failed.kind() {
        ErrorKind::FailedFairings(fairings) => assert!(
            fairings.iter().any(|f| f.name == "Database migrations"),
            "{fairings:?}"
        ),
        other => panic!("not a failed migration: {other:?}"),
    }
}
