//! # Exercise 6 (duplicate emails): change the email, safely
//!
//! Let users change their email address, with step 5's care:
//!
//! - Someone else's address gives `Ok(Err(EMAIL_TAKEN))`, the form error, and
//!   changes nothing. Keeping your own address is fine.
//! - The check alone races, as in step 5. If the unique index refuses the
//!   change anyway, that is the same form error, never an `Err(sqlx::Error)`
//!   (which the app would turn into a 500).
//! - Other database errors are still `Err`.
//!
//! Check: `cargo test -p exercises ex06`. Hint: `cargo run -p exercises --bin hint -- 6`.

use sqlx::SqlitePool;

pub const EMAIL_TAKEN: &str = "Please use a different email address.";

/// Sets user `id`'s email to `email`.
pub async fn change_email(
    db: &SqlitePool,
    id: i64,
    email: &str,
) -> sqlx::Result<Result<(), &'static str>> {
    // TODO: refuse someone else's address, by the check and by the index.
    sqlx::query(r#"UPDATE "user" SET email = ? WHERE id = ?"#)
        .bind(email)
        .bind(id)
        .execute(db)
        .await?;
    Ok(Ok(()))
}
