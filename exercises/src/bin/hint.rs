//! `cargo run -p exercises --bin hint -- 3` prints the hint for exercise 3.

const HINTS: [&str; 6] = [
    include_str!("../../hints/ex01.md"),
    include_str!("../../hints/ex02.md"),
    include_str!("../../hints/ex03.md"),
    include_str!("../../hints/ex04.md"),
    include_str!("../../hints/ex05.md"),
    include_str!("../../hints/ex06.md"),
];

fn main() -> std::process::ExitCode {
    let chosen = std::env::args()
        .nth(1)
        .and_then(|n| n.trim_start_matches("ex").parse::<usize>().ok())
        .and_then(|n| HINTS.get(n.checked_sub(1)?));
    match chosen {
        Some(hint) => {
            print!("{hint}");
            std::process::ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "usage: cargo run -p exercises --bin hint -- N   (N from 1 to {})",
                HINTS.len()
            );
            std::process::ExitCode::from(2)
        }
    }
}
