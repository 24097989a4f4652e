//! Flashed messages: shown once, in a cookie that the visitor can neither read,
//! forge nor break.

use rocket::http::{Cookie, Status};

use crate::app;

/// Rocket's own flash reader cut `1:é…` inside the `é` and panicked, and
/// showed whatever a well-formed `_flash` cookie said.
#[rocket::async_test]
async fn a_flash_cookie_the_visitor_wrote_is_no_message_and_never_a_500() {
    let app = app().await;
    for value in ["1:\u{e9}\nFORGED", "7:messageFORGED", "FORGED", "", "99:"] {
        for path in ["/login", "/register"] {
            let response = app
                .client
                .get(path)
                .cookie(Cookie::new("_flash", value))
                .dispatch()
                .await;
            assert_eq!(response.status(), Status::Ok, "{path} with {value:?}");
            let page = response.into_string().await.unwrap_or_default();
            assert!(!page.contains("FORGED"), "{path} with {value:?}");
        }
    }
}

#[rocket::async_test]
async fn a_flashed_message_is_encrypted_and_shown_once() {
    let app = app().await;
    let visitor = app.browser().await;

    let reply = visitor
        .submit("/login", &[("username", "nobody"), ("password", "wrong")])
        .await;

    let cookie = reply.set_cookie("_flash").expect("the flash cookie");
    assert!(!cookie.value().contains("Invalid"), "{}", cookie.value());
    assert_eq!(cookie.http_only(), Some(true));
    let shown = "<li>Invalid username or password</li>";
    assert!(visitor.get("/login").await.body.contains(shown));
    assert!(!visitor.get("/login").await.body.contains(shown), "once");
}
