//! The yardstick for the benchmark: a bare Rocket app with one Tera 404
//! catcher rendering the same template, and nothing else.

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
    rocket::build()
        .attach(Template::fairing())
        .register("/", catchers![not_found])
}
