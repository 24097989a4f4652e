//! Sessions and the current user: what Flask-Login does for the tutorial.
//!
//! The session is a private cookie (encrypted and authenticated with the secret
//! key) holding the user's id. "Remember me" gives it an expiry date of a year
//! ahead, Flask-Login's `REMEMBER_COOKIE_DURATION`; without it, it's a browser
//! session cookie.

use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::outcome::{try_outcome, IntoOutcome};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::time::{Duration, OffsetDateTime};
use rocket_db_pools::Database;

use crate::db::Db;
use crate::error::AppError;
use crate::models::User;

const SESSION_COOKIE: &str = "user_id";

/// How long "remember me" keeps a visitor signed in: Flask-Login's default
/// `REMEMBER_COOKIE_DURATION`, 365 days.
pub const REMEMBER_FOR: Duration = Duration::days(365);

/// `login_user(user, remember=...)`.
pub fn log_in(cookies: &CookieJar<'_>, user_id: i64, remember: bool) {
    let mut cookie = Cookie::build((SESSION_COOKIE, user_id.to_string()))
        // Lax, not Rocket's default Strict: a signed-in user who follows a link to
        // the site from elsewhere should arrive signed in.
        .same_site(SameSite::Lax)
        .http_only(true);
    cookie = if remember {
        // Both ways of saying when the cookie ends, saying the same thing:
        // `Max-Age` (seconds from now, which browsers prefer) and `Expires` (a
        // date, which older clients read). Setting only `Max-Age` is not
        // enough: `add_private` fills in an `Expires` one week ahead whenever
        // none is set, and the cookie then claimed both a year and a week.
        cookie
            .max_age(REMEMBER_FOR)
            .expires(OffsetDateTime::now_utc() + REMEMBER_FOR)
    } else {
        // `None` is an explicit "ends with the browser session", which
        // `add_private` leaves alone.
        cookie.expires(None)
    };
    cookies.add_private(cookie);
}

/// `logout_user()`.
pub fn log_out(cookies: &CookieJar<'_>) {
    cookies.remove_private(SESSION_COOKIE);
}

/// Flask-Login's `current_user`, which may be anonymous.
///
/// The user is loaded (and `last_seen` updated) at most once per request, however
/// many guards and catchers ask, and never for a request without a session.
#[derive(Debug, Clone, Copy)]
pub struct CurrentUser<'r>(pub Option<&'r User>);

/// The request failed with an error that has been logged and recorded.
#[derive(Debug, Clone, Copy)]
pub struct Reported;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CurrentUser<'r> {
    type Error = Reported;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let loaded = req.local_cache_async(load_user(req)).await;
        match loaded {
            Ok(user) => Outcome::Success(CurrentUser(user.as_ref())),
            Err(Reported) => Outcome::Error((Status::InternalServerError, Reported)),
        }
    }
}

async fn load_user(req: &Request<'_>) -> Result<Option<User>, Reported> {
    let Some(id) = req
        .cookies()
        .get_private(SESSION_COOKIE)
        .and_then(|cookie| cookie.value().parse().ok())
    else {
        return Ok(None);
    };
    let Some(db) = Db::fetch(req.rocket()) else {
        return Ok(None);
    };
    let loaded = match db.acquire().await {
        Ok(mut connection) => User::load_and_touch(&mut connection, id).await,
        Err(error) => Err(error),
    };
    loaded.map_err(|error| {
        AppError::from(error).record(req);
        Reported
    })
}

/// A signed-in user: `@login_required`. An anonymous request fails with 401,
/// which the `login_required` catcher (in `routes`) turns into the redirect to
/// `/login`.
#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r User {
    type Error = Option<Reported>;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let current = try_outcome!(req
            .guard::<CurrentUser<'r>>()
            .await
            .map_error(|(status, reported)| (status, Some(reported))));
        current.0.or_error((Status::Unauthorized, None))
    }
}
