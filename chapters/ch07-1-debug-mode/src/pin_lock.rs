//! The debugger's PIN lock: its state, its routes and its guards. Machinery:
//! skip it on a first read; the lesson is the debug page (`debug_page.rs`).
//!
//! Werkzeug prints a PIN at start-up and asks for it before it lets anyone use
//! the debugger, because the page shows source code and request headers to
//! whoever sees the error. Here the PIN unlocks the detail of the page: the
//! right one sets a private cookie, and 10 wrong ones lock it until restart.
//!
//! The PIN form is guarded like every other form of the app (a CSRF token), and
//! a POST that says it comes from another site's page is refused outright. Either
//! way a refused POST is not a try, so no other site can lock the debugger. Nor
//! can a page that reaches it through DNS rebinding: the debugger answers only
//! on trusted hosts (`trusted_hosts.rs`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::csrf::{CsrfField, CsrfForm, CsrfToken};
use rand::Rng;
use rocket::form::FromForm;
use rocket::http::uri::{Absolute, Host};
use rocket::http::{ContentType, Cookie, CookieJar, SameSite, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest};
use rocket::response::Redirect;
use rocket::{get, post, routes, uri, Request, Route, State};
use rocket_dyn_templates::{context, Metadata};
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::shown::ShownFailure;
use crate::trusted_hosts::TrustedHost;

const UNLOCK_COOKIE: &str = "debugger_unlocked";
const MAX_WRONG_PINS: u32 = 10;
/// How many recent failures stay viewable at `/__debugger/failure/<id>`.
const KEPT_FAILURES: usize = 32;

#[derive(Debug)]
pub struct Debugger {
    pin: String,
    /// The unlock cookie's value: new at each start, so a restart locks again.
    session: String,
    wrong_pins: AtomicU32,
    failures: Mutex<VecDeque<(u64, Arc<ShownFailure>)>>,
    next_id: AtomicU64,
    /// An editor URL template, `vscode://file/{file}:{line}` for example.
    editor: Option<String>,
}

impl Debugger {
    pub fn new(editor: Option<String>) -> Self {
        let mut rng = rand::thread_rng();
        let digits: u32 = rng.gen_range(0..1_000_000_000);
        let digits = format!("{digits:09}");
        let pin = format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..]);
        let session = format!("{:032x}", rng.gen::<u128>());
        Debugger {
            pin,
            session,
            wrong_pins: AtomicU32::new(0),
            failures: Mutex::new(VecDeque::new()),
            next_id: AtomicU64::new(1),
            editor,
        }
    }

    /// `123-456-789`, printed on the terminal at launch.
    pub fn pin(&self) -> &str {
        &self.pin
    }

    /// The editor URL template for links to the app's frames, if configured.
    pub fn editor(&self) -> Option<&str> {
        self.editor.as_deref()
    }

    fn locked_out(&self) -> bool {
        self.wrong_pins.load(Ordering::SeqCst) >= MAX_WRONG_PINS
    }

    fn is_unlocked(&self, cookies: &CookieJar<'_>) -> bool {
        !self.locked_out()
            && cookies
                .get_private(UNLOCK_COOKIE)
                .is_some_and(|cookie| cookie.value() == self.session)
    }

    // ANCHOR: try_pin
    /// Checks a PIN, in constant time. Once locked out, even the right PIN fails.
    fn try_pin(&self, pin: &str, cookies: &CookieJar<'_>) {
        if self.locked_out() {
            return;
        }
        if bool::from(self.pin.as_bytes().ct_eq(pin.trim().as_bytes())) {
            cookies.add_private(
                Cookie::build((UNLOCK_COOKIE, self.session.clone()))
                    .same_site(SameSite::Strict)
                    .path("/")
                    .expires(None),
            );
        } else {
            self.wrong_pins.fetch_add(1, Ordering::SeqCst);
        }
    }
    // ANCHOR_END: try_pin

    /// Keeps `report` viewable at `/__debugger/failure/<id>`, for the PIN form
    /// to come back to.
    pub fn keep(&self, report: ShownFailure) -> (u64, Arc<ShownFailure>) {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let report = Arc::new(report);
        if let Ok(mut failures) = self.failures.lock() {
            if failures.len() == KEPT_FAILURES {
                failures.pop_front();
            }
            failures.push_back((id, report.clone()));
        }
        (id, report)
    }

    fn failure(&self, id: u64) -> Option<Arc<ShownFailure>> {
        let failures = self.failures.lock().ok()?;
        failures
            .iter()
            .find(|(kept, _)| *kept == id)
            .map(|(_, report)| report.clone())
    }

    /// The page for failure `id`: everything if unlocked, else the headline and
    /// the PIN form (or the locked-out notice). Without a CSRF token the form
    /// could not be sent, so the page links to the failure's own address instead.
    pub fn page(
        &self,
        metadata: &Metadata<'_>,
        cookies: &CookieJar<'_>,
        csrf_token: Option<&str>,
        id: u64,
        report: &ShownFailure,
        wants_html: bool,
    ) -> Option<(ContentType, String)> {
        #[derive(Serialize)]
        struct Lock {
            locked_out: bool,
            wrong_pins: u32,
            max_wrong_pins: u32,
        }
        let unlocked = self.is_unlocked(cookies);
        let lock = Lock {
            locked_out: self.locked_out(),
            wrong_pins: self.wrong_pins.load(Ordering::SeqCst),
            max_wrong_pins: MAX_WRONG_PINS,
        };
        let detail = unlocked.then_some(report);
        let context = context! { id, headline: &report.headline, reference: &report.reference, unlocked, lock: &lock, detail, csrf_token };
        if !wants_html {
            // `curl` and other clients that don't ask for HTML: the same report
            // as plain text.
            return metadata.render("debug_text", context);
        }
        // The HTML page carries the text too, to copy into an issue or a chat.
        let text = metadata
            .render("debug_text", &context)
            .map(|(_, text)| text);
        metadata.render(
            "debug",
            context! { id, headline: &report.headline, reference: &report.reference, unlocked, lock: &lock, detail, csrf_token, text },
        )
    }
}

/// Whether the client wants HTML: a browser asks for it; `curl` says `*/*`,
/// and gets text. A request without an `Accept` header gets the page.
pub fn wants_html(req: &Request<'_>) -> bool {
    req.accept()
        .is_none_or(|accept| accept.media_types().any(|media| media.is_html()))
}

pub fn routes() -> Vec<Route> {
    routes![unlock, failure]
}

#[derive(Debug, FromForm)]
struct PinForm<'r> {
    pin: &'r str,
    // Missing is a bad token (403), as in common's forms, not a malformed form.
    #[field(default = "")]
    csrf_token: &'r str,
}

impl CsrfField for PinForm<'_> {
    fn csrf_token(&self) -> &str {
        self.csrf_token
    }
}

// ANCHOR: unlock
/// The PIN form's target. Its address is not the failure's own: were it
/// `/failure/<id>` too, step 2's 404 page would call a GET of a forgotten
/// failure a "405 Method Not Allowed", as that path would exist for POST.
///
/// Rocket runs the guards before the handler: a POST to a host the debugger
/// does not trust (`TrustedHost`) is a 400, and one from another site's page
/// (`SameOrigin`) or without this visitor's token (`CsrfForm`) is a 403. None
/// reaches `try_pin`, so none is counted as a try.
#[post("/unlock/<id>", data = "<form>")]
fn unlock(
    id: u64,
    _on_a_trusted_host: TrustedHost,
    _from_this_site: SameOrigin,
    form: CsrfForm<PinForm<'_>>,
    debugger: &State<Debugger>,
    cookies: &CookieJar<'_>,
) -> Redirect {
    debugger.try_pin(form.0.pin, cookies);
    Redirect::to(uri!("/__debugger", failure(id)))
}
// ANCHOR_END: unlock

/// A failure's page, for as long as it is kept; a 404 after that. It hands
/// out the CSRF token, so a host the debugger does not trust gets a 400.
#[get("/failure/<id>")]
fn failure(
    id: u64,
    _on_a_trusted_host: TrustedHost,
    debugger: &State<Debugger>,
    metadata: Metadata<'_>,
    cookies: &CookieJar<'_>,
    csrf: CsrfToken,
    html: WantsHtml,
) -> Option<(ContentType, String)> {
    let report = debugger.failure(id)?;
    debugger.page(&metadata, cookies, Some(csrf.as_str()), id, &report, html.0)
}

/// Request guard: whether the client asked for HTML (see [`wants_html`]).
struct WantsHtml(bool);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for WantsHtml {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(WantsHtml(wants_html(req)))
    }
}

/// A request guard: the request does not say it was sent by another site.
///
/// Browsers name the site of the page that sent a POST in its `Origin` header,
/// and a page cannot forge it. A request without one (an old browser, curl) is
/// let through: the CSRF token still guards it.
struct SameOrigin;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SameOrigin {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        match req.headers().get_one("Origin") {
            Some(origin) if !is_same_origin(origin, req.host()) => {
                Outcome::Error((Status::Forbidden, ()))
            }
            _ => Outcome::Success(SameOrigin),
        }
    }
}

/// Whether `origin` (`http://localhost:8000`) names the same host and port as
/// the request's `Host` (`localhost:8000`). A port left out is the scheme's
/// default. `null`, another scheme or a missing `Host` is never the same.
fn is_same_origin(origin: &str, host: Option<&Host<'_>>) -> bool {
    let (Ok(origin), Some(host)) = (Absolute::parse(origin), host) else {
        return false;
    };
    let default_port = match origin.scheme() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let Some(authority) = origin.authority() else {
        return false;
    };
    host.domain() == authority.host()
        && host.port().unwrap_or(default_port) == authority.port().unwrap_or(default_port)
}

#[cfg(test)]
mod tests {
    use super::is_same_origin;
    use rocket::http::uri::Host;

    fn same(origin: &str, host: &str) -> bool {
        let host = Host::parse(host).expect("a host");
        is_same_origin(origin, Some(&host))
    }

    #[test]
    fn an_origin_with_the_requests_host_and_port_is_the_same_site() {
        assert!(same("http://localhost:8000", "localhost:8000"));
        assert!(same("http://LocalHost:8000", "localhost:8000"));
        assert!(same("https://example.com", "example.com"));
        assert!(same("https://example.com", "example.com:443"));
        assert!(same("http://example.com:80", "example.com"));
        assert!(same("http://[::1]:8000", "[::1]:8000"));
    }

    #[test]
    fn another_host_or_port_or_an_opaque_origin_is_another_site() {
        assert!(!same("http://evil.example", "localhost:8000"));
        assert!(!same("http://localhost:8001", "localhost:8000"));
        assert!(!same("http://localhost", "localhost:8000"));
        assert!(!same("https://example.com", "example.com:80"));
        assert!(!same(
            "http://localhost.evil.example:8000",
            "localhost:8000"
        ));
        assert!(!same("null", "localhost:8000"));
        assert!(!same("file:///home/me/page.html", "localhost:8000"));
        assert!(!is_same_origin("http://localhost:8000", None));
    }
}
