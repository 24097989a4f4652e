//! Exercise 5, solved: see `src/ex05_case_insensitive.rs` for the brief.

use sqlx::SqlitePool;

/// The `user` table, reduced to what this exercise needs. `NOCASE` folds
/// ASCII letters only; names in other scripts would need a normalized column.
pub const CREATE_USER_TABLE: &str = r#"
    CREATE TABLE "user" (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) NOT NULL);
    CREATE UNIQUE INDEX ix_user_username ON "user" (username COLLATE NOCASE);
"#;

/// Whether someone has `username` already.
pub async fn username_taken(db: &SqlitePool, username: &str) -> sqlx::Result<bool> {
    // The same collation as the index, so the check and the index agree (and
    // the query can use the index).
    // `fetch_all` runs the query to its end (see common/src/models.rs for why).
    let rows = sqlx::query(r#"SELECT 1 FROM "user" WHERE username = ? COLLATE NOCASE"#)
        .bind(username)
        .fetch_all(db)
        .await?;
    Ok(!rows.is_empty())
}
