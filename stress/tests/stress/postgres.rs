//! The app on a real PostgreSQL server: a throwaway cluster of Debian's
//! `postgresql` package per test ([`PostgresServer`]). Where the package is
//! missing these tests skip, saying why, except in CI, which installs it
//! (.ci/run) and where a skip would hide a lost test.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use mail_sink::MailSink;
use test_support::book_output::references_in;
use test_support::postgres::PostgresServer;
use test_support::{csrf_token_in, form_body, run_until_it_exits, ChildApp, HttpClient, HttpReply};

use crate::{BINARY, WITH_A_PANIC};

/// A throwaway server, or None (after saying why) for the test to skip, outside CI.
/// In CI (`CI` set) a server that does not start fails the test.
fn server() -> Option<PostgresServer> {
    match PostgresServer::start() {
        Ok(server) => Some(server),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI installs PostgreSQL, yet no server started: {why}")
        }
        Err(why) => {
            eprintln!("skipped: no PostgreSQL server: {why}");
            None
        }
    }
}

/// Whether `server`'s psql connects to `url` and runs `select 1`.
fn answers(server: &PostgresServer, url: &str) -> bool {
    server
        .psql(url)
        .args(["-q", "-A", "-t", "-c", "select 1"])
        .output()
        .is_ok_and(|output| output.status.success() && output.stdout.trim_ascii() == b"1")
}

#[test]
fn a_throwaway_postgres_server_starts_takes_a_database_and_comes_back_after_a_stop() {
    let Some(server) = server() else { return };
    let port = server.port();
    let admin_url = server.admin_url();
    let (credentials, _) = admin_url.rsplit_once('@').expect("user and password");
    assert!(
        admin_url.ends_with(&format!("@127.0.0.1:{port}/postgres")),
        "{admin_url}"
    );
    // A TCP connection needs the password.
    let without_password = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    assert!(
        !answers(&server, &without_password),
        "no password, no entry"
    );

    let first = server.create_database("stress");
    let second = server.create_database("stress");
    assert_ne!(first, second);
    let prefix = format!("{credentials}@127.0.0.1:{port}/stress_");
    assert!(first.starts_with(&prefix), "{first}");
    assert!(answers(&server, &first), "the new database answers");
    assert!(answers(&server, &second), "the other new database answers");

    server.stop();
    assert!(!answers(&server, &first), "a stopped server answers nobody");

    server.start_again();
    assert_eq!(server.port(), port);
    assert!(
        answers(&server, &first),
        "the database is back with its server"
    );
}

/// `server`'s psql on `url`, running `sql`: its one value, as text.
fn one_value(server: &PostgresServer, url: &str, sql: &str) -> String {
    let output = server
        .psql(url)
        .args(["-q", "-A", "-t", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// What an instance needs to mail a sink on this machine.
fn mailing(sink: &MailSink) -> [(&'static str, String); 2] {
    [
        ("MAIL_SERVER", "127.0.0.1".to_owned()),
        ("MAIL_PORT", sink.addr.port().to_string()),
    ]
}

/// `pairs` as `ChildApp::start` takes them.
fn env<'a>(pairs: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// The one reference a 500 page shows.
fn the_reference_on(page: &HttpReply) -> String {
    assert_eq!(page.status, 500, "{}", page.body);
    assert!(
        page.body.contains("An unexpected error has occurred"),
        "{}",
        page.body
    );
    match references_in(&page.body).as_slice() {
        [reference] => reference.clone(),
        other => panic!("one reference on the page, not {other:?}:\n{}", page.body),
    }
}

/// The last lines of `text`, for a failure's message.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Step 5's own tests, the learner's `cargo test -p ch07-5-duplicate-username`,
/// run as `cargo test` runs them (each on a new SQLite file) and then with
/// `MICROBLOG_TEST_POSTGRES`, each on a new database of a real server. CI's
/// `cargo test` has just built them, in the dev profile, so this compiles
/// nothing there.
#[test]
fn step_5s_own_tests_pass_on_sqlite_and_on_postgresql() {
    let Some(server) = server() else { return };

    let on_sqlite = step_5s_own_tests(None);
    let on_postgres = step_5s_own_tests(Some(&server.admin_url()));

    assert_eq!(on_sqlite, on_postgres, "the same tests passed on both");
    // Each on a database of its own, on this server.
    let databases = one_value(
        &server,
        &server.admin_url(),
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'microblog%'",
    );
    assert!(
        databases.parse::<u32>().is_ok_and(|count| count > 0),
        "the tests made no database on the server ({databases})"
    );
}

/// Runs step 5's tests, on PostgreSQL when `postgres` names a server; fails
/// unless they all pass. How many passed.
fn step_5s_own_tests(postgres: Option<&str>) -> u32 {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut cargo = std::process::Command::new(env!("CARGO"));
    cargo
        .current_dir(workspace)
        .args(["test", "-p", "ch07-5-duplicate-username"])
        .env_remove(test_support::postgres::ENV_VAR)
        .env("CARGO_TERM_COLOR", "never")
        .stdin(std::process::Stdio::null());
    if let Some(url) = postgres {
        cargo.env(test_support::postgres::ENV_VAR, url);
    }
    let output = cargo.output().expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let printed = || {
        format!(
            "{postgres:?}: {}\nthe end of stdout:\n{}\nthe end of stderr:\n{}",
            output.status,
            tail(&stdout, 80),
            tail(&stderr, 40)
        )
    };
    assert!(output.status.success(), "{}", printed());
    // "test result: ok. 12 passed; 0 failed; 0 ignored; ...", one per test binary.
    let results: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("test result: "))
        .collect();
    assert!(
        !results.is_empty()
            && results
                .iter()
                .all(|line| line.starts_with("test result: ok.")),
        "{}",
        printed()
    );
    let passed: u32 = results
        .iter()
        .filter_map(|line| {
            line.split_once(". ")?
                .1
                .split_once(" passed")?
                .0
                .parse::<u32>()
                .ok()
        })
        .sum();
    assert!(passed > 0, "no test ran: {}", printed());
    passed
}

/// Two instances of the app behind one load balancer: the same database and
/// the same secret key (every ChildApp has test-support's). A visitor's
/// session is good on both, and when 20 users of both instances rename
/// themselves to one free name at the same moment, the database lets exactly
/// one of them have it: the others get the form's error, never a 500.
#[test]
fn two_instances_on_one_database_share_sessions_and_let_one_of_twenty_concurrent_renames_win() {
    let Some(server) = server() else { return };
    let url = server.create_database("two_instances");
    let a = ChildApp::start(BINARY, &[("DATABASE_URL", &url)]);
    let b = ChildApp::start(BINARY, &[("DATABASE_URL", &url)]);

    let ann = a.signed_in("ann");
    let on_b = HttpClient::new(b.port).get_with_header("/index", "Cookie", &ann.cookie_header());
    assert_eq!(on_b.status, 200, "{}", on_b.body);
    assert!(on_b.body.contains("Hi, ann!"), "{}", on_b.body);

    const USERS: usize = 20;
    let together = Barrier::new(USERS);
    let replies: Vec<HttpReply> = std::thread::scope(|scope| {
        let renames: Vec<_> = (0..USERS)
            .map(|i| {
                let (app, together) = (if i % 2 == 0 { &a } else { &b }, &together);
                scope.spawn(move || {
                    let user = app.signed_in(&format!("user{i}"));
                    let form = user.get("/edit_profile");
                    let token = csrf_token_in(&form.body).expect("the form's CSRF token");
                    let body = form_body(&[
                        ("username", "winner"),
                        ("about_me", ""),
                        ("csrf_token", token),
                    ]);
                    together.wait();
                    user.post_raw("/edit_profile", &body)
                })
            })
            .collect();
        renames
            .into_iter()
            .map(|rename| rename.join().expect("a rename"))
            .collect()
    });

    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    let count = |wanted: fn(&HttpReply) -> bool| replies.iter().filter(|r| wanted(r)).count();
    assert_eq!(count(|r| r.status >= 500), 0, "{statuses:?}");
    assert_eq!(count(|r| r.status == 303), 1, "{statuses:?}");
    assert_eq!(
        count(|r| r.status == 200 && r.body.contains("Please use a different username.")),
        USERS - 1,
        "{statuses:?}"
    );
    assert_eq!(
        one_value(
            &server,
            &url,
            r#"SELECT count(*) FROM "user" WHERE username = 'winner'"#
        ),
        "1"
    );
}

/// Two instances of the app with a `GET /panic` on one database, each with
/// its own mail server: each one's failure is in its own log and its own
/// mail, under the reference its 500 page shows, and in neither of the
/// other's.
#[test]
fn each_instance_mails_and_logs_its_own_failure_with_the_reference_its_500_page_shows() {
    let Some(server) = server() else { return };
    let url = server.create_database("mail_and_log");
    let start = |sink: &MailSink| {
        let mut pairs = mailing(sink).to_vec();
        pairs.push(("DATABASE_URL", url.clone()));
        ChildApp::start(WITH_A_PANIC, &env(&pairs))
    };
    let (a_sink, b_sink) = (
        MailSink::start("127.0.0.1:0").expect("a sink"),
        MailSink::start("127.0.0.1:0").expect("a sink"),
    );
    let (mut a, mut b) = (start(&a_sink), start(&b_sink));

    let a_reference = the_reference_on(&a.client().get("/panic"));
    let b_reference = the_reference_on(&b.client().get("/panic"));
    assert_ne!(a_reference, b_reference);

    let a_mail = a_sink.expect_error_mail(&a_reference).data;
    let b_mail = b_sink.expect_error_mail(&b_reference).data;
    assert!(a.terminate() && b.terminate());
    for (name, app, mail, own, other) in [
        ("A", &a, a_mail, &a_reference, &b_reference),
        ("B", &b, b_mail, &b_reference, &a_reference),
    ] {
        assert!(!mail.contains(other.as_str()), "{name}'s mail:\n{mail}");
        let log =
            std::fs::read_to_string(app.dir.path().join("logs/microblog.log")).expect("the log");
        assert!(
            log.lines()
                .any(|line| line.contains(" ERROR: Exception on /panic [GET]")
                    && line.contains(own.as_str())),
            "{name}'s log:\n{log}"
        );
        assert!(!log.contains(other.as_str()), "{name}'s log:\n{log}");
    }
    for (name, sink) in [("A", &a_sink), ("B", &b_sink)] {
        let more: Vec<String> = sink.mails.try_iter().map(|mail| mail.data).collect();
        assert!(more.is_empty(), "{name}'s sink got more mail: {more:?}");
    }
}

/// The server stopped under the running app: a signed-in page (it reads and
/// writes the user) waits for a connection at most the pool's
/// `connect_timeout` (2 seconds here, set as a deployment would), then is the
/// 500 page, with the reference that the log's ERROR line and the error mail
/// hold. The sign-in page, which needs no database, still answers. When the
/// server is back, so is the app, without a restart.
#[test]
fn with_the_server_down_a_signed_in_page_is_the_500_page_with_a_reference_and_service_resumes_when_it_is_back(
) {
    let Some(server) = server() else { return };
    let url = server.create_database("server_down");
    let sink = MailSink::start("127.0.0.1:0").expect("a sink");
    let mut pairs = mailing(&sink).to_vec();
    pairs.push(("DATABASE_URL", url));
    pairs.push((
        "ROCKET_DATABASES",
        "{microblog={connect_timeout=2}}".to_owned(),
    ));
    let mut app = ChildApp::start(BINARY, &env(&pairs));
    let john = app.signed_in("john");
    assert_eq!(john.get("/index").status, 200);

    server.stop();
    let asked = Instant::now();
    let page = john.get("/index");
    let waited = asked.elapsed();
    let reference = the_reference_on(&page);
    // The pool retries a refused connection until its timeout: 2 seconds, not
    // rocket_db_pools' default of 5.
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_millis(4500),
        "the 500 came after {waited:?}, not the 2 seconds of connect_timeout"
    );
    let anonymous = app.client().get("/login");
    assert_eq!(anonymous.status, 200, "{}", anonymous.body);
    sink.expect_error_mail(&reference);

    server.start_again();
    let page = john.get("/index");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Hi, john!"), "{}", page.body);

    assert!(app.terminate());
    let log = app.whole_log();
    let errors: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(" ERROR: "))
        .collect();
    assert!(
        matches!(errors.as_slice(), [line] if line.contains("Exception on /index [GET]")
            && line.contains(reference.as_str())),
        "one ERROR record, with {reference}:\n{log}"
    );
}

/// The release binary, with `env`, refuses to start within `within`: exit
/// status 1, `reason` on stderr, and no panic. Its stderr.
fn refuses_to_start(env: &[(&str, &str)], reason: &str, within: Duration) -> String {
    let started = Instant::now();
    let (status, stderr) = run_until_it_exits(BINARY, env);
    let took = started.elapsed();

    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(reason), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(took < within, "it took {took:?} to give up");
    stderr
}

/// A server that is down when the app starts: the release binary exits with
/// status 1 at once, and says why in the server's own words, not only that
/// a pool timed out.
#[test]
fn the_app_refuses_to_start_when_the_server_is_down_and_says_why() {
    let Some(server) = server() else { return };
    let url = server.create_database("refused");
    server.stop();

    refuses_to_start(
        &[("DATABASE_URL", &url)],
        "Connection refused",
        Duration::from_secs(4),
    );
}

/// A database whose server encoding is not UTF-8 (SQL_ASCII is what initdb
/// picks under LANG=C) would count a name's length in bytes, or refuse `山田`
/// outright: a 500 for what a visitor typed. The app refuses to start on it.
#[test]
fn a_database_that_is_not_utf8_stops_the_start_and_says_why() {
    let Some(server) = server() else { return };
    let url = server.create_database("ascii");
    let (admin, name) = url.rsplit_once('/').expect("a database name");
    let ascii = format!("{name}_sql_ascii");
    one_value(
        &server,
        &format!("{admin}/postgres"),
        &format!("CREATE DATABASE {ascii} ENCODING 'SQL_ASCII' TEMPLATE template0"),
    );

    refuses_to_start(
        &[("DATABASE_URL", &format!("{admin}/{ascii}"))],
        "the database's encoding is SQL_ASCII, and the app needs UTF8",
        Duration::from_secs(10),
    );
}

/// A server that takes the connection and never answers (a stopped
/// postmaster, a stalled proxy): the start gives up after `connect_timeout`
/// and says so, instead of hanging without a word.
#[test]
fn a_server_that_never_answers_stops_the_start_after_the_connect_timeout() {
    // The kernel completes the handshake into the backlog; no one reads.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    let port = silent.local_addr().expect("its port").port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/microblog");

    refuses_to_start(
        &[
            ("DATABASE_URL", &url),
            ("ROCKET_DATABASES", "{microblog={connect_timeout=1}}"),
        ],
        "no answer from the database server in 1s",
        Duration::from_secs(10),
    );
}

/// libpq's `host=… password=…` is not a URL: it stops the start, rather than
/// run the app on a SQLite file named after it, password and all.
#[test]
fn a_libpq_connection_string_stops_the_start_and_says_to_write_a_url() {
    let stderr = refuses_to_start(
        &[(
            "DATABASE_URL",
            "host=127.0.0.1 user=app password=s3cret dbname=mb",
        )],
        "looks like a libpq connection string",
        Duration::from_secs(10),
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}
