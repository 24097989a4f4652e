//! The `user` table, as app/models.py defines it, and the queries the routes need.
//!
//! Every query here runs to its end with `fetch_all`, even where one row is
//! wanted. sqlx's `fetch_optional` and `fetch_one` stop SQLite's statement after
//! the first row and leave it open, and an open statement keeps its transaction
//! open: an UPDATE ... RETURNING stays uncommitted, and a read keeps the
//! connection on an old snapshot of the database until its next query.

use std::collections::BTreeMap;
use std::fmt;

use md5::{Digest, Md5};
use serde::{Serialize, Serializer};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor, SqlitePool};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::forms::usernames::{enforce, skeleton};
use crate::forms::USERNAME_MAX;

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

    /// Whether an account has this name, or one that looks the same: the same
    /// UTS #39 skeleton, which the unique index on `username_skeleton` (see its
    /// migration) compares, so the check and the index give the same answer.
    pub async fn username_taken(db: impl SqliteExecutor<'_>, username: &str) -> sqlx::Result<bool> {
        let users =
            sqlx::query(r#"SELECT 1 FROM "user" WHERE username_skeleton = ? OR username = ?"#)
                .bind(skeleton(username))
                .bind(username)
                .fetch_all(db)
                .await?;
        Ok(!users.is_empty())
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
            r#"INSERT INTO "user" (username, username_skeleton, email, password_hash, last_seen)
               VALUES (?, ?, ?, ?, ?)"#,
        )
        .bind(username)
        .bind(skeleton(username))
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
        sqlx::query(r#"UPDATE "user" SET username = ?, username_skeleton = ? WHERE id = ?"#)
            .bind(username)
            .bind(skeleton(username))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(SaveError::from_database)?;
        Ok(())
    }
    // ANCHOR_END: update_profile

    /// The half of the look-alike migration that SQL cannot do: UTS #39
    /// skeletons are computed here, not in SQLite. Run at every start, after
    /// the migrations. It fills in the skeleton of every user that has none
    /// (all of them, the first time) or an outdated one (after an update of
    /// Unicode's data), and refuses, changing nothing, if two users' names look
    /// alike: which of them keeps the name is for their owners to decide.
    ///
    /// A name from before RFC 8265 that is another spelling of a valid one
    /// (an accent typed as a combining mark, full-width letters) takes the
    /// spelling the forms now read it in, or its owner could no longer sign
    /// in by typing it. Both spellings have the same skeleton.
    pub async fn refresh_username_skeletons(db: &SqlitePool) -> Result<(), SkeletonError> {
        let users: Vec<(i64, String, Option<String>)> =
            sqlx::query_as(r#"SELECT id, username, username_skeleton FROM "user" ORDER BY id"#)
                .fetch_all(db)
                .await?;
        let mut by_skeleton: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        let mut outdated = Vec::new();
        for (id, username, stored) in users {
            let spelled = enforce(&username)
                .ok()
                .filter(|spelled| spelled.chars().count() <= USERNAME_MAX)
                .unwrap_or_else(|| username.clone());
            let computed = skeleton(&spelled);
            if stored.as_ref() != Some(&computed) || spelled != username {
                outdated.push((id, spelled, computed.clone()));
            }
            by_skeleton
                .entry(computed)
                .or_default()
                .push((id, username));
        }
        let mut groups: Vec<_> = by_skeleton
            .into_values()
            .filter(|users| users.len() > 1)
            .collect();
        // In the order the users signed up, each group led by its oldest.
        groups.sort_by_key(|users| users[0].0);
        if let Some(example) = groups.first().map(|users| users[1].0) {
            return Err(SkeletonError::LookAlikes {
                users: LookAlikes(groups),
                example,
            });
        }
        if outdated.is_empty() {
            return Ok(());
        }
        let mut tx = db.begin().await?;
        // Cleared first, so that two users whose skeletons trade places never
        // meet in the unique index half-way.
        for (id, _, _) in &outdated {
            sqlx::query(r#"UPDATE "user" SET username_skeleton = NULL WHERE id = ?"#)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for (id, username, skeleton) in &outdated {
            sqlx::query(r#"UPDATE "user" SET username = ?, username_skeleton = ? WHERE id = ?"#)
                .bind(username)
                .bind(skeleton)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Why [`User::refresh_username_skeletons`] stopped the start.
#[derive(Debug, thiserror::Error)]
pub enum SkeletonError {
    #[error(
        "Some users have usernames that look alike: {users}. Usernames are now unique by \
         how they look (Unicode's confusable skeletons, UTS #39): rename or remove the \
         extra ones, then start the app again. For example, in sqlite3: \
         UPDATE \"user\" SET username = 'a new name' WHERE id = {example};"
    )]
    LookAlikes { users: LookAlikes, example: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Groups of users (id, username) whose names have the same skeleton.
#[derive(Debug)]
pub struct LookAlikes(pub Vec<Vec<(i64, String)>>);

/// `"alice" (id 1) and "аlice" (id 2); "bob" (id 3) and "b0b" (id 4)`. The
/// names are quoted as Rust's `{:?}` quotes them, so a control or invisible
/// character shows as an escape such as `\u{ad}`.
impl fmt::Display for LookAlikes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, group) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str("; ")?;
            }
            for (m, (id, username)) in group.iter().enumerate() {
                if m > 0 {
                    f.write_str(" and ")?;
                }
                write!(f, "{username:?} (id {id})")?;
            }
        }
        Ok(())
    }
}

// ANCHOR: save_error
/// Why a user could not be saved. The unique indexes on `username` (and on
/// its look-alike skeleton) and `email` have the last word on what is taken,
/// whatever a check before the write found: two requests can both find a name
/// free.
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
            Some("user.username" | "user.username_skeleton") => SaveError::UsernameTaken(error),
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
