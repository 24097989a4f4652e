//! CSRF protection: Flask-WTF's `form.hidden_tag()` and its check.
//!
//! Rocket has no maintained CSRF crate, so here is the whole mechanism. Each
//! visitor gets a random token in a private (encrypted) cookie, and every form
//! carries the same token in a hidden `csrf_token` field. A cross-site page can
//! make the browser send the cookie, but it can neither read the cookie nor
//! guess the token, so it cannot fill in the field.

use rand::RngCore;
use rocket::data::{self, Data, FromData};
use rocket::form::{Errors, Form, FromForm};
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use subtle::ConstantTimeEq;

const COOKIE: &str = "csrf_token";

/// This visitor's token, for the hidden field: `{{ csrf_token }}` in templates.
#[derive(Debug, Clone)]
pub struct CsrfToken(String);

impl CsrfToken {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token this visitor already holds, if any; never issues one (for a
    /// response whose cookies have already been written).
    pub fn held(cookies: &CookieJar<'_>) -> Option<Self> {
        cookies
            .get_private(COOKIE)
            .map(|cookie| CsrfToken(cookie.value().to_owned()))
    }

    fn issue(cookies: &CookieJar<'_>) -> Self {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        cookies.add_private(
            Cookie::build((COOKIE, token.clone()))
                .same_site(SameSite::Lax)
                .expires(None),
        );
        CsrfToken(token)
    }

    fn matches(&self, submitted: &str) -> bool {
        // Constant time, so response timing says nothing about how close a guess was.
        self.0.as_bytes().ct_eq(submitted.as_bytes()).into()
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let cookies = req.cookies();
        Outcome::Success(Self::held(cookies).unwrap_or_else(|| Self::issue(cookies)))
    }
}

/// A form with a `csrf_token` field.
pub trait CsrfField {
    fn csrf_token(&self) -> &str;
}

/// A submitted form whose CSRF token checked out. Taking `CsrfForm<T>` instead of
/// `Form<T>` is all a handler does to be protected; a bad token is a 403.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

#[derive(Debug)]
pub enum CsrfFormError<'r> {
    /// The body is not a form of this shape, or is over the size limit.
    Form(Errors<'r>),
    /// The token is missing or is not this visitor's.
    BadToken,
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r> + CsrfField> FromData<'r> for CsrfForm<T> {
    type Error = CsrfFormError<'r>;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let form = match Form::<T>::from_data(req, data).await {
            Outcome::Success(form) => form.into_inner(),
            Outcome::Error((status, errors)) => {
                return Outcome::Error((status, CsrfFormError::Form(errors)))
            }
            Outcome::Forward(forward) => return Outcome::Forward(forward),
        };
        match CsrfToken::held(req.cookies()) {
            Some(token) if token.matches(form.csrf_token()) => Outcome::Success(CsrfForm(form)),
            _ => Outcome::Error((Status::Forbidden, CsrfFormError::BadToken)),
        }
    }
}
