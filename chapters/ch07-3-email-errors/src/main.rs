//! `cargo run -p ch07-3-email-errors`: the microblog, mailing its errors when
//! run in the release profile with `MAIL_SERVER` set.

#[rocket::main]
async fn main() {
    // Before `app()`: building a Rocket installs Rocket's own logger.
    ch07_3_email_errors::init_logging(&rocket::Config::figment());
    ch07_3_email_errors::launch(ch07_3_email_errors::app()).await;
}
