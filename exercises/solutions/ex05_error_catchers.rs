//! # Exercise 5 · Custom error pages: the 500 page, and every other status
//!
//! Flask's second handler, `@app.errorhandler(500)`, renders `500.html`. Until
//! the fix of step 5, renaming yourself to a name someone else has is such a
//! 500. Flask leaves every other status to Werkzeug's plain pages. Rocket has a
//! catcher for every status without a catcher of its own, `#[catch(default)]`,
//! and this app needs one: a bad CSRF token is a 403 here, and a form body
//! Rocket cannot read is a 400. Write both, and register them in `app`:
//!
//! - `internal_error`, the catcher for 500: the `500` template;
//! - `other_error`, the default catcher: the `error` template, which shows
//!   `{{ code }} {{ reason }}` (`403 Forbidden`); give it `title` too, the
//!   reason, for the page's `<title>`. The response keeps its status.
//!
//! Both render through `common::Page`, as the 404 page of exercise 4 does.
//! The chapter's versions are in chapters/ch07-2-error-pages/.
//!
//! Check it: `cargo test -p exercises --test ex05`
//! Stuck? `cargo run -p exercises --bin hint -- 5`

use common::Page;
use rocket::http::Status;
use rocket::{catch, catchers, Build, Request, Rocket};
use rocket_dyn_templates::{context, Template};

/// The chapter-6 microblog, plus the error pages.
pub fn app() -> Rocket<Build> {
    common::app().register("/", catchers![internal_error, other_error])
}

#[catch(500)]
pub async fn internal_error(req: &Request<'_>) -> Template {
    page(req).await.render("500", context! {})
}

#[catch(default)]
pub async fn other_error(status: Status, req: &Request<'_>) -> Template {
    let reason = status.reason().unwrap_or("Error");
    page(req).await.render(
        "error",
        context! { code: status.code, reason, title: reason },
    )
}

/// The page for whoever is signed in, or signed out if that cannot be told.
async fn page<'r>(req: &'r Request<'_>) -> Page<'r> {
    req.guard::<Page<'_>>()
        .await
        .succeeded()
        .unwrap_or_default()
}
