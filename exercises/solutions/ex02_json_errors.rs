//! Exercise 2, solved: see `src/ex02_json_errors.rs` for the brief.

use rocket::http::{ContentType, Status};
use rocket::{catch, catchers, Build, Request, Rocket};

/// An app with nothing but the catcher: every request is a 404.
pub fn app() -> Rocket<Build> {
    rocket::build().register("/", catchers![error])
}

#[catch(default)]
pub fn error(status: Status, req: &Request<'_>) -> (Status, (ContentType, String)) {
    let reason = status.reason().unwrap_or("Unknown error");
    let wants_json = req
        .accept()
        .is_some_and(|accept| accept.preferred().media_type().is_json());
    if wants_json {
        // Reasons are fixed ASCII phrases: nothing in them needs escaping.
        let json = format!(r#"{{"error":"{reason}","code":{}}}"#, status.code);
        (status, (ContentType::JSON, json))
    } else {
        let html = format!("<h1>{} {reason}</h1>", status.code);
        (status, (ContentType::HTML, html))
    }
}
