//! The book's sample of `logs/microblog.log` (docs/src/output/microblog.log.snap),
//! made by the real binary and checked on every `cargo test`. A change to what
//! the file holds, to the line format, or to where the logged code sits fails
//! here. To accept a change on purpose, and update the book with it:
//! `INSTA_UPDATE=always cargo test -p ch07-4-file-logging book_output`.

use std::path::Path;

use test_support::book_output::{fixed_frame_count, references_in, FIXED_REFERENCE};
use test_support::ChildApp;

const BINARY: &str = env!("CARGO_BIN_EXE_ch07-4-file-logging");

/// Any record's time, as the book shows it.
const FIXED_ASCTIME: &str = "2026-11-27 01:02:03,456";

/// What the book's "Run it" does: start in release, take another user's name,
/// stop the server, read `logs/microblog.log`.
#[test]
fn the_log_after_startup_and_a_failed_rename() {
    let mut app = ChildApp::start(BINARY, &[]);
    let (_, reply) = app.rename_to_a_taken_name();
    assert_eq!(reply.status, 500);
    // The ERROR record ends with the count of the frames it leaves out.
    app.wait_for(
        |app| app.whole_log().contains(" more frames in "),
        "the whole ERROR record in the log",
    );
    assert!(app.terminate(), "a clean shutdown");

    let log = std::fs::read_to_string(app.dir.path().join("logs/microblog.log"))
        .expect("logs/microblog.log");
    insta::with_settings!({
        snapshot_path => "../../../../docs/src/output",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("microblog.log", normalized(&log));
    });
}

/// The log with what changes from run to run made fixed: each record's time,
/// each failure's reference, and how many library frames the backtrace leaves
/// out (a number that depends on the compiler and the platform). Everything
/// else is kept as written, line numbers included.
fn normalized(log: &str) -> String {
    let mut log = log.to_owned();
    for reference in references_in(&log) {
        log = log.replace(&reference, FIXED_REFERENCE);
    }
    let mut lines = Vec::new();
    for line in log.lines() {
        let line = line.replace('\\', "/"); // Windows paths
        let line = match line.get(..FIXED_ASCTIME.len()) {
            Some(asctime) if is_asctime(asctime) => {
                format!("{FIXED_ASCTIME}{}", &line[FIXED_ASCTIME.len()..])
            }
            _ => line,
        };
        lines.push(fixed_frame_count(&line));
    }
    lines.join("\n")
}

/// `2026-11-25 13:05:42,123`: Python's asctime, and nothing else.
fn is_asctime(text: &str) -> bool {
    text.len() == FIXED_ASCTIME.len()
        && text
            .bytes()
            .zip(FIXED_ASCTIME.bytes())
            .all(|(byte, pattern)| match pattern {
                b'0'..=b'9' => byte.is_ascii_digit(),
                _ => byte == pattern,
            })
}

/// The book includes each snapshot from its fourth line
/// (`{{#include output/NAME.snap:4:}}`), after insta's three header lines.
#[test]
fn the_book_skips_exactly_the_header_of_each_snapshot() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src");
    let mut snapshots = 0;
    for entry in std::fs::read_dir(docs.join("output")).expect("docs/src/output") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|extension| extension != "snap") {
            continue;
        }
        snapshots += 1;
        let text = std::fs::read_to_string(&path).expect("the snapshot");
        let header: Vec<&str> = text.lines().take(3).collect();
        assert!(
            header.len() == 3
                && header[0] == "---"
                && header[1].starts_with("source: ")
                && header[2] == "---",
            "{}: insta's header is not three lines:\n{text}",
            path.display()
        );
    }
    assert!(
        snapshots >= 3,
        "the book's snapshots are in docs/src/output"
    );
    for page in std::fs::read_dir(&docs).expect("docs/src") {
        let page = page.expect("an entry").path();
        let text = std::fs::read_to_string(&page).unwrap_or_default();
        for line in text
            .lines()
            .filter(|line| line.contains("{{#include output/") && line.contains(".snap"))
        {
            assert!(
                line.trim().ends_with(".snap:4:}}"),
                "{}: {line} should start at line 4",
                page.display()
            );
        }
    }
}

#[test]
fn normalizing_fixes_times_and_the_frame_count_and_keeps_the_rest() {
    let log = "2026-11-25 14:46:57,929 INFO: Microblog startup [in src\\lib.rs:33]\n2026-11-25 14:46:58,647 ERROR: boom reference=E-80ebe612 [in src/error.rs:191]\n  (80 more frames in std, tokio and Rocket)\n2026-11-25 14:46 not a time, nor E-80ebe61z";
    assert_eq!(
        normalized(log),
        "2026-11-27 01:02:03,456 INFO: Microblog startup [in src/lib.rs:33]\n2026-11-27 01:02:03,456 ERROR: boom reference=E-3f9a21c0 [in src/error.rs:191]\n  (N more frames in std, tokio and Rocket)\n2026-11-25 14:46 not a time, nor E-80ebe61z"
    );
}
