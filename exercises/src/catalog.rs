//! The exercises, in the chapter's order, and where their hints are. The
//! runner (`cargo run -p exercises`) and `hint` read this list; neither
//! compiles an exercise, so a broken exercise never stops them.

use std::path::{Path, PathBuf};

pub struct Exercise {
    /// `ex03`: the name of its test (tests/ex03.rs) and of its hint (ex03.md).
    pub name: &'static str,
    /// The file you edit, under exercises/.
    pub file: &'static str,
    /// The step of the chapter it belongs to.
    pub step: &'static str,
    /// What you write, in a few words.
    pub task: &'static str,
}

pub const EXERCISES: [Exercise; 12] = [
    Exercise {
        name: "ex01",
        file: "src/ex01_error_enum.rs",
        step: "Debug mode",
        task: "the app's error type, an enum with thiserror",
    },
    Exercise {
        name: "ex02",
        file: "src/ex02_error_responder.rs",
        step: "Debug mode",
        task: "a Responder: log the error, hand over the 500",
    },
    Exercise {
        name: "ex03",
        file: "src/ex03_debug_page.rs",
        step: "Debug mode",
        task: "a response fairing that shows the debug page",
    },
    Exercise {
        name: "ex04",
        file: "src/ex04_not_found.rs",
        step: "Custom error pages",
        task: "a catcher for 404, in the site's layout",
    },
    Exercise {
        name: "ex05",
        file: "src/ex05_error_catchers.rs",
        step: "Custom error pages",
        task: "the 500 catcher and a default catcher",
    },
    Exercise {
        name: "ex06",
        file: "src/ex06_error_mail.rs",
        step: "Errors by email",
        task: "the error mail, built with lettre",
    },
    Exercise {
        name: "ex07",
        file: "src/ex07_mail_switch.rs",
        step: "Errors by email",
        task: "mail only outside debug, with MAIL_SERVER set",
    },
    Exercise {
        name: "ex08",
        file: "src/ex08_mail_layer.rs",
        step: "Errors by email",
        task: "a tracing layer for the app's own ERROR records",
    },
    Exercise {
        name: "ex09",
        file: "src/ex09_rotating_file.rs",
        step: "Logging to a file",
        task: "the rotating file's rollover",
    },
    Exercise {
        name: "ex10",
        file: "src/ex10_log_format.rs",
        step: "Logging to a file",
        task: "Python's log line, and the startup line",
    },
    Exercise {
        name: "ex11",
        file: "src/ex11_validate_username.rs",
        step: "Duplicate username",
        task: "validate_username, with the original username",
    },
    Exercise {
        name: "ex12",
        file: "src/ex12_unique_violation.rs",
        step: "Duplicate username",
        task: "the unique index's refusal as the same form error",
    },
];

/// exercises/, wherever the program is run from.
pub fn package_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The exercise named `ex03`, `3` or `03`.
pub fn find(name: &str) -> Option<&'static Exercise> {
    let number: usize = name.trim_start_matches("ex").parse().ok()?;
    EXERCISES.get(number.checked_sub(1)?)
}

/// The hint for `exercise`. Hints live in hints/<language>/exNN.md: English in
/// hints/en/, and a translation in a folder of its own (hints/ko/ for Korean,
/// for example), picked by `EXERCISES_LANG=ko` or by the language of `LANG`.
/// A hint not translated yet is shown in English.
pub fn hint(exercise: &Exercise) -> std::io::Result<String> {
    let file = format!("{}.md", exercise.name);
    let translated = language().map(|language| hints_dir().join(language).join(&file));
    match translated {
        Some(path) if path.is_file() => std::fs::read_to_string(path),
        _ => std::fs::read_to_string(hints_dir().join("en").join(&file)),
    }
}

fn hints_dir() -> PathBuf {
    package_dir().join("hints")
}

/// `ko` from `EXERCISES_LANG=ko`, or from `LANG=ko_KR.UTF-8`.
fn language() -> Option<String> {
    let chosen = std::env::var("EXERCISES_LANG")
        .or_else(|_| std::env::var("LANG"))
        .ok()?;
    let language = chosen.split(['_', '.', '-']).next()?.to_ascii_lowercase();
    let usable = !language.is_empty() && language.chars().all(|c| c.is_ascii_alphabetic());
    usable.then_some(language)
}
