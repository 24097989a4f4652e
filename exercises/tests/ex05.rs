//! Exercise 5, the 500 page and every other status:
//! `cargo test -p exercises --test ex05`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex05_error_catchers.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex05_error_catchers.rs")]
pub mod exercise;

use rocket::http::{ContentType, Status};
use test_support::{form_body, TestApp};

/// The app on a database of its own, as every test of the chapter runs it.
async fn app() -> TestApp {
    TestApp::new(exercise::app()).await
}

fn assert_site_layout(page: &str) {
    assert!(
        page.contains("Microblog:") && page.contains(r#"<a href="/index">Home</a>"#),
        "expected base.html's navigation, got:\n{page}"
    );
}

const JOHNS_NAVIGATION: &str = r#"<a href="/user/john">Profile</a>"#;

#[rocket::async_test]
async fn taking_someone_elses_name_is_the_500_page_with_nothing_leaked() {
    let app = app().await;

    // The bug that step 5 fixes: the unique index refuses, and that is a 500.
    let (_, page) = app.rename_to_a_taken_name().await;

    assert_eq!(page.status, Status::InternalServerError);
    assert_site_layout(&page.body);
    assert!(
        page.body
            .contains("<h1>An unexpected error has occurred</h1>"),
        "expected 500.html's heading, got:\n{}",
        page.body
    );
    assert!(page.body.contains(JOHNS_NAVIGATION), "{}", page.body);
    for internal in ["UNIQUE", "database", "sqlx"] {
        assert!(!page.body.contains(internal), "{internal} leaked");
    }
}

#[rocket::async_test]
async fn a_bad_csrf_token_is_the_403_page_named_after_its_status() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let forged = form_body(&[
        ("username", "john"),
        ("about_me", ""),
        ("csrf_token", "forged"),
    ]);

    let page = john.post_raw("/edit_profile", &forged).await;

    assert_eq!(page.status, Status::Forbidden);
    assert_site_layout(&page.body);
    assert!(
        page.body.contains("<h1>403 Forbidden</h1>"),
        "expected the error template's heading, got:\n{}",
        page.body
    );
    assert!(
        page.body.contains("<title>Forbidden - Microblog</title>"),
        "expected the reason as the title, got:\n{}",
        page.body
    );
    assert!(page.body.contains(JOHNS_NAVIGATION), "{}", page.body);
}

#[rocket::async_test]
async fn a_body_that_is_not_utf8_is_the_400_page() {
    let app = app().await;

    let response = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(b"username=\xff\xfe&password=x".as_slice())
        .dispatch()
        .await;

    assert_eq!(response.status(), Status::BadRequest);
    let page = response.into_string().await.unwrap_or_default();
    assert_site_layout(&page);
    assert!(page.contains("<h1>400 Bad Request</h1>"), "{page}");
}

#[rocket::async_test]
async fn an_unknown_path_without_a_404_catcher_falls_to_the_default_one() {
    let app = app().await;
    let page = app.browser().await.get("/nowhere").await;
    assert_eq!(page.status, Status::NotFound);
    assert_site_layout(&page.body);
    assert!(
        page.body.contains("<h1>404 Not Found</h1>"),
        "{}",
        page.body
    );
}
