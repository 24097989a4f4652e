//! Exercise 11, the form's check: `cargo test -p exercises --test ex11`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex11_validate_username.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex11_validate_username.rs")]
pub mod exercise;

use exercise::{EditProfileForm, USERNAME_TAKEN};
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

fn unchanged() -> Vec<(String, Option<String>)> {
    vec![("john".to_owned(), None), ("susan".to_owned(), None)]
}

#[rocket::async_test]
async fn someone_elses_name_is_the_form_error_and_nothing_is_saved() {
    let (client, db) = app().await;

    let response = john_submits(&client, "susan", "hello").await;

    assert_eq!(
        response.status(),
        Status::Ok,
        "the form again, not a redirect and not a 500"
    );
    let page = response.into_string().await.unwrap_or_default();
    assert!(
        page.contains(r#"<span style="color: red;">[Please use a different username.]</span>"#),
        "expected the error next to the field, got:\n{page}"
    );
    assert!(
        page.contains(r#"value="susan""#),
        "what was typed stays:\n{page}"
    );
    assert!(page.contains(">hello</textarea>"), "{page}");
    assert_eq!(users(&db).await, unchanged(), "nothing saved");
}

#[rocket::async_test]
async fn keeping_your_own_name_is_fine() {
    let (client, db) = app().await;

    let response = john_submits(&client, "john", "hello").await;

    assert_eq!(
        response.status(),
        Status::SeeOther,
        "saved, and back to the form"
    );
    assert_eq!(
        response.headers().get_one("Location"),
        Some("/edit_profile")
    );
    assert_eq!(
        users(&db).await[0],
        ("john".to_owned(), Some("hello".to_owned()))
    );
}

#[rocket::async_test]
async fn a_free_name_is_saved() {
    let (client, db) = app().await;

    let response = john_submits(&client, "johnny", "").await;

    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(users(&db).await[0].0, "johnny");
}

#[rocket::async_test]
async fn validate_username_compares_with_the_original_name() {
    let (_client, db) = app().await;
    let form = |username: &str| EditProfileForm {
        username: username.to_owned(),
        about_me: String::new(),
    };

    let taken = form("susan").validate_username(&db, "john").await;
    let own = form("john").validate_username(&db, "john").await;
    let free = form("johnny").validate_username(&db, "john").await;

    assert_eq!(taken.expect("a query"), Some(USERNAME_TAKEN));
    assert_eq!(
        own.expect("a query"),
        None,
        "your own name is not taken from you"
    );
    assert_eq!(free.expect("a query"), None);
}
