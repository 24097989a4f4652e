//! Exercise 9, rotation: `cargo test -p exercises --test ex09`.

#[cfg_attr(not(feature = "solutions"), path = "../src/ex09_rotating_file.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex09_rotating_file.rs")]
pub mod exercise;

use std::io::Write;
use std::path::Path;

use exercise::RotatingFile;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn a_record_that_would_reach_max_bytes_rolls_over() {
    let file = RotatingFile::new(Path::new("microblog.log"), 10, 3);
    assert!(!file.should_roll_over(6, 3), "6 + 3 bytes stay under 10");
    assert!(file.should_roll_over(6, 4), "6 + 4 bytes reach 10");
    assert!(file.should_roll_over(9, 100));
}

#[test]
fn an_empty_file_never_rolls_over() {
    let file = RotatingFile::new(Path::new("microblog.log"), 10, 3);
    assert!(!file.should_roll_over(0, 5));
    assert!(
        !file.should_roll_over(0, 500),
        "a record longer than max_bytes still goes into an empty file"
    );
}

#[test]
fn the_record_that_would_reach_max_bytes_starts_a_new_file() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("microblog.log");
    let mut log = RotatingFile::new(&path, 10, 3);

    log.write_all(b"12345\n").expect("a record"); // 6 bytes
    log.write_all(b"123\n").expect("a record"); // 6 + 4 = 10: roll over first
    log.write_all(b"1\n").expect("a record");

    assert_eq!(read(&log.backup(1)), "12345\n", "the full file became .1");
    assert_eq!(read(&path), "123\n1\n", "and the file started again");
}

#[test]
fn backups_shift_up_with_dot_one_the_newest_and_never_more_than_the_count() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("microblog.log");
    let mut log = RotatingFile::new(&path, 4, 3);

    for record in ["a\n", "b\n", "c\n", "d\n", "e\n", "f\n"] {
        // 2 + 2 bytes would reach 4: one record per file.
        log.write_all(record.as_bytes()).expect("a record");
    }

    assert_eq!(read(&path), "f\n");
    assert_eq!(read(&log.backup(1)), "e\n");
    assert_eq!(read(&log.backup(2)), "d\n");
    assert_eq!(read(&log.backup(3)), "c\n");
    assert!(!log.backup(4).exists(), "never more than 3 backups");
}

#[test]
fn a_file_left_by_an_earlier_run_counts_toward_max_bytes() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("microblog.log");
    std::fs::write(&path, "earlier\n").expect("an earlier run's file"); // 8 bytes
    let mut log = RotatingFile::new(&path, 10, 2);

    log.write_all(b"now\n").expect("a record"); // 8 + 4 = 12

    assert_eq!(read(&log.backup(1)), "earlier\n");
    assert_eq!(read(&path), "now\n");
}
