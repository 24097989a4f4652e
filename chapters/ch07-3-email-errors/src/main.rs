//! `cargo run -p ch07-3-email-errors`: the microblog, mailing its errors when
//! run in the release profile with `MAIL_SERVER` set.

#[rocket::main]
async fn main() {
    // One queue, handed to the logging (its layer) and to the app (its sender).
    let mail = ch07_3_email_errors::ErrorMail::default();
    // Before `app()`: building a Rocket installs Rocket's own logger.
    ch07_3_email_errors::init_logging(&rocket::Config::figment(), &mail);
    ch07_3_email_errors::launch(ch07_3_email_errors::app(), mail).await;
}
