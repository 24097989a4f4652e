//! The yardstick for the benchmark: a bare Rocket app with one Tera 404
//! catcher rendering the same template, and nothing else. It logs nothing,
//! as a tuned production app would: Rocket's line for every request (an
//! ERROR for every 404) would slow the yardstick and flatter the chapter.

use rocket::{catch, catchers, launch};
use rocket_dyn_templates::{context, Template};

#[catch(404)]
fn not_found() -> Template {
    Template::render(
        "404",
        context! { current_user: None::<()>, flash: None::<()> },
    )
}

#[launch]
fn rocket() -> _ {
    let quiet = rocket::Config::figment().merge(("log_level", rocket::config::LogLevel::Off));
    rocket::custom(quiet)
        .attach(Template::fairing())
        .register("/", catchers![not_found])
}
