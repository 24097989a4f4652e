//! The 500 page renders in the site's layout, with its reference, whatever the
//! request that failed: a cookie the visitor made up, or no database at all.

use rocket::http::{Cookie, Status};
use test_support::form_body;

use crate::{assert_layout, release_app, signed_in_nav};

/// The 500 page with the reference a visitor can quote.
fn assert_500_page_with_reference(page: &test_support::Reply, what: &str) {
    assert_eq!(page.status, Status::InternalServerError, "{what}");
    assert_layout(&page.body);
    assert!(
        page.body
            .contains("<h1>An unexpected error has occurred</h1>"),
        "{what}: {}",
        page.body
    );
    assert!(
        page.body
            .contains("If you report it, quote this reference: <code>E-"),
        "{what}: {}",
        page.body
    );
}

/// Rocket's own flash reader panicked on this cookie, in the handler and again
/// in the 500 page's own guard, so the answer was Rocket's bare 500 page.
#[rocket::async_test]
async fn a_failing_request_with_a_made_up_flash_cookie_is_still_the_500_page_with_its_reference() {
    let app = release_app().await;
    app.create_user("susan", "susan@example.com").await;
    let john = app.signed_in("john").await;
    john.add_cookie(Cookie::new("_flash", "1:\u{e9}\nFORGED"));

    let body = form_body(&[
        ("username", "susan"),
        ("about_me", "typed text"),
        ("csrf_token", &john.csrf_token()),
    ]);
    let page = john.post_raw("/edit_profile", &body).await;

    assert_500_page_with_reference(&page, "the rename bug");
    assert!(page.body.contains(&signed_in_nav("john")));
    assert!(!page.body.contains("FORGED"));
}

/// The database file deleted under the running app. The sign-in and
/// registration forms need a connection, and failing to get one was a 503
/// with no reference and no ERROR: now it is the app's error like any other.
/// (A file in use cannot be deleted on Windows.)
#[cfg(unix)]
#[rocket::async_test]
async fn with_the_database_deleted_an_anonymous_sign_in_or_registration_is_the_500_page_with_its_reference(
) {
    let app = release_app().await;
    let visitor = app.browser().await;
    app.delete_database();

    let sign_in = visitor
        .submit("/login", &[("username", "john"), ("password", "pw")])
        .await;
    let register = visitor
        .submit(
            "/register",
            &[
                ("username", "susan"),
                ("email", "susan@example.com"),
                ("password", "pw"),
                ("password2", "pw"),
            ],
        )
        .await;

    assert_500_page_with_reference(&sign_in, "sign-in");
    assert_500_page_with_reference(&register, "registration");
    assert_eq!(visitor.get("/login").await.status, Status::Ok, "no query");
    assert!(!app.db_path().exists(), "no new, empty database");
}
