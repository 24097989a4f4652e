//! # Exercise 1 (debug mode): keep passwords off the debug page
//!
//! Step 1's debug page shows the failing request, and a form body can hold a
//! password. Werkzeug's debugger would show it to anyone with the PIN. Write
//! `masked_form`, which takes an `application/x-www-form-urlencoded` body and
//! replaces the value of every field whose name contains `password` (in any
//! case, and however the name is percent-encoded) with `••••••`. Everything
//! else stays exactly as it was.
//!
//! `username=john&password=cat` becomes `username=john&password=••••••`.
//!
//! Check: `cargo test -p exercises ex01`. Hint: `cargo run -p exercises --bin hint -- 1`.

/// The form body with its password fields' values masked.
pub fn masked_form(body: &str) -> String {
    // TODO: mask the value of each field whose name contains "password".
    body.to_owned()
}
