//! Exercise 4, the 404 page: `cargo test -p exercises --test ex04`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex04_not_found.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex04_not_found.rs")]
pub mod exercise;

use rocket::http::Status;
use test_support::TestApp;

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

#[rocket::async_test]
async fn an_unknown_path_is_the_404_page_in_the_sites_layout() {
    let app = app().await;
    let page = app.browser().await.get("/no/such/page").await;

    assert_eq!(page.status, Status::NotFound);
    assert_site_layout(&page.body);
    assert!(
        page.body.contains("<h1>Not Found</h1>"),
        "expected 404.html's heading, got:\n{}",
        page.body
    );
    assert!(page.body.contains(r#"<p><a href="/index">Back</a></p>"#));
    assert!(page.body.contains("<title>Welcome to Microblog</title>"));
}

#[rocket::async_test]
async fn a_visitor_who_is_not_signed_in_sees_the_login_link() {
    let app = app().await;
    let page = app.browser().await.get("/nope").await;
    assert_eq!(page.status, Status::NotFound);
    assert!(
        page.body.contains(r#"<a href="/login">Login</a>"#),
        "{}",
        page.body
    );
}

#[rocket::async_test]
async fn an_unknown_user_is_the_404_page_with_the_navigation_of_who_is_signed_in() {
    let app = app().await;
    let john = app.signed_in("john").await;

    for path in ["/user/nobody", "/no/such/page"] {
        let page = john.get(path).await;
        assert_eq!(page.status, Status::NotFound, "{path}");
        assert!(page.body.contains("<h1>Not Found</h1>"), "{path}");
        assert!(
            page.body.contains(r#"<a href="/user/john">Profile</a>"#)
                && page.body.contains(r#"<a href="/logout">Logout</a>"#),
            "{path}: expected john's navigation, got:\n{}",
            page.body
        );
    }
}
