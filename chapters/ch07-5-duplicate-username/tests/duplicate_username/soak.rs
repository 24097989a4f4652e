//! Load on the real release binary: a mixed soak, then SIGTERM in the middle
//! of load, and a forged log line.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::testing::{ChildApp, HttpClient};

/// The release build of this step's binary, built once for these tests (the
/// test binaries themselves are debug builds).
fn release_binary() -> &'static str {
    static BINARY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| {
        // This test runs from <target>/debug/deps.
        let exe = std::env::current_exe().expect("the test's path");
        let target = exe
            .ancestors()
            .nth(3)
            .expect("the target directory")
            .to_path_buf();
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--release",
                "--quiet",
                "-p",
                "ch07-5-duplicate-username",
            ])
            .arg("--target-dir")
            .arg(&target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --release");
        target
            .join("release/ch07-5-duplicate-username")
            .display()
            .to_string()
    })
}
const CLIENTS: usize = 32;

/// One request of the mix, and the status it must get.
fn mixed_request(client: &HttpClient, signed_in: &HttpClient, n: u64) -> bool {
    match n % 3 {
        0 => client.get("/login").status == 200,
        1 => client.get(&format!("/soak/{n}")).status == 404,
        _ => signed_in.get("/index").status == 200,
    }
}

/// 60 seconds of 32 concurrent clients on the real binary: no unexpected status,
/// and memory at the end within 10% of its level after a warm-up.
#[test]
fn a_minute_of_mixed_load_gives_no_unexpected_status_and_no_memory_growth() {
    let app = ChildApp::start(release_binary(), &[]);
    let signed_in = Arc::new(app.signed_in("john"));
    let port = app.port;
    let stop = Arc::new(AtomicBool::new(false));
    let (answered, unexpected) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (stop, answered, unexpected, signed_in) = (
                stop.clone(),
                answered.clone(),
                unexpected.clone(),
                signed_in.clone(),
            );
            std::thread::spawn(move || {
                let client = HttpClient::new(port);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    if !mixed_request(&client, &signed_in, n) {
                        unexpected.fetch_add(1, Ordering::Relaxed);
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_secs(10));
    let warm = app.rss_kib().expect("the server's memory");
    std::thread::sleep(Duration::from_secs(50));
    let end = app.rss_kib().expect("the server's memory");
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("a client thread");
    }

    let (answered, unexpected) = (
        answered.load(Ordering::Relaxed),
        unexpected.load(Ordering::Relaxed),
    );
    println!("soak: {answered} requests, {unexpected} unexpected, RSS {warm} KiB after warm-up, {end} KiB at the end");
    assert!(answered > 1000, "the load ran: {answered} requests");
    assert_eq!(unexpected, 0);
    assert!(
        end * 10 <= warm * 11,
        "memory grew from {warm} KiB to {end} KiB"
    );
}

/// SIGTERM while 32 clients are busy: the process exits cleanly, and no answered
/// request is missing from the log file, which the shutdown flushed.
///
/// The log rotates at 10 x 10240 bytes, a few hundred requests, so under load
/// the oldest records are dropped on purpose. What rotation drops is always the
/// oldest, so for each client the requests still in the log must be an unbroken
/// run that ends with its last answer, and the last answers overall (those that
/// a lost buffer would lose) must all be there.
#[test]
fn sigterm_under_load_exits_cleanly_and_logs_every_last_answered_request() {
    /// Fewer answers than the log keeps, even with every client's request in
    /// flight written after them.
    const NEWEST: usize = 64;

    let mut app = ChildApp::start(release_binary(), &[]);
    let port = app.port;
    let signalled = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|thread| {
            let signalled = signalled.clone();
            std::thread::spawn(move || {
                let client = HttpClient::new(port);
                let mut answers = Vec::new();
                let mut failed_before_the_signal = None;
                for n in 0.. {
                    let path = format!("/term/{thread}-{n}");
                    match client.try_get(&path) {
                        Ok(reply) if reply.status == 404 => answers.push((Instant::now(), path)),
                        outcome => {
                            // After the signal a refused or cut connection is
                            // the shutdown; before it, it is a failure.
                            if !signalled.load(Ordering::SeqCst) {
                                failed_before_the_signal = Some(format!("{path}: {outcome:?}"));
                            }
                            break;
                        }
                    }
                }
                (answers, failed_before_the_signal)
            })
        })
        .collect();

    std::thread::sleep(Duration::from_secs(3));
    signalled.store(true, Ordering::SeqCst);
    let clean = app.terminate();
    let per_client: Vec<_> = clients
        .into_iter()
        .map(|client| client.join().expect("a client thread"))
        .collect();

    assert!(clean, "a clean exit:\n{}", app.output());
    let log = app.whole_log();
    let shutdown_records: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("hutdown") || line.contains("SIGTERM"))
        .collect();
    assert!(log.contains("Received SIGTERM."), "{shutdown_records:#?}");
    // Rocket's last record says how the shutdown ended: gracefully, cut short
    // by a client, or (Rocket 0.5's race between its accept loop and its
    // shutdown branch) at once. Every way exits cleanly with the log flushed.
    let endings = [
        "Graceful shutdown completed successfully.",
        "Server failed while shutting down",
        "Shutdown failed",
        "Server shutdown nominally.",
    ];
    assert!(
        endings.iter().any(|ending| log.contains(ending)),
        "how the shutdown ended is in the log: {shutdown_records:#?}"
    );
    let logged: std::collections::HashSet<&str> = log
        .lines()
        .filter_map(|line| line.split_once(" INFO: GET ")?.1.split_once(':'))
        .map(|(path, _)| path)
        .collect();

    let mut every_answer = Vec::new();
    for (client, (answers, failure)) in per_client.iter().enumerate() {
        assert_eq!(failure, &None, "client {client} failed before SIGTERM");
        assert!(!answers.is_empty(), "client {client} had answers");
        let first_kept = answers
            .iter()
            .position(|(_, path)| logged.contains(path.as_str()))
            .unwrap_or(answers.len());
        for (_, path) in &answers[first_kept..] {
            assert!(
                logged.contains(path.as_str()),
                "{path} was answered but is not in the log, while an earlier request is"
            );
        }
        every_answer.extend(answers.iter());
    }
    every_answer.sort();
    for (_, path) in every_answer.iter().rev().take(NEWEST) {
        assert!(
            logged.contains(path.as_str()),
            "{path}, among the last {NEWEST} answers, is not in the log"
        );
    }
    println!(
        "sigterm: {} requests answered by {CLIENTS} clients; the last {NEWEST} and every \
         client's unbroken run of latest answers are in the log",
        every_answer.len()
    );
}

/// A newline and a fake record in a path or a username cannot forge a line of
/// logs/microblog.log: paths are logged percent-encoded, form values not at all.
#[test]
fn a_fake_record_in_a_path_or_username_cannot_forge_a_log_line() {
    let mut app = ChildApp::start(release_binary(), &[]);
    let fake = "\n2020-01-01 00:00:00,000 ERROR: forged [in x.rs:1]";
    let client = app.client();
    let encoded = rocket::http::RawStr::new(fake).percent_encode().to_string();
    assert_eq!(client.get(&format!("/user/{encoded}")).status, 303);
    assert_eq!(client.get(&format!("/nowhere/{encoded}")).status, 404);
    let reply = client.submit(
        "/register",
        &[
            ("username", fake),
            ("email", "f@example.com"),
            ("password", "p"),
            ("password2", "p"),
        ],
    );
    assert_eq!(reply.status, 303, "the odd username is accepted");
    assert!(app.terminate());

    let log = app.whole_log();
    assert!(
        log.contains("GET /nowhere/%0A2020-01-01"),
        "the path is logged, encoded"
    );
    assert!(
        !log.lines()
            .any(|line| line.starts_with("2020-01-01 00:00:00,000")),
        "a forged line"
    );
}

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
        release_binary(),
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
#[test]
#[ignore = "needs root for `chattr +i`; .ci/run runs it"]
fn a_read_only_database_is_logged_as_an_error_and_the_binary_recovers() {
    let mut app = ChildApp::start(release_binary(), &[]);
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
