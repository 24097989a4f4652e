//! `cargo run -p exercises`: checks every exercise in order with its own test,
//! then shows which are done, which one you are on and which comes next, what
//! the test says about the one you are on, and its hint.
//!
//! `cargo run -p exercises -- 5` checks exercise 5 alone. `bacon exercises`
//! runs the whole check again each time you save a file.

mod catalog;

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use catalog::{Exercise, EXERCISES};

/// Lines of test output shown for the exercise you are on.
const SHOWN_LINES: usize = 60;

fn main() -> ExitCode {
    let chosen: Vec<&'static Exercise> = match std::env::args().nth(1) {
        None => EXERCISES.iter().collect(),
        Some(name) => match catalog::find(&name) {
            Some(exercise) => vec![exercise],
            None => {
                eprintln!(
                    "usage: cargo run -p exercises [-- N]   (N from 1 to {})",
                    EXERCISES.len()
                );
                return ExitCode::from(2);
            }
        },
    };

    eprintln!(
        "Checking {} with `cargo test`: the first time, this compiles each one.",
        if chosen.len() == 1 {
            "the exercise"
        } else {
            "the exercises"
        }
    );
    let mut checked = Vec::new();
    for exercise in chosen {
        match check(exercise) {
            Ok(outcome) => checked.push((exercise, outcome)),
            Err(error) => {
                eprintln!("Could not run cargo to check {}: {error}", exercise.name);
                return ExitCode::from(2);
            }
        }
    }

    let current = checked.iter().position(|(_, outcome)| !outcome.passed);
    let next = current
        .and_then(|current| (current + 1..checked.len()).find(|&index| !checked[index].1.passed));

    println!();
    for (index, (exercise, outcome)) in checked.iter().enumerate() {
        let mark = if outcome.passed { "✓" } else { "✗" };
        let note = if Some(index) == current {
            "   ← you are here"
        } else if Some(index) == next {
            "   ← next"
        } else {
            ""
        };
        println!(
            "  {mark} {}  {:<20} {}{note}",
            exercise.name, exercise.step, exercise.task
        );
    }
    let done = checked.iter().filter(|(_, outcome)| outcome.passed).count();
    println!("\n{done} of {} done.", checked.len());

    let Some(current) = current else {
        if checked.len() == EXERCISES.len() {
            println!("All done! Compare your work with exercises/solutions/ if you like.");
        }
        return ExitCode::SUCCESS;
    };
    let (exercise, outcome) = &checked[current];
    println!("\n── {}: exercises/{} ──\n", exercise.name, exercise.file);
    print_trimmed(&outcome.output, exercise);
    println!("\n── Hint for {} ──\n", exercise.name);
    match catalog::hint(exercise) {
        Ok(hint) => print!("{hint}"),
        Err(error) => println!("(no hint found: {error})"),
    }
    ExitCode::FAILURE
}

struct Outcome {
    passed: bool,
    /// What cargo and the test printed: compiler errors or failed assertions.
    output: String,
}

/// `cargo test -p exercises --test exNN`, with `--features solutions` when
/// this program was built with it (so CI can check the solutions this way).
fn check(exercise: &Exercise) -> std::io::Result<Outcome> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let manifest = catalog::package_dir().join("Cargo.toml");
    let mut command = Command::new(cargo);
    command
        .arg("test")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(manifest)
        .args(["--test", exercise.name]);
    if cfg!(feature = "solutions") {
        command.args(["--features", "solutions"]);
    }
    command.args(["--", "--color", "never"]);
    // No backtraces: the assertion messages are what you need to read.
    command
        .env("CARGO_TERM_COLOR", "never")
        .env("RUST_BACKTRACE", "0");
    without_what_cargo_run_set(&mut command);
    let output = command.output()?;
    // The test's report, then the compiler's errors, if any, without cargo's
    // own closing line.
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    for line in String::from_utf8_lossy(&output.stderr).lines() {
        if !line.starts_with("error: test failed, to rerun") {
            text.push_str(line);
            text.push('\n');
        }
    }
    Ok(Outcome {
        passed: output.status.success(),
        output: text,
    })
}

/// Takes away the variables that `cargo run` set for this program (its
/// package's name, version and directory). Passed on, they would tell the
/// cargo below that its environment changed since the last build, and it
/// would compile crates such as `ring` again, now and at your next plain
/// `cargo test`.
fn without_what_cargo_run_set(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let set_by_cargo_run = name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_MANIFEST_LINKS"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
                    | "CARGO_RUSTC_CURRENT_DIR"
                    | "OUT_DIR"
            );
        if set_by_cargo_run {
            command.env_remove(name);
        }
    }
}

/// The first lines of the output: the first compiler error, or the failed
/// tests with their messages. Each is set off with a bar, so that it reads as
/// a quote (and so that bacon shows the whole report, not just the errors).
fn print_trimmed(output: &str, exercise: &Exercise) {
    let lines: Vec<&str> = output.trim_start().lines().collect();
    for line in lines.iter().take(SHOWN_LINES) {
        println!("│ {line}");
    }
    if lines.len() > SHOWN_LINES {
        println!(
            "… {} more lines: `cargo test -p exercises --test {}` shows them all.",
            lines.len() - SHOWN_LINES,
            exercise.name
        );
    }
}
