//! `cargo run -p ch07-3-email-errors`: the microblog, mailing its errors when
//! run in the release profile with `MAIL_SERVER` set.
//!
//! `cargo run -p ch07-3-email-errors -- --send-test-mail`: one mail to the
//! admins with the current settings, and what became of it.

use std::process::ExitCode;

#[rocket::main]
async fn main() -> ExitCode {
    let argument = std::env::args().nth(1);
    match argument.as_deref() {
        None => {}
        Some("--send-test-mail") => return send_test_mail().await,
        Some(other) => {
            eprintln!(
                "unexpected argument {other:?}\nusage: ch07-3-email-errors [--send-test-mail]"
            );
            return ExitCode::from(2);
        }
    }
    // One queue, handed to the logging (its layer) and to the app (its sender).
    let mail = ch07_3_email_errors::ErrorMail::default();
    // Before `app()`: building a Rocket installs Rocket's own logger.
    ch07_3_email_errors::init_logging(&rocket::Config::figment(), &mail);
    ch07_3_email_errors::launch(ch07_3_email_errors::app(), mail).await
}

async fn send_test_mail() -> ExitCode {
    let figment = rocket::Config::figment();
    match ch07_3_email_errors::mail::send_test_mail(&figment).await {
        Ok(sent) => {
            println!("{sent}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
