//! A handler's panic, in release, is a failure like any other: its 500 page
//! gives a reference, and the log file and the error mail have the same one.
//! In process, so the test can mount a handler that panics; the log file and
//! the mail are real (a temporary `logs/`, the SMTP sink on loopback).

use ch07_3_email_errors::{mail_layer, ErrorMail};
use mail_sink::MailSink;
use rocket::http::Status;
use test_support::{release, TestApp};

use crate::reference_on;
use tracing_subscriber::layer::SubscriberExt;

/// Test-only: a handler that panics.
#[rocket::get("/panic")]
fn panicking_handler() -> &'static str {
    panic!("the test handler panicked on purpose")
}

/// Test-only: a handler that panics with what the visitor sent, as Rocket's
/// flash cookie did (issue 26, finding 1).
#[rocket::get("/panic-with?<text>")]
fn panicking_with_visitor_text(text: &str) -> &'static str {
    panic!("{text}")
}

/// What a request to `path` of the app, with [`panicking_handler`] and
/// [`panicking_with_visitor_text`] mounted, leaves: the page, the log file,
/// and the sink that its mail went to.
fn panic_at(path: &str) -> (String, String, MailSink) {
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
                .mount(
                    "/",
                    rocket::routes![panicking_handler, panicking_with_visitor_text],
                )
                .manage(mail.clone());
            let figment = rocket
                .figment()
                .clone()
                .merge(("mail.server", "127.0.0.1"))
                .merge(("mail.port", sink.addr.port()));
            let app = TestApp::new(rocket.configure(figment)).await;
            let reply = app.browser().await.get(path).await;
            assert_eq!(reply.status, Status::InternalServerError);
            mail.flush().await;
            reply.body
        })
    };
    drop(flush_file);
    let log = std::fs::read_to_string(logs.path().join("microblog.log")).expect("the log");
    (page, log, sink)
}

#[test]
fn a_handlers_panic_has_one_reference_on_the_500_page_in_the_log_and_in_the_mail() {
    let (page, log, sink) = panic_at("/panic");
    let reference = reference_on(&page);
    let line = log.lines().find(|line| line.contains(reference));
    assert!(
        line.is_some_and(|line| line.contains(
            " ERROR: Exception on /panic [GET]: panicked: the test handler panicked on purpose"
        )),
        "{reference} in {log}"
    );
    sink.expect_error_mail(reference);
}

/// Issue 26, finding 1: a panic's message can carry what a visitor sent, CR
/// and LF included. Its newline does not start a line in the log that looks
/// like a record of its own, and the mail quotes it as data, escaped.
#[test]
fn a_visitors_newline_in_a_panic_message_forges_no_record_in_the_log_or_the_mail() {
    let forged = "2099-01-01 00:00:00,000 ERROR: Exception on /admin [GET]: forged";
    let (page, log, sink) = panic_at(&format!(
        "/panic-with?text=1:%C3%A9%0D%0A{}",
        forged
            .replace(' ', "%20")
            .replace(',', "%2C")
            .replace('/', "%2F")
    ));
    let reference = reference_on(&page);

    assert!(
        log.lines().all(|line| !line.starts_with("2099-")),
        "a forged record: {log}"
    );
    let line = log.lines().find(|line| line.contains(reference));
    let escaped = format!(r"panicked: 1:é\u{{d}}\u{{a}}{forged} at ");
    assert!(line.is_some_and(|line| line.contains(&escaped)), "{log}");

    let mail = sink
        .mails
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the error mail");
    let body = mail
        .data
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .replace("=\r\n", "");
    assert!(!body.contains(&format!("\n{forged}")), "{body}");
    assert!(!body.contains(&format!("=0A{}", &forged[..4])), "{body}");
    assert!(body.contains(r"\u{a}2099-01-01"), "{body}");
}
