//! The `user` table, as app/models.py defines it, and the queries the routes need.
//!
//! Every query here runs to its end with `fetch_all`, even where one row is
//! wanted. sqlx's `fetch_optional` and `fetch_one` stop SQLite's statement after
//! the first row and leave it open, and an open statement keeps its transaction
//! open: an UPDATE ... RETURNING stays uncommitted, and a read keeps the
//! connection on an old snapshot of the database until its next query.

use md5::{Digest, Md5};
use serde::{Serialize, Serializer};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};
use time::{OffsetDateTime, PrimitiveDateTime};

#[derive(Debug, Clone, PartialEq, Eq, FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub about_me: Option<String>,
    /// UTC, stored without an offset the way SQLAlchemy stores `datetime` in SQLite.
    #[serde(serialize_with = "as_python_datetime")]
    pub last_seen: Option<PrimitiveDateTime>,
}

const COLUMNS: &str = "id, username, email, password_hash, about_me, last_seen";

impl User {
    /// `User.avatar(size)`: the Gravatar identicon for the lowercased email.
    pub fn avatar(email: &str, size: u32) -> String {
        let digest = Md5::digest(email.to_lowercase().as_bytes());
        format!("https://www.gravatar.com/avatar/{digest:x}?d=identicon&s={size}")
    }

    pub async fn find_by_username(
        db: impl SqliteExecutor<'_>,
        username: &str,
    ) -> sqlx::Result<Option<User>> {
        let users: Vec<User> = sqlx::query_as(&format!(
            r#"SELECT {COLUMNS} FROM "user" WHERE username = ?"#
        ))
        .bind(username)
        .fetch_all(db)
        .await?;
        Ok(users.into_iter().next())
    }

    pub async fn username_taken(db: impl SqliteExecutor<'_>, username: &str) -> sqlx::Result<bool> {
        exists(db, r#"SELECT 1 FROM "user" WHERE username = ?"#, username).await
    }

    /// Whether an account has this address, in any mix of upper and lower case:
    /// `John@Example.com` and `john@example.com` reach the same inbox. Flask's
    /// `validate_email` compares exactly. `COLLATE NOCASE` is the collation of
    /// the unique index on `email` (see its migration), so the check and the
    /// index give the same answer, and the query can use the index.
    pub async fn email_taken(db: impl SqliteExecutor<'_>, email: &str) -> sqlx::Result<bool> {
        exists(
            db,
            r#"SELECT 1 FROM "user" WHERE email = ? COLLATE NOCASE"#,
            email,
        )
        .await
    }

    pub async fn insert(
        db: impl SqliteExecutor<'_>,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> Result<i64, SaveError> {
        let done = sqlx::query(
            r#"INSERT INTO "user" (username, email, password_hash, last_seen)
               VALUES (?, ?, ?, ?)"#,
        )
        .bind(username)
        .bind(email)
        .bind(password_hash)
        .bind(now())
        .execute(db)
        .await
        .map_err(SaveError::from_database)?;
        Ok(done.last_insert_rowid())
    }

    /// Flask's `before_request` sets `current_user.last_seen` and commits. Doing
    /// the update and the load in one statement keeps it to a single query per
    /// signed-in request. `None` means the user no longer exists.
    pub async fn load_and_touch(
        db: impl SqliteExecutor<'_>,
        id: i64,
    ) -> sqlx::Result<Option<User>> {
        let users: Vec<User> = sqlx::query_as(&format!(
            r#"UPDATE "user" SET last_seen = ? WHERE id = ? RETURNING {COLUMNS}"#
        ))
        .bind(now())
        .bind(id)
        .fetch_all(db)
        .await?;
        Ok(users.into_iter().next())
    }

    // ANCHOR: update_profile
    /// Saves the edit-profile form. Two statements on one connection: run them in a
    /// transaction, and a failure in the second undoes the first.
    pub async fn update_profile(
        tx: &mut SqliteConnection,
        id: i64,
        username: &str,
        about_me: &str,
    ) -> Result<(), SaveError> {
        sqlx::query(r#"UPDATE "user" SET about_me = ? WHERE id = ?"#)
            .bind(about_me)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(r#"UPDATE "user" SET username = ? WHERE id = ?"#)
            .bind(username)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(SaveError::from_database)?;
        Ok(())
    }
    // ANCHOR_END: update_profile
}

// ANCHOR: save_error
/// Why a user could not be saved. The unique indexes on `username` and
/// `email` have the last word on what is taken, whatever a check before the
/// write found: two requests can both find a name free.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("the username is taken")]
    UsernameTaken(#[source] sqlx::Error),
    #[error("the email address is taken")]
    EmailTaken(#[source] sqlx::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl SaveError {
    /// Which unique index an INSERT or UPDATE ran into, if that is why it failed.
    fn from_database(error: sqlx::Error) -> SaveError {
        let column = error
            .as_database_error()
            .filter(|error| error.is_unique_violation())
            // SQLite names the column: "UNIQUE constraint failed: user.username".
            .map(|error| {
                error
                    .message()
                    .rsplit(' ')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
        match column.as_deref() {
            Some("user.username") => SaveError::UsernameTaken(error),
            Some("user.email") => SaveError::EmailTaken(error),
            _ => SaveError::Database(error),
        }
    }
}
// ANCHOR_END: save_error

async fn exists(db: impl SqliteExecutor<'_>, sql: &str, value: &str) -> sqlx::Result<bool> {
    Ok(!sqlx::query(sql).bind(value).fetch_all(db).await?.is_empty())
}

fn now() -> PrimitiveDateTime {
    let now = OffsetDateTime::now_utc();
    PrimitiveDateTime::new(now.date(), now.time())
}

/// Shown as Python prints a naive `datetime`: `2026-11-25 13:05:42.123456`.
fn as_python_datetime<S: Serializer>(
    value: &Option<PrimitiveDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]"
    );
    match value.map(|when| when.format(&format)) {
        Some(Ok(text)) => serializer.serialize_some(&text),
        Some(Err(error)) => Err(serde::ser::Error::custom(error)),
        None => serializer.serialize_none(),
    }
}
