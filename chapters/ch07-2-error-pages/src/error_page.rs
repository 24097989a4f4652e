//! The error page itself, and Flask's 405. Machinery: a learner can skip this
//! module on a first read; the catchers in `lib.rs` are the lesson.

use rocket::http::{Header, Method, Status};
use rocket::response::{self, Responder};
use rocket::{Request, Response};
use rocket_dyn_templates::{context, Template};

use common::{Failure, Page};

/// An error page in the site's layout, with the navigation of whoever is signed in.
#[derive(Debug)]
pub struct ErrorPage {
    status: Status,
    /// `None` when step 1's debug page answers instead: nothing to render.
    template: Option<Template>,
    allow: Option<String>,
}

impl ErrorPage {
    pub async fn new(req: &Request<'_>, status: Status, template: &'static str) -> Self {
        let error = status == Status::InternalServerError;
        if error && ch07_1_debug_mode::replaces_the_500_page(req) {
            return ErrorPage {
                status,
                template: None,
                allow: None,
            };
        }
        // If loading the user is what failed, show the page signed out.
        let page = req
            .guard::<Page<'_>>()
            .await
            .succeeded()
            .unwrap_or_default();
        // Each template gets what it shows, and no more: every 404 renders.
        let template = if error {
            // A 500's reference, for the visitor to quote.
            let failure = Failure::of(req);
            let reference = failure.map(|failure| failure.reference.as_str());
            page.render(template, context! { reference })
        } else if template == "error" {
            let reason = status.reason().unwrap_or("Error");
            let code = status.code;
            page.render(template, context! { code, reason, title: reason })
        } else {
            page.render(template, context! {})
        };
        ErrorPage {
            status,
            template: Some(template),
            allow: None,
        }
    }
}

impl ErrorPage {
    /// A 405 says which methods the path does have.
    pub fn allowing(mut self, methods: String) -> Self {
        self.allow = Some(methods);
        self
    }
}

impl<'r> Responder<'r, 'static> for ErrorPage {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = match self.template {
            Some(template) => template.respond_to(req)?,
            None => Response::new(),
        };
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
pub fn methods_allowed_for(req: &Request<'_>) -> Vec<&'static str> {
    let path = req.uri().path();
    // Every 404 asks, so nothing is allocated unless a path matches.
    let mut methods = Vec::new();
    for route in req.rocket().routes() {
        if path_matches(route.uri.path(), path.as_str()) {
            if route.method == req.method() {
                return Vec::new();
            }
            methods.push(route.method.as_str());
        }
    }
    if methods.contains(&Method::Get.as_str()) {
        methods.push(Method::Head.as_str());
    }
    methods.sort_unstable();
    methods.dedup();
    methods
}

/// Whether a route path like `/user/<username>` or `/static/<path..>` matches.
fn path_matches(pattern: &str, path: &str) -> bool {
    // Most differ at the first letter ("/login", "/nope"): say so at once,
    // since every 404 asks this of every route.
    let first = |path: &str| path.as_bytes().get(1).copied();
    if first(pattern).is_some_and(|letter| letter != b'<') && first(pattern) != first(path) {
        return false;
    }
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
        assert!(path_matches("/<path..>", "/nope"));
    }

    #[test]
    fn a_different_segment_count_or_an_empty_parameter_does_not_match() {
        assert!(!path_matches("/login", "/logout"));
        assert!(!path_matches("/user/<username>", "/user"));
        assert!(!path_matches("/user/<username>", "/user/"));
        assert!(!path_matches("/user/<username>", "/user/susan/posts"));
        assert!(!path_matches("/login", "/login/extra"));
        assert!(!path_matches("/user/<username>", "/"));
        assert!(!path_matches("/", "/nope"));
        assert!(!path_matches("/login", "/logout"));
    }
}
