//! The book's sample of the PIN line that `cargo run -p ch07-1-debug-mode`
//! prints (docs/src/output/debugger-pin.snap), from the real binary, checked
//! on every `cargo test`. To accept a change on purpose, and update the book
//! with it: `INSTA_UPDATE=always cargo test -p ch07-1-debug-mode book_output`.

use test_support::ChildApp;

const BINARY: &str = env!("CARGO_BIN_EXE_ch07-1-debug-mode");

/// The line itself, not Rocket's list of fairings (`>> Debugger PIN (liftoff)`).
fn pin_line(output: &str) -> Option<&str> {
    output.lines().find(|line| line.starts_with("Debugger PIN"))
}

#[test]
fn the_pin_line_at_startup() {
    let app = ChildApp::start(BINARY, &[("ROCKET_PROFILE", "debug")]);
    app.wait_for(|app| pin_line(&app.output()).is_some(), "the PIN line");
    let output = app.output();
    let line = pin_line(&output).expect("the PIN line");
    insta::with_settings!({
        snapshot_path => "../../../../docs/src/output",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("debugger-pin", fixed_digits(line));
    });
}

/// The PIN is random: its digits become 1, 2, 3, ... 9, 1, ... in order, so
/// the line and the PIN's shape are still checked (`123-456-789`).
fn fixed_digits(line: &str) -> String {
    let mut next = (1..=9).cycle();
    line.chars()
        .map(|c| match c {
            '0'..='9' => char::from_digit(next.next().unwrap_or(1), 10).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[test]
fn the_pins_digits_are_fixed_in_order_and_its_shape_is_kept() {
    assert_eq!(
        fixed_digits("Debugger PIN: 085-565-486"),
        "Debugger PIN: 123-456-789"
    );
    assert_eq!(
        fixed_digits("Debugger PIN: 0855-6548"),
        "Debugger PIN: 1234-5678"
    );
}
