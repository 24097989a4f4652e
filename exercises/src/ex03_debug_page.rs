//! # Exercise 3 · Debug mode: the debug page, as a response fairing
//!
//! With `FLASK_DEBUG=1`, an exception shows Werkzeug's debugger instead of the
//! 500 page. Rocket's counterpart of debug mode is its `debug` profile, the one
//! `cargo run` uses. Build a small debug page:
//!
//! 1. `DebugPage`, a *response fairing*: Rocket hands it every response on its
//!    way out. When the status is 500, replace the body with an HTML page that
//!    shows the request's failure (`failure_of`) in an `<h1>`, or
//!    `500 Internal Server Error` when nothing was recorded, and the request's
//!    method and URI, as `<p>GET /user/susan</p>`. Escape what you show with
//!    `escape`: a URI or an error can hold `<script>`. The status stays 500.
//! 2. `debug_mode`: attach `DebugPage` in the debug profile only. In release,
//!    the visitor gets the plain 500 page and never the detail.
//!
//! Why a fairing and not a 500 catcher? Step 2 registers its own 500 catcher,
//! and Rocket refuses two catchers for one status. A fairing works alongside.
//! The chapter's version is `DebugPage`, in chapters/ch07-1-debug-mode/.
//!
//! Check it: `cargo test -p exercises --test ex03`
//! Stuck? `cargo run -p exercises --bin hint -- 3`

use std::sync::OnceLock;

use rocket::fairing::{AdHoc, Fairing, Info, Kind};
use rocket::http::Status;
use rocket::response::{self, Responder};
use rocket::{get, routes, Build, Request, Response, Rocket};

/// The app: one page, and debug mode.
pub fn app() -> Rocket<Build> {
    rocket::build()
        .mount("/", routes![user, broken])
        .attach(debug_mode())
}

pub fn debug_mode() -> AdHoc {
    AdHoc::on_ignite("Debug mode", |rocket| async {
        // TODO: attach `DebugPage`, in the debug profile only.
        rocket
    })
}

pub struct DebugPage;

#[rocket::async_trait]
impl Fairing for DebugPage {
    fn info(&self) -> Info {
        Info {
            name: "Debug page",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // TODO: give every 500 the debug page as its body.
        let _ = (req, res);
    }
}

// What follows is given: a page that fails, and the failure kept for the
// fairing to find.

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("no user named {0}")]
    NoSuchUser(String),
}

/// `/user/john` is a page; any other name fails with an `AppError`.
#[get("/user/<username>")]
pub fn user(username: &str) -> Result<String, AppError> {
    if username == "john" {
        Ok("john's page".to_owned())
    } else {
        Err(AppError::NoSuchUser(username.to_owned()))
    }
}

/// A 500 with no error behind it, as a guard can answer.
#[get("/broken")]
pub fn broken() -> Status {
    Status::InternalServerError
}

/// The failure of the request, where `local_cache` keeps it: one value of
/// each type per request.
#[derive(Default)]
struct Recorded(OnceLock<String>);

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let _ = req.local_cache(Recorded::default).0.set(self.to_string());
        Err(Status::InternalServerError)
    }
}

/// What failed in this request, if an `AppError` did.
pub fn failure_of<'r>(req: &'r Request<'_>) -> Option<&'r str> {
    req.local_cache(Recorded::default)
        .0
        .get()
        .map(String::as_str)
}

/// `text`, safe to put in HTML.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}
