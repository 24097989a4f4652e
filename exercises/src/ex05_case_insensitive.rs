//! # Exercise 5 (duplicate usernames): `Alice` is `alice`
//!
//! Step 5 refuses a username that someone already has, but `Alice` and `alice`
//! count as two names, which invites impersonation. Make both layers ignore
//! (ASCII) case:
//!
//! - the table's unique index, so the database itself refuses `ALICE` once
//!   `Alice` exists, and
//! - `username_taken`, the form's check.
//!
//! Check: `cargo test -p exercises ex05`. Hint: `cargo run -p exercises --bin hint -- 5`.

use sqlx::SqlitePool;

/// The `user` table, reduced to what this exercise needs.
// TODO: make the unique index ignore case.
pub const CREATE_USER_TABLE: &str = r#"
    CREATE TABLE "user" (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) NOT NULL);
    CREATE UNIQUE INDEX ix_user_username ON "user" (username);
"#;

/// Whether someone has `username` already.
pub async fn username_taken(db: &SqlitePool, username: &str) -> sqlx::Result<bool> {
    // TODO: compare without regard to case.
    // `fetch_all` runs the query to its end (see common/src/models.rs for why).
    let rows = sqlx::query(r#"SELECT 1 FROM "user" WHERE username = ?"#)
        .bind(username)
        .fetch_all(db)
        .await?;
    Ok(!rows.is_empty())
}
