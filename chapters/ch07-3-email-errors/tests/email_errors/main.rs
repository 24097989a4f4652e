//! Step 3: errors mailed to a real SMTP sink over loopback, by the app in
//! process and by the real binary.

mod book_output;
mod in_process;
mod settings;

use std::io::{ErrorKind, Read};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use mail_sink::{Mail, MailSink};
use test_support::{free_port, ChildApp, HttpClient, HttpReply, RENAME_TO_SUSAN};

const BINARY: &str = env!("CARGO_BIN_EXE_ch07-3-email-errors");
const WAIT: Duration = Duration::from_secs(30);

fn start(mail_port: u16, env: &[(&str, &str)]) -> ChildApp {
    let port = mail_port.to_string();
    let mut all = vec![
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", port.as_str()),
        ("ADMINS", "admin@example.com, ops@example.com"),
    ];
    all.extend_from_slice(env);
    ChildApp::start(BINARY, &all)
}

/// John renames himself to susan's name: the chapter-6 bug, the 500 page.
/// Returns john, who can [`fail`] again.
fn fail_a_rename(app: &ChildApp) -> HttpClient {
    let (john, reply) = app.rename_to_a_taken_name();
    assert_the_500_page(&reply);
    john
}

/// John takes susan's name again: the 500 page again.
fn fail(john: &HttpClient) {
    assert_the_500_page(&john.submit("/edit_profile", &RENAME_TO_SUSAN));
}

fn assert_the_500_page(reply: &HttpReply) {
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("An unexpected error has occurred"));
}

fn sink() -> MailSink {
    MailSink::start("127.0.0.1:0").expect("the sink listens")
}

fn all_mails(sink: &MailSink) -> Vec<Mail> {
    sink.mails.try_iter().collect()
}

/// The body as sent: lettre encodes it quoted-printable.
fn decoded(mail: &Mail) -> String {
    let body = mail
        .data
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body);
    let bytes = quoted_printable::decode(body, quoted_printable::ParseMode::Robust)
        .expect("the robust mode takes any input");
    String::from_utf8_lossy(&bytes).into_owned()
}

// ANCHOR: test_mail
#[test]
fn in_release_a_failed_rename_mails_exactly_one_report_to_the_admins() {
    let sink = sink();
    let mut app = start(sink.addr.port(), &[]);
    // Printed at liftoff, which may come just after the port opens.
    let on = "Error mail: on, to admin@example.com, ops@example.com";
    app.wait_for(|app| app.output().contains(on), "the mail-on line");

    fail_a_rename(&app);
    let mail = sink.mails.recv_timeout(WAIT).expect("a mail");

    assert_eq!(mail.from, "no-reply@127.0.0.1");
    assert_eq!(mail.to, ["admin@example.com", "ops@example.com"]);
    assert!(mail.data.contains("Subject: Microblog Failure E-"));
    assert!(mail.data.contains("From: no-reply@127.0.0.1\r\n"));
    let body = decoded(&mail);
    assert!(body.contains("Exception on /edit_profile [POST]"), "{body}");
    assert!(body.contains("UNIQUE constraint failed: user.username"));
    assert!(
        body.contains("common::routes::edit_profile"),
        "the backtrace"
    );

    // A graceful stop sends whatever is queued: after it, nothing more came.
    assert!(app.terminate());
    assert!(all_mails(&sink).is_empty());
}
// ANCHOR_END: test_mail

/// Sends a form whose body stops short of its `Content-Length`, then closes:
/// Rocket logs "Failed to read into peek buffer: IncompleteBody" at ERROR.
fn send_a_cut_off_body(port: u16) {
    use std::io::Write;
    use std::net::{Shutdown, TcpStream};

    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("a connection");
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 1000\r\n\r\nusername=jo",
        )
        .expect("the cut-off request");
    stream
        .shutdown(Shutdown::Write)
        .expect("the body ends early");
    stream.set_read_timeout(Some(WAIT)).expect("a timeout");
    let _ = stream.read_to_end(&mut Vec::new());
}

/// Flask mails what `app.logger` logs at ERROR, and Werkzeug's request lines
/// never reach it. Rocket's ERROR records (a 404, a broken request) are not
/// the app's own either: they are neither mailed nor shown in release.
#[test]
fn a_404_or_a_cut_off_body_is_not_an_error_and_a_500_still_is() {
    let sink = sink();
    let mut app = start(sink.addr.port(), &[]);
    app.wait_for(|app| app.output().contains("Error mail: on"), "mail on");
    app.signed_in("susan");
    let john = app.signed_in("john");

    assert_eq!(john.get("/no/such/page").status, 404);
    send_a_cut_off_body(app.port);
    fail(&john);

    let mail = sink.mails.recv_timeout(WAIT).expect("the 500's mail");
    assert!(decoded(&mail).contains("Exception on /edit_profile [POST]"));
    assert!(app.terminate());
    assert!(all_mails(&sink).is_empty(), "nothing else was mailed");
    let output = app.output();
    let errors: Vec<&str> = output
        .lines()
        .filter(|line| line.contains("ERROR"))
        .collect();
    assert!(!errors.is_empty(), "the 500 is an ERROR line");
    assert!(
        errors
            .iter()
            .all(|line| line.contains("Exception on /edit_profile [POST]")),
        "only the 500 is an ERROR line: {errors:#?}"
    );
}

#[test]
fn the_debug_profile_sends_no_mail() {
    let sink = sink();
    let mut app = start(sink.addr.port(), &[("ROCKET_PROFILE", "debug")]);
    let (_, reply) = app.rename_to_a_taken_name();
    assert_eq!(reply.status, 500);
    assert!(
        reply.body.contains("The debugger is locked"),
        "the debug page"
    );

    assert!(app.terminate());
    assert!(!app.output().contains("Error mail: on"));
    assert!(all_mails(&sink).is_empty());
}

#[test]
fn without_mail_server_there_is_no_mail() {
    let sink = sink();
    let mut app = start(sink.addr.port(), &[("MAIL_SERVER", "")]);
    fail_a_rename(&app);

    assert!(app.terminate());
    assert!(!app.output().contains("Error mail: on"));
    assert!(all_mails(&sink).is_empty());
}

/// Rocket logs its launch line as a WARN, so that it shows at every level;
/// the terminal shows it as Rocket's own logger does, with no level, in
/// release as in debug.
#[test]
fn the_launch_line_is_not_a_warning_in_either_profile() {
    for profile in ["release", "debug"] {
        let app = ChildApp::start(BINARY, &[("ROCKET_PROFILE", profile)]);
        let output = app.output();
        let line = output
            .lines()
            .find(|line| line.contains("Rocket has launched from http"));
        assert!(
            line.is_some_and(|line| !line.contains("WARN")),
            "{profile}: {output}"
        );
    }
}

#[test]
fn a_hung_mail_server_does_not_hold_up_responses() {
    // Accepts connections and never says a word: not even the SMTP greeting.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let app = start(silent.local_addr().expect("its address").port(), &[]);
    let john = fail_a_rename(&app);
    let (mut held, _) = silent.accept().expect("the mailer connects");
    // The mailer now waits for a greeting that never comes. Meanwhile:
    fail(&john);
    assert_eq!(john.get("/index").status, 200);

    // The responses came while the mail server was still silent and the
    // mailer still waiting on it: its connection is open, with nothing sent.
    held.set_nonblocking(true).expect("non-blocking");
    let mut buffer = [0; 16];
    let still_waiting =
        matches!(held.read(&mut buffer), Err(error) if error.kind() == ErrorKind::WouldBlock);
    assert!(
        still_waiting,
        "the SMTP exchange had ended before the response"
    );
}

/// A server that accepts the connection and never says a word: the send is
/// given up after the whole-send deadline (`timeout`, 1 s here) and said on
/// stderr. A stop waits at most one deadline for the next.
#[cfg(unix)] // SIGTERM
#[test]
fn a_mail_server_that_never_answers_is_given_up_on_at_the_deadline() {
    let silent = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let port = silent.local_addr().expect("its address").port();
    let mut app = start(port, &[("ROCKET_MAIL", "{timeout=1}")]);
    let john = fail_a_rename(&app);
    let given_up = "Error mail not sent: 127.0.0.1:";
    let within = "did not answer within 1 s";
    app.wait_for(|app| app.output().contains(given_up), "the send given up");
    assert!(app.output().contains(within), "{}", app.output());
    fail(&john);
    let stopping = Instant::now();
    assert!(app.terminate());
    let took = stopping.elapsed();

    assert!(took < Duration::from_secs(5), "the stop took {took:?}");
}

#[test]
fn a_closed_mail_port_is_reported_on_stderr_and_the_app_keeps_serving() {
    let app = start(free_port(), &[]);
    let john = fail_a_rename(&app);

    app.wait_for(
        |app| app.output().contains("Error mail not sent:"),
        "the delivery failure",
    );
    let output = app.output();
    let said = output
        .lines()
        .find(|line| line.starts_with("Error mail not sent:"));
    assert!(
        said.is_some_and(|line| line.contains("nothing is listening at 127.0.0.1:")),
        "the reason: {said:?}"
    );
    assert_eq!(john.get("/index").status, 200);
    fail(&john);
    assert_eq!(john.get("/user/john").status, 200);
}

/// Many failures of one kind in a window: one mail at once, and the repeats
/// counted in one summary mail when the app stops (which closes every window).
#[cfg(unix)] // the summary goes out at a graceful stop: SIGTERM
#[test]
fn a_burst_of_one_failure_is_one_mail_and_a_summary_at_shutdown() {
    let sink = sink();
    let mut app = start(sink.addr.port(), &[("ROCKET_MAIL", "{rate_window=3600}")]);
    let john = fail_a_rename(&app);
    for _ in 1..50 {
        fail(&john);
    }
    assert!(app.terminate());

    let mails: Vec<String> = all_mails(&sink).iter().map(decoded).collect();
    assert_eq!(mails.len(), 2, "the first failure, then the summary");
    assert!(mails[0].contains("UNIQUE constraint failed"));
    assert!(
        mails[1].contains("49 more failure(s) like E-"),
        "{}",
        mails[1]
    );
}

/// Issue 26, finding 6: mail that cannot be sent is counted, not lost. With
/// the mail port closed, the report of a failure and the summary of its 29
/// repeats both fail; once a server listens there, the next mail lists all 30
/// as not mailed, under the first one's reference. The summary itself says
/// that the report it refers to was not delivered.
#[test]
fn failures_whose_mail_could_not_be_sent_are_counted_in_the_next_mail() {
    let port = free_port();
    let mut app = start(port, &[("ROCKET_MAIL", "{rate_window=5}")]);
    let (john, reply) = app.rename_to_a_taken_name();
    assert_the_500_page(&reply);
    let first = reference_in(&reply.body);
    for _ in 1..30 {
        fail(&john);
    }
    // The report at once, then the summary when the 5-second window closes.
    app.wait_for(
        |app| app.output().matches("Error mail not sent:").count() >= 2,
        "the report and the summary to fail",
    );

    let sink = MailSink::start(("127.0.0.1", port)).expect("the sink on the closed port");
    fail(&john);
    let mail = sink.mails.recv_timeout(WAIT).expect("the next mail");
    let body = decoded(&mail);
    assert!(
        body.contains("30 more error(s) were not mailed"),
        "the report and its 29 repeats: {body}"
    );
    assert!(
        body.contains(&format!(
            " like {first}: Database (sqlx::Error::Database(code 2067)) in common::routes::edit_profile"
        )),
        "{body}"
    );
    assert!(app.terminate());
}

/// Issue 26, finding 6: a summary of repeats whose first report could not be
/// sent says so, and lists that report as not mailed.
#[cfg(unix)] // the summary goes out at a graceful stop: SIGTERM
#[test]
fn a_summary_says_when_the_report_it_refers_to_was_not_delivered() {
    let port = free_port();
    let mut app = start(port, &[("ROCKET_MAIL", "{rate_window=3600}")]);
    let (john, reply) = app.rename_to_a_taken_name();
    assert_the_500_page(&reply);
    let first = reference_in(&reply.body);
    app.wait_for(
        |app| app.output().contains("Error mail not sent:"),
        "the report to fail",
    );
    for _ in 0..3 {
        fail(&john);
    }
    let sink = MailSink::start(("127.0.0.1", port)).expect("the sink on the closed port");
    assert!(app.terminate());

    let mails: Vec<String> = all_mails(&sink).iter().map(decoded).collect();
    assert_eq!(mails.len(), 1, "the summary: {mails:#?}");
    let summary = &mails[0];
    assert!(
        summary.contains(&format!("3 more failure(s) like {first} (its own mail could not be sent, so it is in the log only)")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("- 1 like {first}: Database")),
        "{summary}"
    );
}

/// The reference a 500 page gives: `E-3f9a21c0`.
fn reference_in(page: &str) -> String {
    let at = page.find("E-").expect("a reference on the 500 page");
    page[at..at + 10].to_owned()
}
