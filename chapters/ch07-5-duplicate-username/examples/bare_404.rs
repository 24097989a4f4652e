//! The yardstick for the benchmark: a bare Rocket app with one Tera 404
//! catcher rendering the same template, and nothing else. It logs nothing,
//! as a tuned production app would: Rocket's line for every request (an
//! ERROR for every 404) would slow the yardstick and flatter the chapter.

use rocket::fairing::AdHoc;
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
        // Rocket's launch line is off with the rest of its log; the benchmark
        // learns the port from this one, as the tests do from Rocket's.
        .attach(AdHoc::on_liftoff("Launch line", |rocket| {
            let config = rocket.config();
            let line = format!(
                "Rocket has launched from http://{}:{}",
                config.address, config.port
            );
            Box::pin(async move { println!("{line}") })
        }))
        .register("/", catchers![not_found])
}
