//! Error mail in process: the app through Rocket's local client, its mail
//! through a real SMTP sink on loopback.

use ch07_3_email_errors::sink::MailSink;
use ch07_3_email_errors::{app, mail_layer, ErrorMail};
use rocket::http::Status;
use test_support::{release, TestApp};
use tracing_subscriber::layer::SubscriberExt;

/// One app, in the release profile, mailing to the sink on `sink_port`
/// through `mail`; john
/// renames himself to susan's name, and the app is stopped, flushing its mail.
/// The app's logging is `mail`'s layer, for this thread only.
fn one_failure_mailed(mail: ErrorMail, sink_port: u16) {
    let subscriber = tracing_subscriber::registry().with(mail_layer(&mail));
    let _only_this_thread = tracing::subscriber::set_default(subscriber);
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let rocket = release(app()).manage(mail.clone());
        let figment = rocket
            .figment()
            .clone()
            .merge(("mail.server", "127.0.0.1"))
            .merge(("mail.port", sink_port));
        let app = TestApp::new(rocket.configure(figment)).await;
        app.create_user("susan", "susan@example.com").await;
        let john = app.signed_in("john").await;
        let reply = john
            .post("/edit_profile", &[("username", "susan"), ("about_me", "")])
            .await;
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
