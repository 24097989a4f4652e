//! `LOG_TO_STDOUT`: the records the file would get, on stdout instead, and no
//! `logs/` at all; off or unset, the file as before.

use std::time::{Duration, Instant};

use test_support::{ChildApp, ROCKET_TOML, TEST_SECRET_KEY};

use crate::{fail_a_rename, log_path, read, starts_record, BINARY};

/// The first line of `printed` that holds `text`, or `None`.
fn line_with<'a>(printed: &'a str, text: &str) -> Option<&'a str> {
    printed.lines().find(|line| line.contains(text))
}

#[test]
fn with_log_to_stdout_the_startup_line_and_a_500s_error_go_to_stdout_and_there_is_no_logs_dir() {
    let app = ChildApp::start(BINARY, &[("LOG_TO_STDOUT", "1")]);
    fail_a_rename(&app);
    app.wait_for(
        |app| app.stdout().contains(" ERROR: Exception on"),
        "the ERROR record on stdout",
    );

    let stdout = app.stdout();
    let startup = line_with(&stdout, " INFO: Microblog startup").expect("the startup line");
    assert!(starts_record(startup), "{startup}");
    assert!(
        startup.ends_with(']') && startup.contains(" [in chapters/ch07-4-file-logging/src/lib.rs:"),
        "{startup}"
    );
    let error = line_with(&stdout, " ERROR: Exception on").expect("the ERROR record");
    assert!(starts_record(error), "{error}");
    assert!(
        error.contains(" ERROR: Exception on /edit_profile [POST]: database query failed")
            && error.contains(" [in common/src/error.rs:"),
        "{error}"
    );
    assert!(
        !app.dir.path().join("logs").exists(),
        "logs/ was made; stdout:\n{stdout}"
    );
}

#[test]
fn with_log_to_stdout_0_the_records_go_to_the_file_and_not_to_stdout() {
    let mut app = ChildApp::start(BINARY, &[("LOG_TO_STDOUT", "0")]);
    fail_a_rename(&app);
    let path = log_path(&app);
    app.wait_for(
        |_| read(&path).contains(" ERROR: Exception on"),
        "the ERROR record in the file",
    );
    assert!(app.terminate(), "a clean shutdown");

    assert!(read(&path).contains(" INFO: Microblog startup"));
    let stdout = app.stdout();
    assert!(
        !stdout.contains("Microblog startup") && !stdout.contains("Exception on"),
        "{stdout}"
    );
}

/// As the file, only outside debug: the debug profile prints its records on
/// the terminal (stderr), and nothing in Python's format on stdout.
#[test]
fn in_the_debug_profile_log_to_stdout_adds_nothing_to_stdout() {
    let mut app = ChildApp::start(
        BINARY,
        &[("ROCKET_PROFILE", "debug"), ("LOG_TO_STDOUT", "1")],
    );
    fail_a_rename(&app);
    app.wait_for(
        |app| app.output().contains("Exception on /edit_profile"),
        "the ERROR record on the terminal",
    );
    assert!(app.terminate(), "a clean shutdown");

    let stdout = app.stdout();
    assert!(!stdout.contains("Exception on"), "{stdout}");
    assert!(!app.dir.path().join("logs").exists());
}

/// Flask would take any non-empty value as on; here a value that is neither
/// on nor off stops the start, as a bad `MAIL_PORT` does, rather than guess
/// where the log should go.
#[test]
fn a_log_to_stdout_that_is_neither_on_nor_off_stops_the_start_with_status_1() {
    let dir = tempfile::tempdir().expect("a directory");
    let child = std::process::Command::new(BINARY)
        .current_dir(dir.path())
        .env("ROCKET_CONFIG", ROCKET_TOML)
        .env("ROCKET_PROFILE", "release")
        // With a key, nothing else would stop the start: the status is ours.
        .env("ROCKET_SECRET_KEY", TEST_SECRET_KEY)
        .env("ROCKET_PORT", "0")
        .env("LOG_TO_STDOUT", "maybe")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (status, stderr) = ended_within_30_seconds(child);

    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("LOG_TO_STDOUT must be on (1, true, yes, on) or off (0, false, no, off, or empty), not \"maybe\""),
        "{stderr}"
    );
    assert!(!dir.path().join("logs").exists());
}

/// `child`'s exit status and stderr; killed, and the test failed, if it runs
/// for 30 seconds.
fn ended_within_30_seconds(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("its status") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after 30 seconds");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("its stderr");
    }
    (status, stderr)
}

/// With error mail on too, stdout holds records only (and their backtraces'
/// lines): what a platform collects from it is the log. The mail's status
/// line goes to stderr, with Rocket's launch line.
#[test]
fn with_log_to_stdout_stdout_holds_nothing_but_log_records() {
    let sink = mail_sink::MailSink::start("127.0.0.1:0").expect("a sink");
    let mail_port = sink.addr.port().to_string();
    let app = ChildApp::start(
        BINARY,
        &[
            ("LOG_TO_STDOUT", "1"),
            ("MAIL_SERVER", "127.0.0.1"),
            ("MAIL_PORT", &mail_port),
        ],
    );
    fail_a_rename(&app);
    app.wait_for(
        |app| app.stdout().contains(" ERROR: Exception on"),
        "the ERROR record on stdout",
    );

    assert!(app.output().contains("Error mail: on"), "mail is on");
    let stdout = app.stdout();
    for line in stdout.lines() {
        assert!(
            starts_record(line) || line.starts_with("  "),
            "{line:?} in:\n{stdout}"
        );
    }
}
