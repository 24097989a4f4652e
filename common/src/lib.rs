//! The microblog as chapter 6 of the Flask Mega-Tutorial left it.
//!
//! Every step of chapter 7 starts from [`app`] and adds to it. This crate has no
//! custom error pages, no file logging and no error mail: those are the chapter.

pub mod auth;
pub mod csrf;
pub mod db;
pub mod error;
pub mod forms;
pub mod models;
pub mod page;
pub mod routes;
pub mod templates;

use rocket::{catchers, Build, Rocket};

pub use error::AppError;
pub use models::User;
pub use page::Page;

/// The whole chapter-6 app, configured from Rocket.toml and `ROCKET_*` variables.
pub fn app() -> Rocket<Build> {
    rocket::build()
        .attach(db::stage())
        .attach(templates::fairing())
        .mount("/", routes::routes())
        .register("/", catchers![auth::login_required])
}
