//! # Exercise 4 · Custom error pages: the 404 page
//!
//! Flask's `@app.errorhandler(404)` renders `404.html`, which extends
//! `base.html` like every other page. Rocket calls such a handler a *catcher*.
//! Write `not_found`, the catcher for 404, and register it in `app`:
//!
//! - it renders the `404` template (templates/404.html.tera);
//! - through `common::Page`, as every page of the microblog does, so that the
//!   navigation shows who is signed in. `Page` is a request guard; a catcher
//!   gets no guards as arguments, but it can ask the request for one. If
//!   asking fails, show the page signed out.
//!
//! The status stays 404: a catcher's response has its catcher's status.
//! The chapter's version is `not_found`, in chapters/ch07-2-error-pages/.
//!
//! Check it: `cargo test -p exercises --test ex04`
//! Stuck? `cargo run -p exercises --bin hint -- 4`

use rocket::{Build, Rocket};

/// The chapter-6 microblog, plus the 404 page.
pub fn app() -> Rocket<Build> {
    // TODO: register `not_found` for every path, from "/" down.
    common::app()
}

// TODO: make this the catcher for 404, rendering the `404` template through
// `common::Page`. Its signature will change: a catcher may take the request.
pub fn not_found() -> &'static str {
    "Not Found"
}
