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
pub mod forms;
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

/// The whole chapter-6 app, configured from Rocket.toml and `ROCKET_*` variables.
pub fn app() -> Rocket<Build> {
    let rocket = rocket::build();
    explain_missing_secret_key(&rocket);
    rocket
        .attach(db::stage())
        .attach(templates::fairing())
        .manage(passwords::PasswordHasher::one_per_core())
        .mount("/", routes::routes())
        .register("/", catchers![routes::login_required])
}

// ANCHOR: secret_key
/// Rocket refuses to start outside debug without a secret key (sessions would be
/// forgeable otherwise), but its message doesn't say where the key goes.
fn explain_missing_secret_key(rocket: &Rocket<Build>) {
    let figment = rocket.figment();
    let debug = figment.profile() == rocket::Config::DEBUG_PROFILE;
    let missing = figment
        .extract_inner::<rocket::config::SecretKey>("secret_key")
        .map_or(true, |key| key.is_zero());
    if !debug && missing {
        eprintln!(
            "The {} profile needs a secret key for its session cookies. Set one with\n  \
             ROCKET_SECRET_KEY=$(openssl rand -base64 32)",
            figment.profile()
        );
    }
}
// ANCHOR_END: secret_key
