//! `cargo run -p ch07-2-error-pages`: the microblog with its own error pages.

#[rocket::launch]
fn rocket() -> _ {
    ch07_2_error_pages::app()
}
