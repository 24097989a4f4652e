//! Exercise 4, solved: see `src/ex04_python_format.rs` for the brief.

use time::macros::format_description;
use time::OffsetDateTime;
use tracing::Level;

/// One log record as Python's `logging.Formatter` would write it (no newline at the end).
pub fn python_line(
    when: OffsetDateTime,
    level: Level,
    message: &str,
    file: &str,
    line: u32,
) -> String {
    let asctime = when
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second],[subsecond digits:3]"
        ))
        .unwrap_or_default();
    let levelname = if level == Level::WARN {
        "WARNING".to_owned()
    } else {
        level.to_string()
    };
    let (first, rest) = match message.split_once('\n') {
        Some((first, rest)) => (first, Some(rest)),
        None => (message, None),
    };
    let mut text = format!("{asctime} {levelname}: {first} [in {file}:{line}]");
    if let Some(rest) = rest {
        text.push('\n');
        text.push_str(rest);
    }
    text
}
