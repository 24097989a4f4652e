//! Load on the real release binary: a mixed soak, then SIGTERM in the middle
//! of load.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use test_support::{ChildApp, HttpClient};

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

/// SIGTERM while 32 clients are busy: every request before the signal was
/// answered, and the process exits cleanly with its log flushed: the startup
/// line there, and no ERROR or WARNING from the load or the shutdown.
#[test]
fn sigterm_under_load_exits_cleanly_with_the_log_flushed() {
    let mut app = ChildApp::start(release_binary(), &[]);
    let port = app.port;
    let signalled = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|thread| {
            let signalled = signalled.clone();
            std::thread::spawn(move || {
                let client = HttpClient::new(port);
                let mut answers = 0;
                for n in 0.. {
                    let path = format!("/term/{thread}-{n}");
                    match client.try_get(&path) {
                        Ok(reply) if reply.status == 404 => answers += 1,
                        // After the signal a refused or cut connection is the
                        // shutdown; before it, it is a failure.
                        outcome if !signalled.load(Ordering::SeqCst) => {
                            return Err(format!("{path}: {outcome:?}"));
                        }
                        _ => break,
                    }
                }
                Ok(answers)
            })
        })
        .collect();

    std::thread::sleep(Duration::from_secs(3));
    signalled.store(true, Ordering::SeqCst);
    let clean = app.terminate();
    let mut answered = 0;
    for client in clients {
        answered += client
            .join()
            .expect("a client thread")
            .expect("answered before SIGTERM");
    }

    assert!(clean, "a clean exit:\n{}", app.output());
    let log = app.whole_log();
    assert!(log.contains("INFO: Microblog startup"), "{log}");
    // Rocket 0.5 can end without its graceful part (see step 3's `launch`),
    // and then says so in a WARNING; any other ending leaves no record.
    let cut_short = "WARNING: The shutdown was cut short";
    let unexpected = |line: &&str| {
        line.contains(" ERROR: ") || (line.contains(" WARNING: ") && !line.contains(cut_short))
    };
    assert!(!log.lines().any(|line| unexpected(&line)), "{log}");
    println!("sigterm: {answered} requests answered by {CLIENTS} clients, then a clean exit");
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
