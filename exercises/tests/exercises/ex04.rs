use exercises::ex04_python_format::python_line;
use time::macros::datetime;
use tracing::Level;

#[test]
fn a_record_looks_like_pythons() {
    assert_eq!(
        python_line(
            datetime!(2026-11-25 13:05:42.123 UTC),
            Level::INFO,
            "Microblog startup",
            "src/lib.rs",
            31
        ),
        "2026-11-25 13:05:42,123 INFO: Microblog startup [in src/lib.rs:31]"
    );
}

#[test]
fn milliseconds_have_three_digits_and_warn_is_warning() {
    assert_eq!(
        python_line(
            datetime!(2026-01-02 03:04:05.006789 UTC),
            Level::WARN,
            "careful",
            "a.rs",
            1
        ),
        "2026-01-02 03:04:05,006 WARNING: careful [in a.rs:1]"
    );
    assert!(python_line(
        datetime!(2026-01-02 03:04:05 UTC),
        Level::ERROR,
        "x",
        "a.rs",
        1
    )
    .starts_with("2026-01-02 03:04:05,000 ERROR: x"));
}

#[test]
fn a_multi_line_message_continues_below_the_record_line() {
    let message = "Exception on /edit_profile [POST]\n  0: common::routes::edit_profile\n  1: main";
    assert_eq!(
        python_line(datetime!(2026-11-25 13:05:42.123 UTC), Level::ERROR, message, "src/error.rs", 9),
        "2026-11-25 13:05:42,123 ERROR: Exception on /edit_profile [POST] [in src/error.rs:9]\n  0: common::routes::edit_profile\n  1: main"
    );
}
