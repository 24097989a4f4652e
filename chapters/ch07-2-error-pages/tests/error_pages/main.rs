//! Step 2: error pages in the site's layout, and failed requests that leave the
//! database as it was.

mod malformed_requests;

use common::db::DbTransaction;
use rocket::http::{ContentType, Status};
use test_support::{form_body, release, TestApp};

async fn debug_app() -> TestApp {
    TestApp::new(ch07_2_error_pages::app()).await
}

async fn release_app() -> TestApp {
    TestApp::new(release(ch07_2_error_pages::app())).await
}

fn signed_in_nav(username: &str) -> String {
    format!(r#"<a href="/user/{username}">Profile</a>"#)
}

fn assert_layout(page: &str) {
    assert!(page.contains("Microblog:"), "base.html's navigation");
    assert!(page.contains(r#"<a href="/index">Home</a>"#));
}

#[rocket::async_test]
async fn an_unknown_path_is_the_404_page_for_an_anonymous_visitor() {
    let app = release_app().await;
    let page = app.browser().await.get("/no/such/page").await;

    assert_eq!(page.status, Status::NotFound);
    assert_layout(&page.body);
    assert!(page.body.contains("<title>Welcome to Microblog</title>"));
    assert!(page.body.contains("<h1>Not Found</h1>"));
    assert!(page.body.contains(r#"<p><a href="/index">Back</a></p>"#));
    assert!(page.body.contains(r#"<a href="/login">Login</a>"#));
}

#[rocket::async_test]
async fn an_unknown_user_is_the_404_page_with_the_signed_in_navigation() {
    let app = release_app().await;
    let john = app.signed_in("john").await;

    for path in ["/user/nobody", "/no/such/page"] {
        let page = john.get(path).await;
        assert_eq!(page.status, Status::NotFound, "{path}");
        assert!(page.body.contains("<h1>Not Found</h1>"), "{path}");
        assert!(page.body.contains(&signed_in_nav("john")), "{path}");
        assert!(
            page.body.contains(r#"<a href="/logout">Logout</a>"#),
            "{path}"
        );
        assert!(!page.body.contains(r#">Login</a>"#), "{path}");
    }
}

#[rocket::async_test]
async fn the_rename_bug_in_release_is_the_500_page_with_nothing_leaked_or_changed() {
    let app = release_app().await;

    let (_, page) = app.rename_to_a_taken_name().await;

    assert_eq!(page.status, Status::InternalServerError);
    assert_layout(&page.body);
    assert!(page
        .body
        .contains("<h1>An unexpected error has occurred</h1>"));
    assert!(page
        .body
        .contains("<p>The administrator has been notified. Sorry for the inconvenience!</p>"));
    assert!(page.body.contains(&signed_in_nav("john")));
    for internal in ["UNIQUE", "database", "sqlx", ".rs", "PIN"] {
        assert!(!page.body.contains(internal), "{internal} leaked");
    }
    let john = app.user("john").await.expect("john keeps his name");
    assert_eq!(john.about_me, None);
    assert!(app.user("susan").await.is_some());
}

// ANCHOR: test_rollback
/// The transaction at work: `update_profile`'s first write (about_me)
/// succeeds, its second (the taken username) fails, and dropping the
/// transaction, as `?` does in the handler, undoes the first. The handler's
/// side of it is `the_rename_bug_in_release_...`: about_me stays as it was.
#[rocket::async_test]
async fn a_failure_after_a_successful_write_rolls_the_write_back() {
    let app = debug_app().await;
    let susan = app.create_user("susan", "susan@example.com").await;
    let john = app.create_user("john", "john@example.com").await;

    let mut connection = app.connection().await;
    let mut tx = connection.begin().await.expect("a transaction");
    let failed = common::User::update_profile(&mut tx, john.id, &susan.username, "half-done").await;
    assert!(failed.is_err(), "the second write hits the unique index");
    let DbTransaction::Sqlite(sqlite) = &mut tx else {
        panic!("this step's tests run on SQLite");
    };
    let inside: Option<String> = sqlx::query_scalar(r#"SELECT about_me FROM "user" WHERE id = $1"#)
        .bind(john.id)
        .fetch_one(&mut **sqlite)
        .await
        .expect("a read inside the transaction");
    assert_eq!(
        inside.as_deref(),
        Some("half-done"),
        "the first write happened"
    );
    drop(tx);

    let after = app.user("john").await.expect("john");
    assert_eq!(after.about_me, None, "and was rolled back");
}
// ANCHOR_END: test_rollback

#[rocket::async_test]
async fn a_bad_csrf_token_is_the_403_page() {
    let app = release_app().await;
    let john = app.signed_in("john").await;
    let body = form_body(&[
        ("username", "x"),
        ("about_me", ""),
        ("csrf_token", "forged"),
    ]);

    let page = john.post_raw("/edit_profile", &body).await;

    assert_eq!(page.status, Status::Forbidden);
    assert_layout(&page.body);
    assert!(page.body.contains("<h1>403 Forbidden</h1>"));
    assert!(page.body.contains("<title>Forbidden - Microblog</title>"));
    assert!(page.body.contains(&signed_in_nav("john")));
}

#[rocket::async_test]
async fn a_path_that_exists_for_another_method_is_the_405_page() {
    let app = release_app().await;
    let visitor = app.browser().await;

    let page = visitor.post_raw("/logout", "").await;

    assert_eq!(page.status, Status::MethodNotAllowed);
    assert_layout(&page.body);
    assert!(page.body.contains("<h1>405 Method Not Allowed</h1>"));
    let response = app.client.put("/user/john").dispatch().await;
    assert_eq!(response.status(), Status::MethodNotAllowed);
    assert_eq!(response.headers().get_one("Allow"), Some("GET, HEAD"));
}

#[rocket::async_test]
async fn a_form_missing_a_field_rocket_requires_is_the_422_page() {
    // The debugger's PIN form is a plain Rocket form: `pin` is required.
    let app = debug_app().await;
    let visitor = app.browser().await;

    let page = visitor.post_raw("/__debugger/unlock/1", "").await;

    assert_eq!(page.status, Status::UnprocessableEntity);
    assert_layout(&page.body);
    assert!(page.body.contains("<h1>422 Unprocessable Entity</h1>"));
    assert!(page.body.contains(r#"<a href="/login">Login</a>"#));
}

#[rocket::async_test]
async fn a_form_body_that_is_not_utf8_is_the_400_page() {
    let app = release_app().await;

    let response = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(b"username=\xff\xfe&password=x".as_slice())
        .dispatch()
        .await;

    assert_eq!(response.status(), Status::BadRequest);
    let page = response.into_string().await.unwrap_or_default();
    assert_layout(&page);
    assert!(page.contains("<h1>400 Bad Request</h1>"));
}

#[rocket::async_test]
async fn bad_form_bodies_get_a_form_error_or_a_4xx_page_never_a_500() {
    let app = release_app().await;
    let john = app.signed_in("john").await;
    let too_big = format!("about_me={}", "a".repeat(64 * 1024));
    let bodies = [
        "",
        "username",
        "username=&about_me=",
        "%",
        "username=&about_me=%",
        too_big.as_str(),
    ];
    let token = format!("csrf_token={}", john.csrf_token());
    for body in bodies {
        // With a valid token, so that the form itself is what gets judged.
        for body in [format!("{token}&{body}"), format!("{body}&{token}")] {
            let page = john.post_raw("/edit_profile", &body).await;
            let answered = page.status == Status::Ok || page.status.class().is_client_error();
            assert!(answered, "{}: {body:.100}", page.status);
            assert_layout(&page.body);
        }
    }
    let json = app
        .client
        .post("/register")
        .header(ContentType::JSON)
        .body(r#"{"username":"x"}"#)
        .dispatch()
        .await;
    assert!(json.status().class().is_client_error(), "{}", json.status());
    assert_eq!(app.user("john").await.and_then(|john| john.about_me), None);
    assert_eq!(app.user_count().await, 1);
}

#[rocket::async_test]
async fn a_missing_field_shows_the_form_again_with_its_error() {
    let app = release_app().await;
    let john = app.signed_in("john").await;
    let page = john.submit("/edit_profile", &[("about_me", "hello")]).await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.body.contains("[This field is required.]"));
    assert!(page.body.contains(">hello</textarea>"));
}

#[rocket::async_test]
async fn the_debug_profile_still_shows_the_debug_page_for_a_500() {
    let app = debug_app().await;

    let (_, page) = app.rename_to_a_taken_name().await;

    assert_eq!(page.status, Status::InternalServerError);
    assert!(page.body.contains("<h1>database query failed</h1>"));
    assert!(page.body.contains(r#"<input name="pin""#));
    assert!(!page.body.contains("An unexpected error has occurred"));
}

#[rocket::async_test]
async fn the_debug_profile_keeps_the_custom_404_page() {
    let app = debug_app().await;
    let page = app.browser().await.get("/nope").await;
    assert_eq!(page.status, Status::NotFound);
    assert!(page.body.contains("<h1>Not Found</h1>"));
}

#[rocket::async_test]
async fn an_unknown_debugger_failure_is_the_404_page() {
    let app = debug_app().await;
    let page = app.browser().await.get("/__debugger/failure/999").await;
    assert_eq!(page.status, Status::NotFound);
    assert_layout(&page.body);
    assert!(page.body.contains("<h1>Not Found</h1>"));
}
