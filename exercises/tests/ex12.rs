//! Exercise 12, the race: `cargo test -p exercises --test ex12`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex12_unique_violation.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex12_unique_violation.rs")]
pub mod exercise;

use exercise::is_username_taken;
use rocket::http::{ContentType, Cookie, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use sqlx::SqlitePool;

/// The app on a fresh database holding john (id 1) and susan (id 2).
async fn app() -> (Client, SqlitePool) {
    // One connection: each connection to `sqlite::memory:` is a database of its own.
    let db = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    sqlx::raw_sql(exercise::SCHEMA)
        .execute(&db)
        .await
        .expect("the user table");
    sqlx::query(r#"INSERT INTO "user" (id, username) VALUES (1, 'john'), (2, 'susan')"#)
        .execute(&db)
        .await
        .expect("john and susan");
    let client = Client::untracked(exercise::app(db.clone()))
        .await
        .expect("the app launches");
    (client, db)
}

/// From now on, someone takes the new name of every rename between the check
/// and the write, as a request running at the same moment could.
async fn someone_always_gets_there_first(db: &SqlitePool) {
    sqlx::raw_sql(
        r#"CREATE TRIGGER get_there_first BEFORE UPDATE OF username ON "user"
           WHEN NEW.username <> OLD.username
           BEGIN INSERT INTO "user" (username) VALUES (NEW.username); END"#,
    )
    .execute(db)
    .await
    .expect("the trigger");
}

/// John submits the edit-profile form.
async fn john_submits<'c>(client: &'c Client, username: &str, about_me: &str) -> LocalResponse<'c> {
    client
        .post("/edit_profile")
        .header(ContentType::Form)
        .cookie(Cookie::new("user_id", "1"))
        .body(format!("username={username}&about_me={about_me}"))
        .dispatch()
        .await
}

/// Every user's name and about_me, by id.
async fn users(db: &SqlitePool) -> Vec<(String, Option<String>)> {
    sqlx::query_as(r#"SELECT username, about_me FROM "user" ORDER BY id"#)
        .fetch_all(db)
        .await
        .expect("the users")
}

#[rocket::async_test]
async fn a_name_taken_between_the_check_and_the_write_is_the_same_form_error() {
    let (client, db) = app().await;
    someone_always_gets_there_first(&db).await;

    let response = john_submits(&client, "johnny", "hello").await;

    assert_eq!(response.status(), Status::Ok, "the form again, never a 500");
    let page = response.into_string().await.unwrap_or_default();
    assert!(
        page.contains(r#"<span style="color: red;">[Please use a different username.]</span>"#),
        "expected the error next to the field, got:\n{page}"
    );
    assert_eq!(
        users(&db).await,
        [("john".to_owned(), None), ("susan".to_owned(), None)],
        "nothing saved"
    );
}

#[rocket::async_test]
async fn any_other_database_error_is_still_a_500() {
    let (client, db) = app().await;
    sqlx::raw_sql(
        r#"CREATE TRIGGER fail BEFORE UPDATE ON "user"
           BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"#,
    )
    .execute(&db)
    .await
    .expect("the trigger");

    let response = john_submits(&client, "johnny", "hello").await;

    assert_eq!(response.status(), Status::InternalServerError);
}

#[rocket::async_test]
async fn a_taken_name_is_the_form_error_and_a_free_name_is_still_saved() {
    let (client, db) = app().await;

    let taken = john_submits(&client, "susan", "").await;
    assert_eq!(taken.status(), Status::Ok);
    let free = john_submits(&client, "johnny", "hello").await;
    assert_eq!(free.status(), Status::SeeOther);
    assert_eq!(
        users(&db).await[0],
        ("johnny".to_owned(), Some("hello".to_owned()))
    );
}

#[rocket::async_test]
async fn only_the_username_index_refusing_is_a_taken_username() {
    let (_client, db) = app().await;
    sqlx::raw_sql(r#"CREATE TABLE other (name TEXT UNIQUE); INSERT INTO other VALUES ('x');"#)
        .execute(&db)
        .await
        .expect("another unique index");

    let username = sqlx::query(r#"UPDATE "user" SET username = 'susan' WHERE id = 1"#)
        .execute(&db)
        .await
        .expect_err("susan is taken");
    let other = sqlx::query("INSERT INTO other VALUES ('x')")
        .execute(&db)
        .await
        .expect_err("x is taken");

    assert!(is_username_taken(&username), "{username}");
    assert!(!is_username_taken(&other), "{other}");
    assert!(!is_username_taken(&sqlx::Error::RowNotFound));
}
