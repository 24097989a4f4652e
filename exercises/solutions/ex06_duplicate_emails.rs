//! Exercise 6, solved: see `src/ex06_duplicate_emails.rs` for the brief.

use sqlx::SqlitePool;

pub const EMAIL_TAKEN: &str = "Please use a different email address.";

/// Sets user `id`'s email to `email`.
pub async fn change_email(
    db: &SqlitePool,
    id: i64,
    email: &str,
) -> sqlx::Result<Result<(), &'static str>> {
    // The check, as WTForms' `validate_email` would do it: someone *else*.
    let others = sqlx::query(r#"SELECT 1 FROM "user" WHERE email = ? AND id != ?"#)
        .bind(email)
        .bind(id)
        .fetch_all(db)
        .await?;
    let taken = !others.is_empty();
    if taken {
        return Ok(Err(EMAIL_TAKEN));
    }
    let update = sqlx::query(r#"UPDATE "user" SET email = ? WHERE id = ?"#)
        .bind(email)
        .bind(id)
        .execute(db)
        .await;
    match update {
        Ok(_) => Ok(Ok(())),
        // Taken between the check and the write: the index has the last word.
        Err(error)
            if error
                .as_database_error()
                .is_some_and(|error| error.is_unique_violation()) =>
        {
            Ok(Err(EMAIL_TAKEN))
        }
        Err(error) => Err(error),
    }
}
