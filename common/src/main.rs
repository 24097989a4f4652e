//! `cargo run -p common`: the chapter-6 microblog, on 127.0.0.1:8000.

#[rocket::launch]
fn rocket() -> _ {
    common::app()
}
