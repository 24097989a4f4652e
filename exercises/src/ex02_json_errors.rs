//! # Exercise 2 (custom error pages): JSON errors for JSON clients
//!
//! Step 2's catchers answer every error with an HTML page. A client that asked
//! for JSON (`Accept: application/json`) would rather get JSON, as the
//! tutorial's API chapter does later with `{"error": "Not Found"}`. Change the
//! `error` catcher so that a client preferring JSON gets
//! `{"error":"<reason>","code":<code>}` with the JSON content type, and
//! everyone else still gets the HTML. The status stays the same either way.
//!
//! Check: `cargo test -p exercises ex02`. Hint: `cargo run -p exercises --bin hint -- 2`.

use rocket::http::{ContentType, Status};
use rocket::{catch, catchers, Build, Request, Rocket};

/// An app with nothing but the catcher: every request is a 404.
pub fn app() -> Rocket<Build> {
    rocket::build().register("/", catchers![error])
}

#[catch(default)]
pub fn error(status: Status, req: &Request<'_>) -> (Status, (ContentType, String)) {
    let reason = status.reason().unwrap_or("Unknown error");
    // TODO: answer JSON when the request prefers it (`req` knows what it accepts).
    let _ = req;
    let html = format!("<h1>{} {reason}</h1>", status.code);
    (status, (ContentType::HTML, html))
}
