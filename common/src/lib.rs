//! The microblog as chapter 6 of the Flask Mega-Tutorial left it.
//!
//! [`app`] is the whole of it, plus what every Flask app does with a failed
//! request: [`error`] logs it and answers 500. It has no custom error pages, no
//! file logging and no error mail.

pub mod auth;
pub mod csrf;
pub mod db;
pub mod error;
pub mod failure;
pub mod flash;
pub mod forms;
pub mod launch;
pub mod models;
pub mod page;
pub mod passwords;
pub mod routes;
pub mod templates;

use rocket::{catchers, Build, Rocket};

pub use error::AppError;
pub use failure::{Failure, Frame};
pub use models::User;
pub use page::Page;

/// The whole chapter-6 app, configured from Rocket.toml, `ROCKET_*` variables
/// and `DATABASE_URL`.
pub fn app() -> Rocket<Build> {
    rocket::custom(db::database_url_from_env(rocket::Config::figment()))
        .attach(db::stage())
        .attach(templates::fairing())
        .manage(passwords::PasswordHasher::one_per_core())
        .mount("/", routes::routes())
        .register("/", catchers![routes::login_required])
}
