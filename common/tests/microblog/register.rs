use rocket::http::Status;
use test_support::PASSWORD;

use crate::app;

#[rocket::async_test]
async fn registering_creates_the_user_and_sends_them_to_sign_in() {
    let app = app().await;
    let visitor = app.browser().await;

    let reply = visitor
        .post(
            "/register",
            &[
                ("username", "susan"),
                ("email", "susan@example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;

    assert_eq!(reply.status, Status::SeeOther);
    assert_eq!(reply.location.as_deref(), Some("/login"));
    let login = visitor.get("/login").await;
    assert!(login
        .body
        .contains("Congratulations, you are now a registered user!"));
    let susan = app.user("susan").await.expect("susan was saved");
    assert_eq!(susan.email, "susan@example.com");
    let hash = susan.password_hash.expect("a password hash");
    assert!(!hash.contains(PASSWORD), "the password is stored hashed");
}

async fn register_with(fields: &[(&str, &str)]) -> (String, i64) {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let reply = app.browser().await.post("/register", fields).await;
    assert_eq!(reply.status, Status::Ok, "the form comes back");
    (reply.body, app.user_count().await)
}

#[rocket::async_test]
async fn registering_a_taken_username_shows_the_form_error() {
    let (page, users) = register_with(&[
        ("username", "john"),
        ("email", "other@example.com"),
        ("password", "x"),
        ("password2", "x"),
    ])
    .await;
    assert!(page.contains("[Please use a different username.]"));
    assert!(
        page.contains(r#"value="other@example.com""#),
        "typed values are kept"
    );
    assert_eq!(users, 1);
}

#[rocket::async_test]
async fn registering_a_taken_email_shows_the_form_error() {
    let (page, users) = register_with(&[
        ("username", "johnny"),
        ("email", "john@example.com"),
        ("password", "x"),
        ("password2", "x"),
    ])
    .await;
    assert!(page.contains("[Please use a different email address.]"));
    assert_eq!(users, 1);
}

#[rocket::async_test]
async fn registering_with_mismatched_passwords_shows_the_form_error() {
    let (page, users) = register_with(&[
        ("username", "susan"),
        ("email", "susan@example.com"),
        ("password", "one"),
        ("password2", "two"),
    ])
    .await;
    assert!(page.contains("[Field must be equal to password.]"));
    assert_eq!(users, 1);
}

#[rocket::async_test]
async fn registering_with_missing_fields_and_a_bad_email_shows_each_error() {
    let (page, users) = register_with(&[("email", "not-an-email")]).await;
    assert_eq!(page.matches("[This field is required.]").count(), 3);
    assert!(page.contains("[Invalid email address.]"));
    assert_eq!(users, 1);
}
