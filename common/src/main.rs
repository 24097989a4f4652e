//! `cargo run -p common`: the microblog before chapter 7, on 127.0.0.1:8000.

#[rocket::launch]
fn rocket() -> _ {
    common::app()
}
