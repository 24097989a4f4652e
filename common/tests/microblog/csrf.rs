use rocket::http::Status;
use test_support::form_body;

use crate::app;

#[rocket::async_test]
async fn every_form_carries_a_csrf_token() {
    let app = app().await;
    let visitor = app.browser().await;
    for path in ["/login", "/register"] {
        assert_eq!(visitor.get(path).await.csrf_token().len(), 64, "{path}");
    }
    let john = app.signed_in("john").await;
    assert_eq!(john.get("/edit_profile").await.csrf_token().len(), 64);
}

#[rocket::async_test]
async fn a_post_without_a_valid_csrf_token_changes_nothing() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let wrong = "0".repeat(64);

    for token in [None, Some(""), Some(wrong.as_str())] {
        let mut fields = vec![("username", "mallory"), ("about_me", "pwned")];
        fields.extend(token.map(|token| ("csrf_token", token)));
        let reply = john.post_raw("/edit_profile", &form_body(&fields)).await;
        assert_eq!(reply.status, Status::Forbidden, "token {token:?}");
    }
    assert!(app.user("mallory").await.is_none());
    assert_eq!(app.user("john").await.and_then(|john| john.about_me), None);

    let stranger = app.browser().await;
    let body = form_body(&[
        ("username", "mallory"),
        ("email", "mallory@example.com"),
        ("password", "x"),
        ("password2", "x"),
    ]);
    assert_eq!(
        stranger.post_raw("/register", &body).await.status,
        Status::Forbidden
    );
    assert_eq!(app.user_count().await, 1);
}

#[rocket::async_test]
async fn another_visitors_token_is_refused() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let other_token = app.browser().await.get("/login").await.csrf_token();
    let body = form_body(&[
        ("username", "mallory"),
        ("about_me", ""),
        ("csrf_token", &other_token),
    ]);
    assert_eq!(
        john.post_raw("/edit_profile", &body).await.status,
        Status::Forbidden
    );
    assert!(app.user("john").await.is_some());
}
