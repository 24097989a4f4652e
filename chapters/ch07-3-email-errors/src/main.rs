//! `cargo run -p ch07-3-email-errors`: the microblog, mailing its errors when
//! run in the release profile with `MAIL_SERVER` set.

#[rocket::launch]
fn rocket() -> _ {
    // Before `app()`: building a Rocket installs Rocket's own logger.
    ch07_3_email_errors::init_logging(&rocket::Config::figment());
    ch07_3_email_errors::app()
}
