//! The app on a real PostgreSQL server: a throwaway cluster of Debian's
//! `postgresql` package per test ([`PostgresServer`]). Where the package is
//! missing these tests skip, saying why, except in CI, which installs it
//! (.ci/run) and where a skip would hide a lost test.

use test_support::postgres::PostgresServer;

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
    assert_eq!(
        server.admin_url(),
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    );

    let first = server.create_database("stress");
    let second = server.create_database("stress");
    assert_ne!(first, second);
    let prefix = format!("postgres://postgres@127.0.0.1:{port}/stress_");
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
