//! Step 2: custom error pages. The lesson is in this file: the catchers
//! `not_found`, `internal_error` and `other_error`, which `app()`
//! registers. `error_page.rs` is machinery.
//!
//! Flask's app/errors.py registers handlers for 404 and 500 that render
//! templates extending base.html. Rocket calls these *catchers*. Here there is a
//! third, `default`, for every other status, where Flask would show Werkzeug's
//! plain pages.
//!
//! The 500 handler in Flask also calls `db.session.rollback()`, so that a failed
//! request's half-done writes are not committed by a later one. Nothing here
//! needs that: the handlers write inside an sqlx `Transaction`, and a transaction
//! dropped without `commit()` rolls back by itself, however the handler exits.

mod error_page;

use rocket::http::Status;
use rocket::{catch, catchers, Build, Request, Rocket};

use error_page::{methods_allowed_for, ErrorPage};

// ANCHOR: app
/// Step 1's `app()` plus the catchers.
pub fn app() -> Rocket<Build> {
    ch07_1_debug_mode::app().register("/", catchers![not_found, internal_error, other_error])
}
// ANCHOR_END: app

// ANCHOR: catchers
/// `@app.errorhandler(404)`. A path that exists for another method is Flask's
/// 405 instead, which Rocket alone answers with a 404.
#[catch(404)]
async fn not_found(req: &Request<'_>) -> ErrorPage {
    let allowed = methods_allowed_for(req);
    if allowed.is_empty() {
        ErrorPage::new(req, Status::NotFound, "404").await
    } else {
        ErrorPage::new(req, Status::MethodNotAllowed, "error")
            .await
            .allowing(allowed.join(", "))
    }
}

/// `@app.errorhandler(500)`. In the debug profile step 1's debug page answers
/// instead, as Werkzeug's debugger does in Flask, and nothing is rendered here.
#[catch(500)]
async fn internal_error(req: &Request<'_>) -> ErrorPage {
    ErrorPage::new(req, Status::InternalServerError, "500").await
}

/// Every other status: 403 (a bad CSRF token), 413 (a body over the limit),
/// 422 (a form Rocket can't parse), and the rest.
#[catch(default)]
async fn other_error(status: Status, req: &Request<'_>) -> ErrorPage {
    ErrorPage::new(req, status, "error").await
}
// ANCHOR_END: catchers
