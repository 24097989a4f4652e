//! Load on the real release binary: a mixed soak, then SIGTERM in the middle
//! of load, and a forged log line.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

/// SIGTERM while 32 clients are busy: the process exits cleanly, and the last
/// request each client had answered is in the log file, which the shutdown
/// flushed. (Earlier requests may have been rotated out: the log keeps about
/// 110 kB.)
#[test]
fn sigterm_under_load_exits_cleanly_and_logs_every_last_answered_request() {
    let mut app = ChildApp::start(release_binary(), &[]);
    let port = app.port;
    let last_answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|thread| {
            let last_answered = last_answered.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(30);
                let mut last = None;
                for n in 0.. {
                    let path = format!("/term/{thread}-{n}");
                    let status =
                        std::panic::catch_unwind(|| HttpClient::new(port).get(&path).status);
                    match status {
                        Ok(404) => last = Some(path),
                        _ => break, // the server has gone: refused or cut off
                    }
                    if Instant::now() > deadline {
                        break;
                    }
                }
                last_answered.lock().expect("lock").extend(last);
            })
        })
        .collect();

    std::thread::sleep(Duration::from_secs(3));
    let clean = app.terminate();
    for client in clients {
        let _ = client.join();
    }

    assert!(clean, "a clean exit:\n{}", app.output());
    let log = app.whole_log();
    let answered = last_answered.lock().expect("lock");
    assert_eq!(
        answered.len(),
        CLIENTS,
        "every client had answers before the signal"
    );
    for path in answered.iter() {
        assert!(
            log.contains(&format!("GET {path}:")),
            "{path} was answered but is not in the log"
        );
    }
    assert!(log.contains("Received SIGTERM."));
    println!("sigterm: the last answered request of each of {CLIENTS} clients is in the log");
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

/// The real binary with its database locked by another process: the 500 page,
/// an ERROR record in the log, and service again once the lock is released.
#[test]
fn a_locked_database_is_logged_as_an_error_and_the_binary_recovers() {
    use sqlx::Connection;

    let mut app = ChildApp::start(release_binary(), &[]);
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

    runtime
        .block_on(sqlx::query("ROLLBACK").execute(&mut locker))
        .expect("the lock is released");
    assert_eq!(john.get("/index").status, 200);
    assert!(app.terminate());
    let log = app.whole_log();
    assert!(
        log.lines()
            .any(|line| line.contains(" ERROR: Exception on /index [GET]")
                && line.contains("database is locked")),
        "an ERROR record for the locked database"
    );
}
