// `sqlx::migrate!` embeds migrations/ at compile time; rebuild common when a
// migration is added or changed, not only when its Rust sources change.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
