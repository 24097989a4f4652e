//! Step 4: the real binary writes logs/microblog.log in its working directory.

use std::path::{Path, PathBuf};

use common::testing::{ChildApp, HttpClient};

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

fn fail_a_rename(app: &ChildApp) -> HttpClient {
    app.signed_in("susan");
    let john = app.signed_in("john");
    let reply = john.submit("/edit_profile", &[("username", "susan"), ("about_me", "")]);
    assert_eq!(reply.status, 500);
    john
}

#[test]
fn the_log_starts_with_the_startup_line_in_pythons_format() {
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
    // Rocket's own launch records are in the file too.
    assert!(log.contains("INFO: Configured for release."));
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

#[test]
fn rotation_keeps_ten_backups_of_at_most_10240_bytes_plus_one_record() {
    let app = ChildApp::start(BINARY, &[]);
    let client = app.client();
    let long_path = format!("/{}", "x".repeat(2000));
    let dir = app.dir.path().join("logs");
    let backup = |n: u32| dir.join(format!("microblog.log.{n}"));

    // Each 404 logs its 2000-character path twice: about 4 kB a request.
    for _ in 0..80 {
        assert_eq!(client.get(&long_path).status, 404);
    }
    app.wait_for(|_| backup(10).exists(), "the tenth backup");
    for _ in 0..10 {
        assert_eq!(client.get(&long_path).status, 404);
    }
    let mut app = app;
    assert!(app.terminate());

    assert!(!backup(11).exists(), "never an eleventh backup");
    let mut files = vec![dir.join("microblog.log")];
    files.extend((1..=10).map(backup));
    for file in &files {
        let text = read(file);
        assert!(!text.is_empty(), "{} is empty", file.display());
        // Everything before the last record fit the limit: a rotation happens
        // once the file has passed 10240 bytes, never in the middle of a record.
        let last_record = text.rfind("\n20").map_or(0, |at| at + 1);
        assert!(
            starts_record(&text[last_record..]),
            "{} ends mid-record",
            file.display()
        );
        assert!(
            last_record as u64 <= MAX_BYTES + 1,
            "{}: {last_record} bytes before its last record",
            file.display()
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

#[test]
fn the_last_request_before_sigterm_is_in_the_file() {
    let mut app = ChildApp::start(BINARY, &[]);
    let client = app.client();
    for n in 0..200 {
        assert_eq!(client.get(&format!("/request-{n}")).status, 404);
    }

    assert!(app.terminate(), "a graceful exit");

    let log = read(&log_path(&app));
    assert!(
        log.contains("GET /request-199"),
        "the last request is in the log"
    );
    assert!(log.contains("Graceful shutdown completed"));
}

#[test]
fn an_unusable_logs_directory_is_reported_and_the_app_still_serves() {
    let dir = tempfile::tempdir().expect("a directory");
    // `logs` is a file, so it cannot be the log directory.
    std::fs::write(dir.path().join("logs"), "not a directory").expect("a file named logs");
    let app = ChildApp::start_in(dir, BINARY, &[]);

    assert!(
        app.output().contains("Not logging to logs/microblog.log:"),
        "{}",
        app.output()
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
