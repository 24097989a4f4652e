//! Flashed messages: Flask's `flash()` and `get_flashed_messages()`. Machinery:
//! a learner can skip this module on a first read.
//!
//! Flask keeps flashed messages in its session, which is signed with the
//! secret key, so a visitor can neither forge one nor break one. Rocket's own
//! `Flash` writes a plain cookie that the visitor can set to anything, and its
//! reader cuts that text at a byte count it also finds in the cookie: a
//! multi-byte character at the cut panics the request, before any page (the
//! error pages included) can render. Here the message rides in a private
//! cookie, encrypted and authenticated with the secret key as the session is
//! (see [`crate::auth`]). A cookie the app did not write does not decrypt, and
//! is no message at all.

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::response::{self, Responder};
use rocket::Request;

const COOKIE: &str = "_flash";

/// `flash(message)`, then the response `R`: the message waits in a private
/// cookie for the next page this visitor sees. Flask's default category,
/// "message", is the only one the tutorial uses, so there is no category.
#[derive(Debug)]
pub struct Flash<R> {
    inner: R,
    message: String,
}

impl<R> Flash<R> {
    pub fn new(inner: R, message: impl Into<String>) -> Self {
        Flash {
            inner,
            message: message.into(),
        }
    }
}

impl<'r, 'o: 'r, R: Responder<'r, 'o>> Responder<'r, 'o> for Flash<R> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'o> {
        req.cookies().add_private(
            Cookie::build((COOKIE, self.message))
                // As the session: a flash set on the way to sign in, after a
                // link from another site, is still sent to /login.
                .same_site(SameSite::Lax)
                // Kept as long as the browser session, as Flask's session keeps it.
                .expires(None),
        );
        self.inner.respond_to(req)
    }
}

/// `get_flashed_messages()`: the message flashed to this visitor, if any. It
/// is removed as it is read, so it shows once. A `_flash` cookie the app did
/// not write (forged, edited, or Rocket's plain kind) is no message.
pub fn take(cookies: &CookieJar<'_>) -> Option<String> {
    let cookie = cookies.get_private(COOKIE)?;
    cookies.remove_private(COOKIE);
    Some(cookie.value().to_owned())
}
