//! Step 2: custom error pages.
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

use rocket::http::{Header, Method, Status};
use rocket::response::{self, Responder};
use rocket::{catch, catchers, Build, Request, Rocket};
use rocket_dyn_templates::{context, Template};

use common::Page;

/// Step 1's `app()` plus the catchers.
pub fn app() -> Rocket<Build> {
    ch07_1_debug_mode::app().register("/", catchers![not_found, internal_error, other_error])
}

// ANCHOR: catchers
/// `@app.errorhandler(404)`. A path that exists for another method is Flask's
/// 405 instead, which Rocket alone answers with a 404.
#[catch(404)]
async fn not_found(req: &Request<'_>) -> ErrorPage {
    let allowed = methods_allowed_for(req);
    if allowed.is_empty() {
        ErrorPage::new(req, Status::NotFound, "404").await
    } else {
        let mut page = ErrorPage::new(req, Status::MethodNotAllowed, "error").await;
        page.allow = Some(allowed.join(", "));
        page
    }
}

/// `@app.errorhandler(500)`. In the debug profile, step 1's debug page
/// replaces this page on its way out.
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

/// An error page in the site's layout, with the navigation of whoever is signed in.
#[derive(Debug)]
pub struct ErrorPage {
    status: Status,
    template: Template,
    allow: Option<String>,
}

impl ErrorPage {
    async fn new(req: &Request<'_>, status: Status, template: &'static str) -> Self {
        // If loading the user is what failed, show the page signed out.
        let page = req
            .guard::<Page<'_>>()
            .await
            .succeeded()
            .unwrap_or_default();
        let reason = status.reason().unwrap_or("Error");
        let title = if template == "error" {
            Some(reason)
        } else {
            None
        };
        ErrorPage {
            status,
            template: page.render(template, context! { code: status.code, reason, title }),
            allow: None,
        }
    }
}

impl<'r> Responder<'r, 'static> for ErrorPage {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = self.template.respond_to(req)?;
        response.set_status(self.status);
        if let Some(allow) = self.allow {
            response.set_header(Header::new("Allow", allow));
        }
        Ok(response)
    }
}

/// The methods of the routes whose path matches this request's. None when a
/// route of the request's own method matches: that route answered 404 itself
/// (an unknown user, say), as Werkzeug's 404 stands when its rule matched.
fn methods_allowed_for(req: &Request<'_>) -> Vec<&'static str> {
    let path = req.uri().path();
    let matching: Vec<_> = req
        .rocket()
        .routes()
        .filter(|route| path_matches(route.uri.path(), path.as_str()))
        .collect();
    if matching.iter().any(|route| route.method == req.method()) {
        return Vec::new();
    }
    let mut methods: Vec<&'static str> = matching
        .iter()
        .map(|route| route.method.as_str())
        .collect();
    if methods.contains(&Method::Get.as_str()) {
        methods.push(Method::Head.as_str());
    }
    methods.sort_unstable();
    methods.dedup();
    methods
}

/// Whether a route path like `/user/<username>` or `/static/<path..>` matches.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut pattern = pattern.trim_start_matches('/').split('/');
    let mut path = path.trim_start_matches('/').split('/');
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(segment), _) if segment.starts_with('<') && segment.ends_with("..>") => {
                return true
            }
            (Some(segment), Some(actual)) if segment.starts_with('<') => {
                if actual.is_empty() {
                    return false;
                }
            }
            (Some(segment), Some(actual)) if segment == actual => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn a_route_path_matches_its_own_segments_and_any_value_of_a_parameter() {
        assert!(path_matches("/login", "/login"));
        assert!(path_matches("/user/<username>", "/user/susan"));
        assert!(path_matches("/static/<path..>", "/static/css/site.css"));
        assert!(path_matches("/", "/"));
    }

    #[test]
    fn a_different_segment_count_or_an_empty_parameter_does_not_match() {
        assert!(!path_matches("/login", "/logout"));
        assert!(!path_matches("/user/<username>", "/user"));
        assert!(!path_matches("/user/<username>", "/user/"));
        assert!(!path_matches("/user/<username>", "/user/susan/posts"));
        assert!(!path_matches("/login", "/login/extra"));
    }
}
