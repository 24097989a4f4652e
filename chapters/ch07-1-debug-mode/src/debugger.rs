//! The debugger: its PIN, the failures it can show, and the page itself.
//!
//! Werkzeug prints a PIN at start-up and asks for it before it lets anyone use
//! the debugger, because the page shows source code and request headers to
//! whoever sees the error. Here the PIN unlocks the detail of the page: the
//! right one sets a private cookie, and 10 wrong ones lock it until restart.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::Failure;
use rand::Rng;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, Cookie, CookieJar, SameSite, Status};
use rocket::response::Redirect;
use rocket::{get, post, routes, uri, Request, Response, Route, State};
use rocket_dyn_templates::{context, Metadata};
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::report::Report;

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
    failures: Mutex<VecDeque<(u64, Arc<Report>)>>,
    next_id: AtomicU64,
}

impl Debugger {
    pub fn new() -> Self {
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
        }
    }

    /// `123-456-789`, printed on the terminal at launch.
    pub fn pin(&self) -> &str {
        &self.pin
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

    fn keep(&self, report: Report) -> (u64, Arc<Report>) {
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

    fn failure(&self, id: u64) -> Option<Arc<Report>> {
        let failures = self.failures.lock().ok()?;
        failures
            .iter()
            .find(|(kept, _)| *kept == id)
            .map(|(_, report)| report.clone())
    }

    /// The page for failure `id`: everything if unlocked, else the headline and
    /// the PIN form (or the locked-out notice).
    fn page(
        &self,
        metadata: &Metadata<'_>,
        cookies: &CookieJar<'_>,
        id: u64,
        report: &Report,
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
        metadata.render(
            "debug",
            context! { id, headline: &report.headline, unlocked, lock, detail },
        )
    }
}

impl Default for Debugger {
    fn default() -> Self {
        Self::new()
    }
}

pub fn routes() -> Vec<Route> {
    routes![unlock, failure]
}

#[derive(Debug, FromForm)]
struct PinForm<'r> {
    pin: &'r str,
}

#[post("/failure/<id>", data = "<form>")]
fn unlock(
    id: u64,
    form: Form<PinForm<'_>>,
    debugger: &State<Debugger>,
    cookies: &CookieJar<'_>,
) -> Redirect {
    debugger.try_pin(form.pin, cookies);
    Redirect::to(uri!("/__debugger", failure(id)))
}

#[get("/failure/<id>")]
fn failure(
    id: u64,
    debugger: &State<Debugger>,
    metadata: Metadata<'_>,
    cookies: &CookieJar<'_>,
) -> Option<(ContentType, String)> {
    let report = debugger.failure(id)?;
    debugger.page(&metadata, cookies, id, &report)
}

// ANCHOR: debug_page
/// Swaps the body of every 500 for the debug page. A response fairing rather
/// than a catcher, so step 2 can register its own 500 catcher without a
/// collision and the debug page still wins in the debug profile.
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
        let (Some(debugger), rocket::outcome::Outcome::Success(metadata)) = (
            req.rocket().state::<Debugger>(),
            req.guard::<Metadata<'_>>().await,
        ) else {
            return;
        };
        let (id, report) = debugger.keep(Report::new(req, Failure::of(req)));
        if let Some((content_type, html)) = debugger.page(&metadata, req.cookies(), id, &report) {
            res.set_header(content_type);
            res.set_sized_body(html.len(), std::io::Cursor::new(html));
        }
    }
}
// ANCHOR_END: debug_page
