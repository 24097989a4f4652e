//! `cargo run -p ch07-1-debug-mode`: the microblog with Werkzeug-style debug mode.

#[rocket::launch]
fn rocket() -> _ {
    ch07_1_debug_mode::app()
}
