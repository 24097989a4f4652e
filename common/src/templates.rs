//! Tera, set up with what the templates call that Jinja2 gets from the model.

use std::collections::HashMap;

use rocket::fairing::Fairing;
use rocket_dyn_templates::tera::{self, Value};
use rocket_dyn_templates::Template;

use crate::models::User;

/// The template engine, with templates from `template_dir` (Rocket.toml).
/// In the debug profile they are reloaded when they change.
pub fn fairing() -> impl Fairing {
    Template::custom(|engines| {
        engines.tera.register_filter("avatar", Avatar);
    })
}

/// `{{ user.email | avatar(size=128) }}` is Jinja2's `{{ user.avatar(128) }}`.
struct Avatar;

impl tera::Filter for Avatar {
    fn filter(&self, email: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        avatar(email, args)
    }

    /// The URL is escaped here, as Jinja2 escapes it (`&` to `&amp;`), and then
    /// used as it is. Tera's own escaping would also turn each `/` into `&#x2F;`.
    fn is_safe(&self) -> bool {
        true
    }
}

fn avatar(email: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let email = email
        .as_str()
        .ok_or_else(|| tera::Error::msg("avatar: expected an email address"))?;
    let size = args
        .get("size")
        .and_then(Value::as_u64)
        .and_then(|size| u32::try_from(size).ok())
        .ok_or_else(|| tera::Error::msg("avatar: expected a size, like avatar(size=128)"))?;
    let url = User::avatar(email, size);
    Ok(Value::String(url.replace('&', "&amp;")))
}
