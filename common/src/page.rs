//! What every page shares: base.html's navigation (who is signed in) and its
//! flashed messages. Handlers and catchers take a [`Page`] and render through it.

use rocket::request::{FromRequest, Outcome, Request};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::auth::{CurrentUser, Reported};
use crate::csrf::CsrfToken;
use crate::flash;
use crate::forms::FieldErrors;
use crate::models::User;

/// The default is a signed-out visitor with no flashed message.
#[derive(Debug, Default)]
pub struct Page<'r> {
    current_user: Option<&'r User>,
    flash: Option<String>,
}

/// The context base.html sees: the page's own fields plus the shared ones.
#[derive(Serialize)]
struct Layout<'a, C> {
    current_user: Option<&'a User>,
    flash: Option<String>,
    #[serde(flatten)]
    page: C,
}

impl<'r> Page<'r> {
    /// Who is signed in, if anyone.
    pub fn current_user(&self) -> Option<&'r User> {
        self.current_user
    }

    /// `render_template(name, **context)`.
    pub fn render(self, name: &'static str, context: impl Serialize) -> Template {
        Template::render(
            name,
            Layout {
                current_user: self.current_user,
                flash: self.flash,
                page: context,
            },
        )
    }

    /// A page with a form: its values, its errors by field, and the CSRF token
    /// for `hidden_tag`.
    pub fn render_form(
        self,
        name: &'static str,
        title: &str,
        form: impl Serialize,
        errors: FieldErrors,
        csrf: &CsrfToken,
    ) -> Template {
        self.render(
            name,
            FormContext {
                title,
                form,
                errors,
                csrf_token: csrf.as_str(),
            },
        )
    }
}

#[derive(Serialize)]
struct FormContext<'a, F> {
    title: &'a str,
    form: F,
    errors: FieldErrors,
    csrf_token: &'a str,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Page<'r> {
    type Error = Reported;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let CurrentUser(current_user) = rocket::outcome::try_outcome!(req.guard().await);
        // `get_flashed_messages()`: reading the message removes it.
        let flash = flash::take(req.cookies());
        Outcome::Success(Page {
            current_user,
            flash,
        })
    }
}
