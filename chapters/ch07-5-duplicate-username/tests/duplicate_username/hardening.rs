//! First pieces of the hardening of the complete app: escaping and sessions.

use rocket::http::{Cookie, SameSite, Status};
use test_support::{form_body, TestApp, PASSWORD};

use crate::app;

const SCRIPT: &str = "<script>alert(1)</script>";

#[rocket::async_test]
async fn markup_in_a_username_or_about_me_comes_out_escaped_everywhere() {
    let app = app().await;
    let visitor = app.browser().await;
    let registered = visitor
        .submit(
            "/register",
            &[
                ("username", SCRIPT),
                ("email", "x@example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(registered.status, Status::SeeOther);
    visitor
        .submit("/login", &[("username", SCRIPT), ("password", PASSWORD)])
        .await;
    visitor
        .submit(
            "/edit_profile",
            &[("username", SCRIPT), ("about_me", SCRIPT)],
        )
        .await;

    let encoded = rocket::http::RawStr::new(SCRIPT)
        .percent_encode()
        .to_string();
    let pages = [
        visitor.get("/index").await,
        visitor.get(&format!("/user/{encoded}")).await,
        visitor.get("/edit_profile").await,
        visitor.get(&format!("/nowhere/{encoded}")).await,
    ];
    for page in &pages {
        assert!(
            !page.body.contains(SCRIPT),
            "unescaped markup in:\n{}",
            page.body
        );
    }
    assert!(pages[0]
        .body
        .contains("Hi, &lt;script&gt;alert(1)&lt;&#x2F;script&gt;!"));
    assert!(pages[1].body.contains("<h1>User: &lt;script&gt;"));
    assert!(pages[1]
        .body
        .contains("<p>&lt;script&gt;alert(1)&lt;&#x2F;script&gt;</p>"));
}

#[rocket::async_test]
async fn the_session_cookie_is_encrypted_http_only_and_same_site_lax() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let session = john.cookie("user_id").expect("a session cookie");

    assert_ne!(session.value(), "1", "the value is encrypted, not the id");
    assert!(session.value().len() > 20);
    // Re-sign in to see the attributes the server sets.
    let fresh = app.browser().await;
    let reply = fresh
        .submit("/login", &[("username", "john"), ("password", PASSWORD)])
        .await;
    let cookie = reply.set_cookie("user_id").expect("set on sign-in");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Lax));
}

#[rocket::async_test]
async fn an_edited_session_cookie_is_an_anonymous_visitor_never_a_500() {
    let app: TestApp = app().await;
    let john = app.signed_in("john").await;
    let session = john.cookie("user_id").expect("a session cookie");
    let mut tampered = session.value().to_owned();
    let last = tampered
        .pop()
        .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
    tampered.push(last);

    for value in [tampered.as_str(), "", "%%%", "1"] {
        let response = app
            .client
            .get("/index")
            .cookie(Cookie::new("user_id", value.to_owned()))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::SeeOther, "cookie {value:?}");
    }
}

#[rocket::async_test]
async fn every_post_form_needs_its_csrf_token() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let visitor = app.browser().await;
    let forms = [
        (
            "/login",
            form_body(&[("username", "john"), ("password", PASSWORD)]),
        ),
        (
            "/register",
            form_body(&[
                ("username", "m"),
                ("email", "m@example.com"),
                ("password", "p"),
                ("password2", "p"),
            ]),
        ),
        (
            "/edit_profile",
            form_body(&[("username", "m"), ("about_me", "")]),
        ),
    ];
    for (path, body) in &forms {
        let reply = visitor.post_raw(path, body).await;
        assert!(
            matches!(reply.status, Status::Forbidden | Status::SeeOther),
            "{path}: {}",
            reply.status
        );
        if reply.status == Status::SeeOther {
            // /edit_profile for an anonymous visitor: sign in first.
            assert!(
                reply.location.unwrap_or_default().starts_with("/login"),
                "{path}"
            );
        }
    }
    assert!(
        visitor.cookie("user_id").is_none(),
        "no sign-in without a token"
    );
    assert_eq!(app.user_count().await, 1);
}

/// Another process holds SQLite's write lock: a signed-in request (which writes
/// `last_seen`) waits out the busy timeout, gets the 500 page, and once the lock
/// is released the app serves again by itself.
#[rocket::async_test]
async fn a_locked_database_is_the_500_page_and_the_app_recovers_when_it_is_released() {
    use sqlx::Connection;

    if test_support::skipped_on_postgres("SQLite's write lock (the stress suite stops the server)")
    {
        return;
    }
    let app = app().await;
    let john = app.signed_in("john").await;
    let url = format!("sqlite://{}", app.db_path().display());
    let mut locker = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("a second connection");
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut locker)
        .await
        .expect("the lock");

    let page = john.get("/index").await;
    assert_eq!(page.status, Status::InternalServerError);
    assert!(page.body.contains("An unexpected error has occurred"));

    sqlx::query("ROLLBACK")
        .execute(&mut locker)
        .await
        .expect("the lock is released");
    let page = john.get("/index").await;
    assert_eq!(page.status, Status::Ok);
    assert!(page.body.contains("Hi, john!"));
}

/// Field values a browser would never send, and some it might.
fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        any::<String>(),
        "\\PC{0,70}",
        "[\\x00-\\x1f\\x7f<>&\"'%+=;]{0,20}",
        Just("x".repeat(10 * 1024)),
        Just(String::new()),
        Just("  ".to_owned()),
    ]
}

/// An email address the form accepts, or hostile text it must refuse.
fn some_email() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![3 => "[a-z0-9]{1,8}@example\\.com", 1 => hostile_text()]
}

/// Property-based: register, sign in and edit the profile with arbitrary
/// input, raw percent-encoding and repeated or missing fields. Never a 5xx;
/// whoever could register can sign in; a rejected edit changes nothing; and
/// the users in the database are exactly the accepted registrations.
#[test]
fn arbitrary_form_input_never_gives_a_500_and_rejected_input_changes_nothing() {
    use proptest::prelude::*;
    use std::cell::Cell;

    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let app = runtime.block_on(app());
    let visitor = runtime.block_on(app.browser());
    let john = runtime.block_on(app.signed_in("john"));
    let profile = |name| {
        runtime
            .block_on(app.user(name))
            .map(|user| (user.username, user.about_me))
    };
    let accepted = Cell::new(0i64);
    let mut config = ProptestConfig::with_cases(48);
    config.failure_persistence = None;

    proptest!(config, |(username in prop_oneof![1 => "[a-z]{1,12}", 3 => hostile_text()], email in some_email(), password in hostile_text(),
                        new_name in prop_oneof![Just("john".to_owned()), hostile_text()],
                        about_me in hostile_text(), raw in "[a-z_%=&+0-9A-F]{0,60}")| {
        let registered = runtime.block_on(visitor.submit(
            "/register",
            &[("username", &username), ("email", &email), ("password", &password), ("password2", &password)],
        ));
        prop_assert!(!registered.status.class().is_server_error(), "register: {}", registered.status);
        let login = runtime.block_on(visitor.submit("/login", &[("username", &username), ("password", &password)]));
        prop_assert!(!login.status.class().is_server_error(), "login: {}", login.status);
        if registered.status == Status::SeeOther {
            accepted.set(accepted.get() + 1);
            prop_assert_eq!(login.location.as_deref(), Some("/index"), "{:?} registered but cannot sign in", username);
        }
        runtime.block_on(visitor.get("/logout"));

        let before = profile("john");
        let edited = runtime.block_on(john.submit("/edit_profile", &[("username", &new_name), ("about_me", &about_me)]));
        prop_assert!(!edited.status.class().is_server_error(), "edit: {}", edited.status);
        if edited.status == Status::SeeOther {
            // Saved. Back to john, so that the next case starts from him.
            let back = runtime.block_on(john.submit("/edit_profile", &[("username", "john"), ("about_me", "")]));
            prop_assert_eq!(back.status, Status::SeeOther, "renamed to {:?}, and not back", new_name);
        } else {
            prop_assert_eq!(&before, &profile("john"), "a rejected edit changed the profile");
        }

        // A raw, possibly malformed body with repeated fields and a valid token.
        let token = john.csrf_token();
        let body = format!("username=john&username={raw}&{raw}&csrf_token={token}");
        let raw_reply = runtime.block_on(john.post_raw("/edit_profile", &body));
        prop_assert!(!raw_reply.status.class().is_server_error(), "raw: {}", raw_reply.status);
        prop_assert_eq!(profile("john").map(|(name, _)| name), Some("john".to_owned()), "raw: {}", body);
    });

    // john, plus every registration that was accepted.
    let users = runtime.block_on(app.user_count());
    println!(
        "proptest: 48 cases, {} registrations accepted, {users} users",
        accepted.get()
    );
    assert!(accepted.get() > 0, "some cases registered a user");
    assert_eq!(users, 1 + accepted.get());
}

#[rocket::async_test]
async fn a_body_over_the_form_limit_is_the_413_page() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let huge = "a".repeat(1024 * 1024);
    let reply = john
        .submit(
            "/edit_profile",
            &[("username", "john"), ("about_me", &huge)],
        )
        .await;
    assert_eq!(reply.status, Status::PayloadTooLarge);
    assert!(reply.body.contains("<h1>413 Payload Too Large</h1>"));
    assert_eq!(app.user("john").await.and_then(|john| john.about_me), None);
}
