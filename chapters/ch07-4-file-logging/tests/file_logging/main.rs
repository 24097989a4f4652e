//! Step 4: the real binary writes logs/microblog.log in its working directory.

mod book_output;
mod panics;
mod to_stdout;

use std::path::{Path, PathBuf};

use test_support::{ChildApp, HttpClient, RENAME_TO_SUSAN};

const BINARY: &str = env!("CARGO_BIN_EXE_ch07-4-file-logging");
const MAX_BYTES: u64 = 10240;

fn log_path(app: &ChildApp) -> PathBuf {
    app.dir.path().join("logs/microblog.log")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `2026-11-25 13:05:42,123 LEVEL: `: where a record starts.
fn starts_record(line: &str) -> bool {
    let bytes = line.as_bytes();
    line.len() > 24
        && bytes[..23].iter().enumerate().all(|(at, byte)| match at {
            4 | 7 => *byte == b'-',
            10 => *byte == b' ',
            13 | 16 => *byte == b':',
            19 => *byte == b',',
            _ => byte.is_ascii_digit(),
        })
        && bytes[23] == b' '
}

/// John renames himself to susan's name: the chapter-6 bug, a 500. Returns
/// john, who can fail again with [`rename_to_susan_fails`].
fn fail_a_rename(app: &ChildApp) -> HttpClient {
    let (john, reply) = app.rename_to_a_taken_name();
    assert_eq!(reply.status, 500);
    john
}

fn rename_to_susan_fails(john: &HttpClient) {
    let reply = john.submit("/edit_profile", &RENAME_TO_SUSAN);
    assert_eq!(reply.status, 500);
}

// ANCHOR: test_startup_line
#[test]
fn the_log_has_the_startup_line_in_pythons_format() {
    let app = ChildApp::start(BINARY, &[]);
    let path = log_path(&app);
    app.wait_for(
        |_| read(&path).contains("Microblog startup"),
        "the startup line",
    );

    let log = read(&path);
    let startup = log
        .lines()
        .find(|line| line.contains("INFO: Microblog startup"))
        .expect("the startup line");
    assert!(starts_record(startup), "{startup}");
    let place = startup
        .strip_prefix(&startup[..23])
        .and_then(|rest| {
            rest.strip_prefix(
                " INFO: Microblog startup [in chapters/ch07-4-file-logging/src/lib.rs:",
            )
        })
        .and_then(|rest| rest.strip_suffix(']'))
        .expect("the tutorial's format");
    assert!(place.parse::<u32>().is_ok(), "a line number: {place}");
    // The file holds the app's own records: none of Rocket's launch dump.
    assert!(!log.contains("Configured for release"), "{log}");
    assert!(!log.contains("Rocket has launched"), "{log}");
}
// ANCHOR_END: test_startup_line

/// Flask's file hangs on `app.logger`, so Werkzeug's request lines never reach
/// it; Rocket's per-request records stay out of ours the same way. What
/// ordinary requests leave in the file is nothing, and only a real failure
/// is an ERROR.
#[test]
fn two_hundred_ordinary_requests_add_nothing_and_a_500_adds_its_error() {
    let app = ChildApp::start(BINARY, &[]);
    let path = log_path(&app);
    app.wait_for(
        |_| read(&path).contains("Microblog startup"),
        "the startup line",
    );
    let after_startup = read(&path).len();

    app.signed_in("susan");
    let john = app.signed_in("john");
    let stranger = app.client();
    for n in 0..50 {
        assert_eq!(john.get("/index").status, 200);
        assert_eq!(john.get("/user/john").status, 200);
        assert_eq!(stranger.get(&format!("/no/such/page/{n}")).status, 404);
        let wrong = stranger.submit("/login", &[("username", "john"), ("password", "wrong")]);
        assert_eq!(wrong.status, 303, "a failed login goes back to the form");
    }
    rename_to_susan_fails(&john);
    app.wait_for(
        |_| read(&path).contains(" ERROR: Exception on"),
        "the ERROR record",
    );

    let log = read(&path);
    let error_at = log.find(" ERROR: Exception on").expect("the ERROR record");
    let record_starts = log[..error_at].rfind('\n').map_or(0, |at| at + 1);
    let (before_the_500, from_the_500) = log.split_at(record_starts);
    assert!(
        !app.dir.path().join("logs/microblog.log.1").exists(),
        "the log has not rotated"
    );
    assert!(before_the_500.contains("INFO: Microblog startup"));
    assert!(
        before_the_500.len() <= after_startup + 1024,
        "200 requests grew the log from {after_startup} to {} bytes:\n{before_the_500}",
        before_the_500.len()
    );
    assert!(
        !before_the_500.contains(" ERROR: ") && !before_the_500.contains(" WARNING: "),
        "{before_the_500}"
    );
    assert!(
        from_the_500.contains("UNIQUE constraint failed: user.username"),
        "the ERROR line has its cause chain: {from_the_500}"
    );
}

/// Rocket's code generated for a route logs its guards' failures (`Request
/// guard `& User` failed` for every anonymous visit of a sign-in-only page, a
/// failed form for a bad CSRF token) under the route's module,
/// `common::routes::_`. They are Rocket's records, not the app's: whoever
/// visits, they add nothing to the file, so they can never rotate the startup
/// line and the errors out of it. The attack's numbers: 1,000 and 100.
#[cfg(unix)] // SIGTERM, to flush the file before it is read
#[test]
fn anonymous_visits_and_bad_csrf_tokens_add_nothing_to_the_log() {
    let mut app = ChildApp::start(BINARY, &[]);
    let path = log_path(&app);
    app.wait_for(
        |_| read(&path).contains("Microblog startup"),
        "the startup line",
    );
    let after_startup = read(&path);

    let stranger = app.client();
    for _ in 0..1000 {
        let reply = stranger.get("/index");
        assert_eq!(
            reply.status, 303,
            "an anonymous visit goes to the sign-in page"
        );
    }
    let bad_tokens = [
        "username=john&password=wrong",
        "csrf_token=forged&username=john&password=wrong",
    ];
    for body in bad_tokens.iter().cycle().take(100) {
        let reply = stranger.post_raw("/login", body);
        assert!(reply.status < 500, "{}: {}", reply.status, reply.body);
    }
    assert!(app.terminate(), "a graceful exit flushes the file");

    let log = read(&path);
    assert!(
        !app.dir.path().join("logs/microblog.log.1").exists(),
        "the log has not rotated"
    );
    assert_eq!(log, after_startup, "1,100 requests changed the log");
    assert!(log.contains("INFO: Microblog startup"), "{log}");
}

#[test]
fn a_500_is_an_error_record_with_its_cause_chain_and_backtrace_below() {
    let app = ChildApp::start(BINARY, &[]);
    fail_a_rename(&app);
    let path = log_path(&app);
    app.wait_for(
        |_| read(&path).contains(" ERROR: Exception on"),
        "the ERROR record",
    );

    let log = read(&path);
    let mut lines = log
        .lines()
        .skip_while(|line| !line.contains(" ERROR: Exception on"));
    let record = lines.next().expect("the ERROR line");
    assert!(starts_record(record));
    assert!(record.contains(
        "ERROR: Exception on /edit_profile [POST]: database query failed: error returned from database: (code: 2067) UNIQUE constraint failed: user.username"
    ));
    assert!(record.contains(" [in common/src/error.rs:"), "{record}");
    let backtrace: Vec<&str> = lines.take_while(|line| !starts_record(line)).collect();
    assert!(backtrace
        .iter()
        .any(|line| line.contains("common::routes::edit_profile")));
}

/// As Python's `RotatingFileHandler`: a record that would take the file to
/// 10240 bytes goes to a new file, so every file stays under the limit, and
/// `.1` to `.10` are kept.
#[cfg(unix)] // SIGTERM, to flush the last records before the files are read
#[test]
fn rotation_keeps_ten_backups_each_under_10240_bytes() {
    let app = ChildApp::start(BINARY, &[]);
    let dir = app.dir.path().join("logs");
    let backup = |n: u32| dir.join(format!("microblog.log.{n}"));
    let john = fail_a_rename(&app);
    let fail = || rename_to_susan_fails(&john);

    // Each failure logs its ERROR line and backtrace: a few hundred bytes.
    app.wait_for(
        |_| {
            fail();
            backup(10).exists()
        },
        "the tenth backup",
    );
    for _ in 0..30 {
        fail();
    }
    let mut app = app;
    assert!(app.terminate());

    assert!(!backup(11).exists(), "never an eleventh backup");
    let mut files = vec![dir.join("microblog.log")];
    files.extend((1..=10).map(backup));
    for file in &files {
        let text = read(file);
        assert!(!text.is_empty(), "{} is empty", file.display());
        assert!(
            (text.len() as u64) < MAX_BYTES,
            "{}: {} bytes",
            file.display(),
            text.len()
        );
        assert!(
            text.lines().next().is_some_and(starts_record),
            "{} starts mid-record",
            file.display()
        );
    }
    // `.1` is the newest backup: it holds later records than `.2`.
    assert!(read(&backup(1)) > read(&backup(2)));
}

#[cfg(unix)] // SIGTERM: Windows has no graceful way to stop a console app
#[test]
fn every_error_before_sigterm_is_in_the_file() {
    let mut app = ChildApp::start(BINARY, &[]);
    let john = fail_a_rename(&app);
    for _ in 1..20 {
        rename_to_susan_fails(&john);
    }

    assert!(app.terminate(), "a graceful exit");

    // The writer thread's queue is flushed when the app stops: all 20 are in
    // the log and its backups.
    let log = app.whole_log();
    assert_eq!(
        log.matches(" ERROR: Exception on /edit_profile").count(),
        20
    );
}

#[test]
fn an_unusable_logs_directory_is_reported_and_the_app_still_serves() {
    let dir = tempfile::tempdir().expect("a directory");
    // `logs` is a file, so it cannot be the log directory.
    std::fs::write(dir.path().join("logs"), "not a directory").expect("a file named logs");
    let app = ChildApp::start_in(dir, BINARY, &[]);

    // Said before the app listens; the output is read from the pipe in the
    // background, so wait for it rather than race it.
    app.wait_for(
        |app| app.output().contains("Not logging to logs/microblog.log:"),
        "the reason on stderr",
    );
    assert_eq!(app.client().get("/login").status, 200);
    assert!(app.dir.path().join("logs").is_file());
}

#[test]
fn the_debug_profile_writes_no_log_file() {
    let mut app = ChildApp::start(BINARY, &[("ROCKET_PROFILE", "debug")]);
    assert_eq!(app.client().get("/login").status, 200);
    assert!(app.terminate());
    assert!(!app.dir.path().join("logs").exists());
}

/// A message cannot take over a terminal that shows the log: control characters
/// other than newline and tab come out escaped.
#[test]
fn control_characters_in_a_message_are_escaped() {
    use ch07_4_file_logging::PythonFormat;

    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("log");
    let file = std::fs::File::create(&path).expect("a file");
    let subscriber = tracing_subscriber::fmt()
        .event_format(PythonFormat)
        .with_writer(std::sync::Mutex::new(file))
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        tracing::error!("a \x1b[31mred\x1b[0m word\r and a bell\x07");
        tracing::warn!(user = "\x1b[2Jsusan", "a field");
    });

    let log = read(&path);
    assert!(
        log.contains(r"ERROR: a \u{1b}[31mred\u{1b}[0m word\u{d} and a bell\u{7} [in "),
        "{log:?}"
    );
    assert!(
        log.contains(r#"WARNING: a field user="\u{1b}[2Jsusan" [in "#),
        "{log:?}"
    );
}

/// The reference the 500 page gives a visitor is the one in the log's ERROR
/// line and in the error mail's subject: one search finds the report.
#[test]
fn a_500_has_one_reference_on_the_page_in_the_log_and_in_the_mail() {
    use mail_sink::MailSink;

    let sink = MailSink::start("127.0.0.1:0").expect("a sink");
    let mail_port = sink.addr.port().to_string();
    let app = ChildApp::start(
        BINARY,
        &[("MAIL_SERVER", "127.0.0.1"), ("MAIL_PORT", &mail_port)],
    );
    let (_, reply) = app.rename_to_a_taken_name();
    assert_eq!(reply.status, 500);
    let reference = reference_on(&reply.body);

    let path = log_path(&app);
    app.wait_for(
        |_| read(&path).contains(reference),
        "the reference in the log",
    );
    let logged = read(&path);
    let line = logged.lines().find(|line| line.contains(reference));
    assert!(
        line.is_some_and(|line| line.contains(" ERROR: Exception on /edit_profile [POST]")),
        "{line:?}"
    );
    sink.expect_error_mail(reference);
}

/// The reference a 500 page gives the visitor: `E-3f9a21c0`.
fn reference_on(page: &str) -> &str {
    let at = page.find("E-").expect("a reference on the 500 page");
    &page[at..at + 10]
}

/// Issue 26, finding 1, against the real binary: the attack's request, a
/// `_flash` cookie with a multi-byte character and a newline, then a forged
/// record. Whether or not the request fails, no line of the log file begins
/// with anything but a record's time or a backtrace's indent.
#[cfg(unix)] // SIGTERM, to flush the file before it is read
#[test]
fn a_hostile_flash_cookie_forges_no_line_in_the_log() {
    use std::io::{Read, Write};

    let mut app = ChildApp::start(BINARY, &[]);
    let forged =
        "2099-01-01%2000:00:00%2C000%20ERROR:%20Exception%20on%20%2Fadmin%20[GET]:%20forged";
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", app.port)).expect("a connection");
    let request = format!(
        "GET /login HTTP/1.1\r\nHost: localhost\r\nCookie: _flash=1:%C3%A9%0A{forged}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("the request");
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 "), "{reply}");
    assert!(app.terminate());

    let log = read(&log_path(&app));
    assert!(log.contains("INFO: Microblog startup"), "{log}");
    for line in log.lines() {
        assert!(
            (starts_record(line) && !line.starts_with("2099-")) || line.starts_with("  "),
            "a line that is no record: {line:?} in\n{log}"
        );
    }
}
