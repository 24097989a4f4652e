//! A handler's panic, in release, is a failure like any other: its 500 page
//! gives a reference, and the log file and the error mail have the same one.
//! In process, so the test can mount a handler that panics; the log file and
//! the mail are real (a temporary `logs/`, the SMTP sink on loopback).

use ch07_3_email_errors::{mail_layer, ErrorMail};
use mail_sink::MailSink;
use rocket::http::Status;
use test_support::{release, TestApp};

use crate::{assert_mailed, reference_on};
use tracing_subscriber::layer::SubscriberExt;

/// Test-only: a handler that panics.
#[rocket::get("/panic")]
fn panicking_handler() -> &'static str {
    panic!("the test handler panicked on purpose")
}

#[test]
fn a_handlers_panic_has_one_reference_on_the_500_page_in_the_log_and_in_the_mail() {
    let sink = MailSink::start("127.0.0.1:0").expect("a sink");
    let logs = tempfile::tempdir().expect("a folder for the log");
    let mail = ErrorMail::default();
    let (file, flush_file) = ch07_4_file_logging::log_file(logs.path()).expect("the log file");
    let subscriber = tracing_subscriber::registry()
        .with(file)
        .with(mail_layer(&mail));
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    let page = {
        // The app's requests run on this thread, and log to `subscriber`.
        let _only_this_thread = tracing::subscriber::set_default(subscriber);
        runtime.block_on(async {
            let rocket = release(ch07_4_file_logging::app())
                .mount("/", rocket::routes![panicking_handler])
                .manage(mail.clone());
            let figment = rocket
                .figment()
                .clone()
                .merge(("mail.server", "127.0.0.1"))
                .merge(("mail.port", sink.addr.port()));
            let app = TestApp::new(rocket.configure(figment)).await;
            let reply = app.browser().await.get("/panic").await;
            assert_eq!(reply.status, Status::InternalServerError);
            mail.flush().await;
            reply.body
        })
    };
    drop(flush_file);

    let reference = reference_on(&page);
    let log = std::fs::read_to_string(logs.path().join("microblog.log")).expect("the log");
    let line = log.lines().find(|line| line.contains(reference));
    assert!(
        line.is_some_and(|line| line.contains(
            " ERROR: Exception on /panic [GET]: panicked: the test handler panicked on purpose"
        )),
        "{reference} in {log}"
    );
    assert_mailed(&sink, reference);
}
