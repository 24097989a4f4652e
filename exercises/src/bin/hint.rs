//! `cargo run -p exercises --bin hint -- 3` prints the hint for exercise 3.
//! (`cargo run -p exercises` shows the hint for the exercise you are on.)

#[path = "../catalog.rs"]
mod catalog;

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(exercise) = std::env::args().nth(1).as_deref().and_then(catalog::find) else {
        eprintln!(
            "usage: cargo run -p exercises --bin hint -- N   (N from 1 to {})",
            catalog::EXERCISES.len()
        );
        for exercise in &catalog::EXERCISES {
            eprintln!("  {}  {}", exercise.name, exercise.task);
        }
        return ExitCode::from(2);
    };
    match catalog::hint(exercise) {
        Ok(hint) => {
            println!(
                "Hint for {}, {} (exercises/{}):\n",
                exercise.name, exercise.step, exercise.file
            );
            print!("{hint}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("No hint for {}: {error}", exercise.name);
            ExitCode::FAILURE
        }
    }
}
