use rocket::http::Status;
use test_support::PASSWORD;

use crate::app;

#[rocket::async_test]
async fn a_wrong_password_flashes_and_stays_signed_out() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let visitor = app.browser().await;

    let reply = visitor
        .submit("/login", &[("username", "john"), ("password", "wrong")])
        .await;

    assert_eq!(reply.status, Status::SeeOther);
    assert_eq!(reply.location.as_deref(), Some("/login"));
    let page = visitor.get("/login").await;
    assert!(page.body.contains("<li>Invalid username or password</li>"));
    assert!(visitor.cookie("user_id").is_none());
    assert_eq!(visitor.get("/index").await.status, Status::SeeOther);
}

#[rocket::async_test]
async fn an_unknown_username_gets_the_same_flash() {
    let app = app().await;
    let visitor = app.browser().await;
    visitor
        .submit("/login", &[("username", "nobody"), ("password", PASSWORD)])
        .await;
    assert!(visitor
        .get("/login")
        .await
        .body
        .contains("Invalid username or password"));
}

#[rocket::async_test]
async fn remember_me_makes_the_session_cookie_last_a_year() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;

    let forgetful = app.browser().await;
    let reply = forgetful
        .submit("/login", &[("username", "john"), ("password", PASSWORD)])
        .await;
    let session = reply.set_cookie("user_id").expect("a session cookie");
    assert_eq!(session.max_age(), None);
    assert_eq!(session.expires(), None, "a browser-session cookie");

    let remembered = app.browser().await;
    let reply = remembered
        .submit(
            "/login",
            &[
                ("username", "john"),
                ("password", PASSWORD),
                ("remember_me", "y"),
            ],
        )
        .await;
    let session = reply.set_cookie("user_id").expect("a session cookie");
    assert_eq!(session.max_age(), Some(rocket::time::Duration::days(365)));
    assert_eq!(session.http_only(), Some(true));
}

/// Browsers go by `Max-Age` and older clients by `Expires`: both must say a year.
#[rocket::async_test]
async fn the_remember_me_cookie_expires_when_its_max_age_says() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let visitor = app.browser().await;

    let reply = visitor
        .submit(
            "/login",
            &[
                ("username", "john"),
                ("password", PASSWORD),
                ("remember_me", "y"),
            ],
        )
        .await;

    let session = reply.set_cookie("user_id").expect("a session cookie");
    let max_age = session.max_age().expect("a Max-Age");
    let expires = session.expires_datetime().expect("an Expires date");
    let implied = rocket::time::OffsetDateTime::now_utc() + max_age;
    // Expires has whole seconds, and the request took a moment.
    let gap = (expires - implied).abs();
    assert!(
        gap < rocket::time::Duration::minutes(1),
        "Max-Age {max_age} ends {implied}, Expires says {expires}"
    );
}

async fn sign_in_with_next(next: &str) -> Option<String> {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let visitor = app.browser().await;
    let uri = format!(
        "/login?next={}",
        rocket::http::RawStr::new(next).percent_encode()
    );
    let reply = visitor
        .submit(&uri, &[("username", "john"), ("password", PASSWORD)])
        .await;
    assert_eq!(reply.status, Status::SeeOther);
    reply.location
}

#[rocket::async_test]
async fn signing_in_follows_a_relative_next() {
    assert_eq!(
        sign_in_with_next("/user/john").await.as_deref(),
        Some("/user/john")
    );
}

#[rocket::async_test]
async fn signing_in_ignores_a_next_on_another_site() {
    for next in [
        "http://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "user/john",
    ] {
        assert_eq!(
            sign_in_with_next(next).await.as_deref(),
            Some("/index"),
            "next={next}"
        );
    }
}

#[rocket::async_test]
async fn a_protected_page_sends_an_anonymous_visitor_to_sign_in_and_back() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let visitor = app.browser().await;

    let reply = visitor.get("/index").await;
    assert_eq!(reply.status, Status::SeeOther);
    assert_eq!(reply.location.as_deref(), Some("/login?next=%2Findex"));
    let login = visitor.get("/login?next=%2Findex").await;
    assert!(login
        .body
        .contains("<li>Please log in to access this page.</li>"));

    let reply = visitor
        .submit(
            "/login?next=%2Findex",
            &[("username", "john"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.location.as_deref(), Some("/index"));
    let index = visitor.get("/index").await;
    assert_eq!(index.status, Status::Ok);
    assert!(index.body.contains("<h1>Hi, john!</h1>"));
    assert!(index
        .body
        .contains("John says: <b>Beautiful day in Portland!</b>"));
}

#[rocket::async_test]
async fn every_protected_page_requires_signing_in() {
    let app = app().await;
    let visitor = app.browser().await;
    for path in ["/", "/index", "/user/john", "/edit_profile"] {
        let reply = visitor.get(path).await;
        assert_eq!(reply.status, Status::SeeOther, "{path}");
        let location = reply.location.unwrap_or_default();
        assert!(location.starts_with("/login?next="), "{path} -> {location}");
    }
}

#[rocket::async_test]
async fn logging_out_ends_the_session() {
    let app = app().await;
    let john = app.signed_in("john").await;
    assert_eq!(john.get("/index").await.status, Status::Ok);

    let reply = john.get("/logout").await;
    assert_eq!(reply.location.as_deref(), Some("/index"));
    assert!(john.cookie("user_id").is_none());
    assert_eq!(john.get("/index").await.status, Status::SeeOther);
}

#[rocket::async_test]
async fn a_signed_in_user_is_sent_from_login_and_register_to_the_index() {
    let app = app().await;
    let john = app.signed_in("john").await;
    for path in ["/login", "/register"] {
        assert_eq!(
            john.get(path).await.location.as_deref(),
            Some("/index"),
            "{path}"
        );
    }
}

#[rocket::async_test]
async fn a_forged_session_cookie_is_an_anonymous_visitor() {
    let app = app().await;
    app.create_user("john", "john@example.com").await;
    let request = app
        .client
        .get("/index")
        .cookie(rocket::http::Cookie::new("user_id", "1"));
    let response = request.dispatch().await;
    assert_eq!(response.status(), Status::SeeOther);
}

#[rocket::async_test]
async fn every_request_of_a_signed_in_user_moves_last_seen() {
    let app = app().await;
    let john = app.signed_in("john").await;
    let before = app.user("john").await.and_then(|john| john.last_seen);

    john.get("/index").await;
    let after_one = app.user("john").await.and_then(|john| john.last_seen);
    john.get("/user/john").await;
    let after_two = app.user("john").await.and_then(|john| john.last_seen);

    assert!(before.is_some());
    assert!(after_one > before, "{after_one:?} > {before:?}");
    assert!(after_two > after_one, "{after_two:?} > {after_one:?}");
}
