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

use rocket::{Build, Rocket};

/// The chapter-6 microblog, plus the error pages.
pub fn app() -> Rocket<Build> {
    // TODO: register both catchers.
    common::app()
}

// TODO: the catcher for 500, rendering the `500` template through `Page`.
pub fn internal_error() {}

// TODO: the catcher for every other status, rendering the `error` template
// with `code`, `reason` and `title`.
pub fn other_error() {}
