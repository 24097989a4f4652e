//! Exercise 3, the debug page: `cargo test -p exercises --test ex03`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex03_debug_page.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex03_debug_page.rs")]
pub mod exercise;

use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{Build, Config, Rocket};

async fn client(rocket: Rocket<Build>) -> Client {
    Client::untracked(rocket).await.expect("the app launches")
}

/// The app in the debug profile, what `cargo run` uses.
async fn debug_app() -> Client {
    let rocket = exercise::app();
    let figment = rocket.figment().clone().select(Config::DEBUG_PROFILE);
    client(rocket.configure(figment)).await
}

/// The app in the release profile, `ROCKET_PROFILE=release`.
async fn release_app() -> Client {
    client(test_support::release(exercise::app())).await
}

async fn body(response: LocalResponse<'_>) -> String {
    response.into_string().await.unwrap_or_default()
}

#[rocket::async_test]
async fn in_debug_a_failure_shows_the_error_and_the_request() {
    let app = debug_app().await;
    let response = app.get("/user/susan").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
    assert_eq!(response.content_type(), Some(ContentType::HTML));
    let page = body(response).await;
    assert!(
        page.contains("<h1>no user named susan</h1>"),
        "expected the error in an <h1>, got:\n{page}"
    );
    assert!(
        page.contains("<p>GET /user/susan</p>"),
        "expected the method and the URI, got:\n{page}"
    );
}

#[rocket::async_test]
async fn in_debug_a_500_with_no_error_behind_it_says_so() {
    let app = debug_app().await;
    let response = app.get("/broken").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
    let page = body(response).await;
    assert!(
        page.contains("<h1>500 Internal Server Error</h1>"),
        "expected the status as the headline, got:\n{page}"
    );
    assert!(page.contains("<p>GET /broken</p>"), "{page}");
}

#[rocket::async_test]
async fn what_the_page_shows_is_escaped() {
    let app = debug_app().await;
    let response = app.get("/user/%3Cscript%3Ealert(1)").dispatch().await;
    let page = body(response).await;
    assert!(
        page.contains("<h1>no user named &lt;script&gt;alert(1)</h1>"),
        "expected the name escaped, got:\n{page}"
    );
    assert!(!page.contains("<script>"), "{page}");
}

#[rocket::async_test]
async fn in_debug_other_responses_pass_untouched() {
    let app = debug_app().await;
    let ok = app.get("/user/john").dispatch().await;
    assert_eq!(ok.status(), Status::Ok);
    assert_eq!(body(ok).await, "john's page");
    let not_found = app.get("/nowhere").dispatch().await;
    assert_eq!(not_found.status(), Status::NotFound);
    let page = body(not_found).await;
    assert!(
        !page.contains("GET /nowhere"),
        "a 404 is not a failure:\n{page}"
    );
}

#[rocket::async_test]
async fn in_release_a_failure_shows_no_detail() {
    let app = release_app().await;
    let response = app.get("/user/susan").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
    let page = body(response).await;
    assert!(!page.contains("susan"), "the request leaked:\n{page}");
    assert!(!page.contains("no user named"), "the error leaked:\n{page}");
}
