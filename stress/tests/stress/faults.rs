//! Faults around the complete app's release binary: a database locked by
//! another process or made read-only, and a full disk under the log file.

use test_support::ChildApp;

use crate::{BINARY, STEP_4};

/// The real binary with its database locked by another process, and a mail
/// server that accepts the connection and never answers: the 500 page, an
/// ERROR record in the log, and service again once the lock is released, while
/// the error mail still waits for its server.
#[test]
fn a_locked_database_is_logged_as_an_error_and_the_binary_recovers() {
    use std::io::{ErrorKind, Read};

    use sqlx::Connection;

    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    let mail_port = silent.local_addr().expect("its address").port().to_string();
    let mut app = ChildApp::start(
        BINARY,
        &[("MAIL_SERVER", "127.0.0.1"), ("MAIL_PORT", &mail_port)],
    );
    let john = app.signed_in("john");
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let url = format!("sqlite://{}", app.dir.path().join("microblog.db").display());
    let mut locker = runtime
        .block_on(sqlx::SqliteConnection::connect(&url))
        .expect("a second connection");
    runtime
        .block_on(sqlx::query("BEGIN EXCLUSIVE").execute(&mut locker))
        .expect("the lock");

    let reply = john.get("/index");
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("An unexpected error has occurred"));

    let (mut mail_connection, _) = silent.accept().expect("the error mail connects");

    runtime
        .block_on(sqlx::query("ROLLBACK").execute(&mut locker))
        .expect("the lock is released");
    assert_eq!(john.get("/index").status, 200);
    // Served while the mailer still waits for the server's first word.
    mail_connection.set_nonblocking(true).expect("non-blocking");
    let still_waiting = matches!(
        mail_connection.read(&mut [0; 16]),
        Err(error) if error.kind() == ErrorKind::WouldBlock
    );
    assert!(still_waiting, "the SMTP exchange had ended");
    assert!(app.terminate());
    let log = app.whole_log();
    assert!(
        log.lines()
            .any(|line| line.contains(" ERROR: Exception on /index [GET]")
                && line.contains("database is locked")),
        "an ERROR record for the locked database"
    );
    // The release build still names the app's own frames, path and all.
    assert!(
        log.lines()
            .any(|line| line.starts_with("  common::") && line.contains(" at ")),
        "the app's own frames below the record:\n{log}"
    );
}

/// Files made immutable with `chattr +i`, which holds even for root (file
/// permissions do not), until this is dropped.
struct Immutable(Vec<std::path::PathBuf>);

impl Immutable {
    fn set(files: &[std::path::PathBuf]) -> Immutable {
        let set = Immutable(files.to_vec());
        set.chattr("+i");
        set
    }

    fn chattr(&self, flag: &str) {
        let status = std::process::Command::new("chattr")
            .arg(flag)
            .args(&self.0)
            .status();
        assert!(
            status.is_ok_and(|status| status.success()),
            "chattr {flag} {:?} (needs root and a file system with the flag, as ext4)",
            self.0
        );
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        self.chattr("-i");
    }
}

/// The database file and its write-ahead log made read-only under the running
/// release binary: a signed-in page (it writes `last_seen`) is the 500 page and
/// an ERROR in the log, the anonymous pages still serve, and once the files are
/// writable again the app recovers by itself.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs root for `chattr +i`; .ci/run runs it"]
fn a_read_only_database_is_logged_as_an_error_and_the_binary_recovers() {
    let mut app = ChildApp::start(BINARY, &[]);
    let john = app.signed_in("john");
    let db = app.dir.path().join("microblog.db");
    let read_only = Immutable::set(&[db.clone(), db.with_extension("db-wal")]);

    let reply = john.get("/index");
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("An unexpected error has occurred"));
    assert_eq!(app.client().get("/login").status, 200, "reads still work");

    drop(read_only);
    assert_eq!(john.get("/index").status, 200, "recovered");
    assert!(app.terminate());
    let log = app.whole_log();
    let error = log
        .lines()
        .find(|line| line.contains(" ERROR: Exception on /index [GET]"));
    let error =
        error.unwrap_or_else(|| panic!("an ERROR record for the read-only database:\n{log}"));
    // SQLite's word for a write the file system refused.
    assert!(error.contains("disk I/O error"), "{error}");
}

/// A full disk: `/dev/full` answers every write with "No space left on device".
/// The records are lost, stderr says so once, and the app goes on serving.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_reported_once_on_stderr_and_the_app_still_serves() {
    let dir = tempfile::tempdir().expect("a directory");
    std::fs::create_dir(dir.path().join("logs")).expect("logs/");
    std::os::unix::fs::symlink("/dev/full", dir.path().join("logs/microblog.log"))
        .expect("microblog.log, a link to /dev/full");
    let app = ChildApp::start_in(dir, BINARY, &[]);
    let client = app.client();
    for _ in 0..20 {
        assert_eq!(client.get("/login").status, 200);
    }

    app.wait_for(
        |app| {
            app.output()
                .contains("Log records are being lost: No space left on device")
        },
        "the report on stderr",
    );
    assert_eq!(
        app.output().matches("Log records are being lost").count(),
        1,
        "said once, not once a record:\n{}",
        app.output()
    );
}

/// `logs/` replaced by a file while the app runs, then put back: the records
/// in between are lost and counted, stderr says so once, and writing resumes
/// by itself with the next record.
#[cfg(unix)]
#[test]
fn logging_survives_logs_becoming_unusable_and_resumes_when_it_is_back() {
    let mut app = ChildApp::start(STEP_4, &[]);
    app.signed_in("susan");
    let john = app.signed_in("john");
    let fail = || {
        let reply = john.submit("/edit_profile", &test_support::RENAME_TO_SUSAN);
        assert_eq!(reply.status, 500);
    };
    let logs = app.dir.path().join("logs");
    let moved = app.dir.path().join("logs.moved");
    app.wait_for(
        |app| app.whole_log().contains("Microblog startup"),
        "startup",
    );

    std::fs::rename(&logs, &moved).expect("logs/ moved away");
    std::fs::write(&logs, "not a directory").expect("a file named logs");
    // The open file still takes records until the next rotation fails.
    app.wait_for(
        |app| {
            fail();
            app.output().contains("Log records are being lost")
        },
        "the loss, said on stderr",
    );
    fail();
    std::fs::remove_file(&logs).expect("the file removed");
    std::fs::rename(&moved, &logs).expect("logs/ back");
    app.wait_for(
        |app| {
            fail();
            app.output().contains("The log file is written again")
        },
        "writing again",
    );
    for _ in 0..10 {
        fail();
    }
    assert!(app.terminate());

    let output = app.output();
    assert_eq!(
        output.matches("Log records are being lost").count(),
        1,
        "{output}"
    );
    let newest = std::fs::read_to_string(logs.join("microblog.log")).unwrap_or_default();
    let written_after = newest.matches(" ERROR: Exception on /edit_profile").count();
    assert!(
        written_after >= 10,
        "{written_after} records after logs/ came back"
    );
    println!(
        "after logs/ came back: {written_after} records in microblog.log; {}",
        output
            .lines()
            .find(|line| line.contains("written again"))
            .unwrap_or_default()
    );
}

/// `microblog.db` deleted under the running app: no connection makes a new,
/// empty one in its place, and none goes on writing to the deleted file.
/// Pages that need the database fail, with the 500 page and an ERROR in the
/// log (the signed-in pages, and the forms, whose connection guard fails),
/// until a restart creates and migrates a new file.
#[cfg(unix)] // a file in use cannot be deleted on Windows
#[test]
fn a_deleted_database_is_an_error_not_a_new_empty_file() {
    let mut app = ChildApp::start(BINARY, &[]);
    let john = app.signed_in("john");
    app.delete_database();

    let reply = john.get("/index");
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("An unexpected error has occurred"));
    let stranger = app.client();
    let register = stranger.submit(
        "/register",
        &[
            ("username", "susan"),
            ("email", "susan@example.com"),
            ("password", "pw"),
            ("password2", "pw"),
        ],
    );
    // The connection guard of a form handler fails: the app's error, not a 503.
    assert_eq!(register.status, 500, "nothing saved to a deleted file");
    assert_eq!(
        stranger.get("/login").status,
        200,
        "pages without the database"
    );
    assert!(
        !app.dir.path().join("microblog.db").exists(),
        "no new, empty database"
    );

    assert!(app.terminate());
    let log = app.whole_log();
    for failed in ["/index [GET]", "/register [POST]"] {
        assert!(
            log.lines().any(
                |line| line.contains(&format!(" ERROR: Exception on {failed}"))
                    && line.contains("unable to open database file")
            ),
            "{failed}: {log}"
        );
    }
}
