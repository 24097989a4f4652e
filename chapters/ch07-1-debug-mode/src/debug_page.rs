//! The debug page, this step's lesson: every 500's body swapped for a report
//! of its failure, as Werkzeug's debugger answers instead of Flask's error
//! page when `FLASK_DEBUG=1`.
//!
//! What the report holds is `shown.rs`; the PIN that locks its detail is
//! `pin_lock.rs`. Both are machinery.

use common::csrf::CsrfToken;
use common::Failure;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::{Request, Response};
use rocket_dyn_templates::Metadata;

use crate::pin_lock::wants_html;
use crate::shown::ShownFailure;
use crate::trusted_hosts;

// ANCHOR: debug_page
/// Swaps the body of every 500 for the debug page. A response fairing rather
/// than a catcher, so the app can still register its own 500 catcher without
/// a collision, and the debug page wins in the debug profile.
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
        if res.status() != Status::InternalServerError {
            return;
        }
        // No debugger in release, nor on a host it does not trust.
        let (Some(debugger), Outcome::Success(metadata)) = (
            trusted_hosts::debugger(req),
            req.guard::<Metadata<'_>>().await,
        ) else {
            return;
        };
        // The failure (an `AppError` or a panic) as the page shows it: the
        // error, its causes, the request and the backtrace.
        let report = ShownFailure::new(req, Failure::of(req), debugger.editor());
        let (id, report) = debugger.keep(report);
        // The PIN form needs the visitor's CSRF token. A new one can't be
        // issued here: Rocket has already written the response's cookies.
        let csrf = CsrfToken::held(req.cookies());
        let csrf = csrf.as_ref().map(CsrfToken::as_str);
        let page = debugger.page(&metadata, req.cookies(), csrf, id, &report, wants_html(req));
        if let Some((content_type, body)) = page {
            res.set_header(content_type);
            res.set_sized_body(body.len(), std::io::Cursor::new(body));
        }
    }
}

/// Whether the debug page will answer a 500 (in the debug profile, on a
/// trusted host), so that a 500 catcher need not render a page that would be
/// thrown away.
pub fn replaces_the_500_page(req: &Request<'_>) -> bool {
    trusted_hosts::debugger(req).is_some()
}
// ANCHOR_END: debug_page
