//! The checks for every exercise. `cargo test -p exercises ex03` runs one.
//! The same tests run against `solutions/` with `--features solutions`.

mod ex01;
mod ex02;
mod ex03;
mod ex04;
mod ex05;
mod ex06;

/// A fresh in-memory database: one connection, or each would have its own.
async fn memory_db() -> sqlx::SqlitePool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .expect("an in-memory database")
}
