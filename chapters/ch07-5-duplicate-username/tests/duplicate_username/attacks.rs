//! The complete app's real binary in release, against what an attacker sends.

use mail_sink::MailSink;
use test_support::book_output::references_in;
use test_support::ChildApp;

const BINARY: &str = env!("CARGO_BIN_EXE_ch07-5-duplicate-username");

/// `curl -H 'Cookie: _flash=1:%C3%A9%0AFORGED' …/login`. Rocket's own flash
/// reader cut the cookie inside the `é` and panicked: a 500, and a log record
/// with the cookie's text in it. Now a cookie the app did not encrypt is no
/// message at all.
#[test]
fn a_made_up_flash_cookie_is_never_a_5xx() {
    let mut app = ChildApp::start(BINARY, &[]);
    let visitor = app.client();

    // A page, a redirect to sign in, and the 404 page: every guard that reads it.
    for path in ["/login", "/register", "/index", "/no/such/page"] {
        let reply = visitor.get_with_header(path, "Cookie", "_flash=1:%C3%A9%0AFORGED");
        assert!(reply.status < 500, "{path}: {}", reply.status);
        assert!(!reply.body.contains("FORGED"), "{path}");
    }

    assert!(app.terminate());
    let log = app.whole_log();
    assert!(!log.contains("FORGED"), "{log}");
    assert!(!log.contains(" ERROR: "), "{log}");
}

/// `microblog.db` deleted under the running app: an anonymous sign-in needs a
/// connection, and failing to get one was a 503 with no reference, no ERROR
/// and no mail. Now it is an error like any other: the 500 page with a
/// reference, and the same reference in the log's ERROR line and in the mail.
/// (A file in use cannot be deleted on Windows.)
#[cfg(unix)]
#[test]
fn with_the_database_deleted_a_sign_in_is_an_error_with_one_reference_on_the_page_in_the_log_and_in_the_mail(
) {
    if test_support::skipped_on_postgres(
        "a deleted SQLite file (the stress suite stops the server)",
    ) {
        return;
    }
    let sink = MailSink::start("127.0.0.1:0").expect("a sink");
    let mail_port = sink.addr.port().to_string();
    let mut app = ChildApp::start(
        BINARY,
        &[("MAIL_SERVER", "127.0.0.1"), ("MAIL_PORT", &mail_port)],
    );
    app.delete_database();

    let reply = app
        .client()
        .submit("/login", &[("username", "john"), ("password", "pw")]);

    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("An unexpected error has occurred"));
    let references = references_in(&reply.body);
    let [reference] = references.as_slice() else {
        panic!("one reference on the page: {}", reply.body);
    };
    sink.expect_error_mail(reference);
    assert!(app.terminate());
    let log = app.whole_log();
    let line = log.lines().find(|line| line.contains(reference.as_str()));
    assert!(
        line.is_some_and(|line| line.contains(" ERROR: Exception on /login [POST]")
            && line.contains("unable to open database file")),
        "{log}"
    );
}
