//! Error mail in process: the app through Rocket's local client, its mail
//! through a real SMTP sink on loopback.

use ch07_3_email_errors::{app, mail_layer, ErrorMail};
use mail_sink::MailSink;
use rocket::http::Status;
use test_support::{release, TestApp, RENAME_TO_SUSAN};
use tracing_subscriber::layer::SubscriberExt;

/// The app's logging, for this thread only: `mail`'s layer.
fn logging_to(mail: &ErrorMail) -> tracing::subscriber::DefaultGuard {
    let subscriber = tracing_subscriber::registry().with(mail_layer(mail));
    tracing::subscriber::set_default(subscriber)
}

/// A runtime on this thread, so that the app's requests log to [`logging_to`].
fn runtime() -> rocket::tokio::runtime::Runtime {
    rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// One app, in the release profile, mailing to the sink on `sink_port`
/// through `mail`; john renames himself to susan's name, and the app is
/// stopped, flushing its mail.
fn one_failure_mailed(mail: ErrorMail, sink_port: u16) {
    let _only_this_thread = logging_to(&mail);
    runtime().block_on(async {
        let rocket = release(app()).manage(mail.clone());
        let figment = rocket
            .figment()
            .clone()
            .merge(("mail.server", "127.0.0.1"))
            .merge(("mail.port", sink_port));
        let app = TestApp::new(rocket.configure(figment)).await;
        let (_, reply) = app.rename_to_a_taken_name().await;
        assert_eq!(reply.status, Status::InternalServerError);
        mail.flush().await;
    });
}

#[test]
fn two_apps_in_one_process_mail_through_queues_of_their_own() {
    let (first_sink, second_sink) = (
        MailSink::start("127.0.0.1:0").expect("a sink"),
        MailSink::start("127.0.0.1:0").expect("a sink"),
    );

    std::thread::scope(|scope| {
        for sink in [&first_sink, &second_sink] {
            let port = sink.addr.port();
            scope.spawn(move || one_failure_mailed(ErrorMail::default(), port));
        }
    });

    for sink in [first_sink, second_sink] {
        let mails: Vec<_> = sink.mails.try_iter().collect();
        assert_eq!(mails.len(), 1, "one mail each: {mails:#?}");
        assert!(mails[0].data.contains("Subject: Microblog Failure"));
    }
}

/// A second kind of failure, from another place in the app's code.
#[rocket::get("/other-failure")]
fn other_failure() -> Result<(), common::AppError> {
    Err(sqlx::Error::RowNotFound.into())
}

/// 50 failures of one kind and 1 of another, inside one 2-second window: each
/// kind is mailed at once, the 49 repeats are counted, and when the window
/// closes one summary mail says so, with the first and the last reference.
#[test]
fn repeats_of_a_failure_are_counted_and_summed_up_in_one_mail_when_the_window_closes() {
    let sink = MailSink::start("127.0.0.1:0").expect("a sink");
    let mail = ErrorMail::default();
    let _only_this_thread = logging_to(&mail);
    runtime().block_on(async {
        let rocket = release(app())
            .mount("/", rocket::routes![other_failure])
            .manage(mail.clone());
        let figment = rocket
            .figment()
            .clone()
            .merge(("mail.server", "127.0.0.1"))
            .merge(("mail.port", sink.addr.port()))
            .merge(("mail.rate_window", 2));
        let app = TestApp::new(rocket.configure(figment)).await;
        app.create_user("susan", "susan@example.com").await;
        let john = app.signed_in("john").await;
        let mut references = Vec::new();
        for _ in 0..50 {
            let reply = john.submit("/edit_profile", &RENAME_TO_SUSAN).await;
            assert_eq!(reply.status, Status::InternalServerError);
            references.push(reference_on(&reply.body));
        }
        assert_eq!(
            john.get("/other-failure").await.status,
            Status::InternalServerError
        );

        let at_once = [next_mail(&sink).await, next_mail(&sink).await];
        assert!(at_once[0]
            .data
            .contains(&format!("Subject: Microblog Failure {}", references[0])));
        assert!(at_once[1].data.contains("RowNotFound") || at_once[1].data.contains("no rows"));
        // The window closes two seconds after the first failure.
        rocket::tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let summary = next_mail(&sink).await;
        let subject = format!("Microblog Failure {}: 49 more like it", references[0]);
        assert!(summary.data.contains(&subject), "{}", summary.data);
        assert!(summary.data.contains(&references[49]), "the last reference");
        mail.flush().await;
    });
    assert_eq!(sink.mails.try_iter().count(), 0, "nothing more");
}

/// The next mail the sink receives, waited for without blocking the runtime
/// the app (and its mail sender) runs on.
async fn next_mail(sink: &MailSink) -> mail_sink::Mail {
    for _ in 0..1500 {
        if let Ok(mail) = sink.mails.try_recv() {
            return mail;
        }
        rocket::tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no mail within 30 s");
}

/// The reference the 500 page gives.
fn reference_on(page: &str) -> String {
    let at = page.find("E-").expect("a reference on the 500 page");
    page[at..at + 10].to_owned()
}

/// Test-only: a handler that panics with what the visitor sent.
#[rocket::get("/panic-a?<text>")]
fn panic_a(text: &str) -> &'static str {
    panic!("{text}")
}

/// Test-only: another place that panics.
#[rocket::get("/panic-b")]
fn panic_b() -> &'static str {
    panic!("another panic")
}

/// Issue 26, finding 8. The grouping key is the failure's kind, its root
/// cause's kind and the app's innermost frame, never the request's text: a panic
/// with another message from the same place is a repeat. And a flood of new
/// kinds cannot starve a real failure: with a limit of 2 kinds, two panics
/// take the budget, and the next mail lists every group that was not mailed,
/// with its count and its first reference: the database failures among them.
#[test]
fn a_flood_of_kinds_cannot_hide_a_real_failure_and_a_panics_key_is_its_place() {
    let sink = MailSink::start("127.0.0.1:0").expect("a sink");
    let mail = ErrorMail::default();
    let _only_this_thread = logging_to(&mail);
    runtime().block_on(async {
        let rocket = release(app())
            .mount("/", rocket::routes![other_failure, panic_a, panic_b])
            .manage(mail.clone());
        let figment = rocket
            .figment()
            .clone()
            .merge(("mail.server", "127.0.0.1"))
            .merge(("mail.port", sink.addr.port()))
            .merge(("mail.rate_limit", 2))
            .merge(("mail.rate_window", 3600));
        let app = TestApp::new(rocket.configure(figment)).await;
        app.create_user("susan", "susan@example.com").await;
        let john = app.signed_in("john").await;
        let fails = |reply: &test_support::Reply| {
            assert_eq!(reply.status, Status::InternalServerError);
            reference_on(&reply.body)
        };
        let panic_first = fails(&john.get("/panic-a?text=one%0Acookie").await);
        fails(&john.get("/panic-a?text=another%20cookie").await);
        fails(&john.get("/panic-b").await);
        let rename = fails(&john.submit("/edit_profile", &RENAME_TO_SUSAN).await);
        let not_found = fails(&john.get("/other-failure").await);
        fails(&john.get("/other-failure").await);
        mail.flush().await;

        let mails: Vec<String> = sink.mails.try_iter().map(|mail| mail.data).collect();
        assert_eq!(mails.len(), 3, "two reports and a summary: {mails:#?}");
        let summary = &mails[2];
        assert!(
            summary.contains(&format!("Subject: Microblog Failure {panic_first}: 1 more like it")),
            "the second panic, from the same place, is a repeat: {summary}"
        );
        let summary = summary.replace("=\r\n", "");
        assert!(summary.contains("3 more error(s) were not mailed"), "{summary}");
        let listed = format!("- 1 like {rename}: Database (sqlx::Error::Database(code 2067)) in common::routes::edit_profile");
        assert!(summary.contains(&listed), "{summary}");
        let listed = format!("- 2 like {not_found}: Database (sqlx::Error::RowNotFound) in ");
        assert!(summary.contains(&listed), "{summary}");
    });
}
