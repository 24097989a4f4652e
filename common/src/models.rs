//! The `user` table, as app/models.py defines it, and the queries the routes need.
//!
//! The same SQL runs on SQLite and on PostgreSQL (`$1` parameters, the quoted
//! `"user"`), through `on_either!` (see `db.rs`). Every query here runs to its
//! end with `fetch_all`, even where one row is wanted. sqlx's `fetch_optional` and `fetch_one` stop SQLite's statement after
//! the first row and leave it open, and an open statement keeps its transaction
//! open: an UPDATE ... RETURNING stays uncommitted, and a read keeps the
//! connection on an old snapshot of the database until its next query.

use std::collections::BTreeMap;
use std::fmt;

use md5::{Digest, Md5};
use serde::{Serialize, Serializer};
use sqlx::FromRow;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::db::{on_either, DbConnection, DbPool, DbTransaction};
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
        db: &mut DbConnection,
        username: &str,
    ) -> sqlx::Result<Option<User>> {
        if !storable(username) {
            return Ok(None);
        }
        let sql = format!(r#"SELECT {COLUMNS} FROM "user" WHERE username = $1"#);
        let users: Vec<User> = on_either!(db, |c| {
            sqlx::query_as(&sql).bind(username).fetch_all(c).await?
        });
        Ok(users.into_iter().next())
    }

    /// Whether an account has this name, or one that looks the same: the same
    /// UTS #39 skeleton, which the unique index on `username_skeleton` (see its
    /// migration) compares, so the check and the index give the same answer.
    pub async fn username_taken(db: &mut DbConnection, username: &str) -> sqlx::Result<bool> {
        if !storable(username) {
            return Ok(false);
        }
        let sql = r#"SELECT 1 FROM "user" WHERE username_skeleton = $1 OR username = $2"#;
        let skeleton = skeleton(username);
        let found = on_either!(db, |c| {
            let rows = sqlx::query(sql).bind(&skeleton).bind(username);
            rows.fetch_all(c).await?.len()
        });
        Ok(found > 0)
    }

    // ANCHOR: email_taken
    /// Whether an account has this address, in any mix of upper and lower case:
    /// `John@Example.com` and `john@example.com` reach the same inbox. Flask's
    /// `validate_email` compares exactly. Each database compares as its unique
    /// index on `email` does (see the migrations): SQLite with `COLLATE
    /// NOCASE`, PostgreSQL by `lower(email)`. So the check and the index give
    /// the same answer, and the query can use the index.
    pub async fn email_taken(db: &mut DbConnection, email: &str) -> sqlx::Result<bool> {
        if !storable(email) {
            return Ok(false);
        }
        let sql = match db {
            DbConnection::Sqlite(_) => r#"SELECT 1 FROM "user" WHERE email = $1 COLLATE NOCASE"#,
            DbConnection::Postgres(_) => r#"SELECT 1 FROM "user" WHERE lower(email) = lower($1)"#,
        };
        let found = on_either!(db, |c| {
            sqlx::query(sql).bind(email).fetch_all(c).await?.len()
        });
        Ok(found > 0)
    }
    // ANCHOR_END: email_taken

    /// A new user; its id. If a unique index refuses it, the database is asked
    /// which of the two was taken.
    pub async fn insert(
        db: &mut DbConnection,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> Result<i64, SaveError> {
        let sql = r#"INSERT INTO "user" (username, username_skeleton, email, password_hash, last_seen)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id"#;
        let skeleton = skeleton(username);
        let inserted: sqlx::Result<Vec<i64>> = on_either!(db, |c| {
            let row = sqlx::query_scalar(sql).bind(username).bind(&skeleton);
            let row = row.bind(email).bind(password_hash).bind(now());
            row.fetch_all(c).await
        });
        // ANCHOR: insert_taken
        match inserted {
            Ok(ids) => ids
                .first()
                .copied()
                .ok_or(SaveError::Database(sqlx::Error::RowNotFound)),
            Err(error) if is_unique_violation(&error) => {
                if User::username_taken(db, username).await? {
                    Err(SaveError::UsernameTaken(error))
                } else {
                    Err(SaveError::EmailTaken(error))
                }
            }
            Err(error) => Err(SaveError::Database(error)),
        }
        // ANCHOR_END: insert_taken
    }

    /// Flask's `before_request` sets `current_user.last_seen` and commits. Doing
    /// the update and the load in one statement keeps it to a single query per
    /// signed-in request. `None` means the user no longer exists.
    pub async fn load_and_touch(db: &mut DbConnection, id: i64) -> sqlx::Result<Option<User>> {
        let sql = format!(r#"UPDATE "user" SET last_seen = $1 WHERE id = $2 RETURNING {COLUMNS}"#);
        let users: Vec<User> = on_either!(db, |c| {
            sqlx::query_as(&sql)
                .bind(now())
                .bind(id)
                .fetch_all(c)
                .await?
        });
        Ok(users.into_iter().next())
    }

    // ANCHOR: update_profile
    /// Saves the edit-profile form. Two statements on one connection: run them in a
    /// transaction, and a failure in the second undoes the first.
    pub async fn update_profile(
        tx: &mut DbTransaction<'_>,
        id: i64,
        username: &str,
        about_me: &str,
    ) -> Result<(), SaveError> {
        let about = r#"UPDATE "user" SET about_me = $1 WHERE id = $2"#;
        on_either!(tx, |c| {
            sqlx::query(about)
                .bind(about_me)
                .bind(id)
                .execute(c)
                .await?;
        });
        let rename = r#"UPDATE "user" SET username = $1, username_skeleton = $2 WHERE id = $3"#;
        let skeleton = skeleton(username);
        let renamed = on_either!(tx, |c| {
            let query = sqlx::query(rename).bind(username).bind(&skeleton).bind(id);
            query.execute(c).await.map(drop)
        });
        // The name and its skeleton are the only unique columns this writes.
        renamed.map_err(SaveError::from_rename)
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
    pub async fn refresh_username_skeletons(db: &DbPool) -> Result<(), SkeletonError> {
        let mut db = db.acquire().await?;
        let sql = r#"SELECT id, username, username_skeleton FROM "user" ORDER BY id"#;
        let users: Vec<(i64, String, Option<String>)> =
            on_either!(db, |c| sqlx::query_as(sql).fetch_all(c).await?);
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
        let clear = r#"UPDATE "user" SET username_skeleton = NULL WHERE id = $1"#;
        for (id, _, _) in &outdated {
            on_either!(tx, |c| {
                sqlx::query(clear).bind(id).execute(c).await?;
            });
        }
        let fill = r#"UPDATE "user" SET username = $1, username_skeleton = $2 WHERE id = $3"#;
        for (id, username, skeleton) in &outdated {
            on_either!(tx, |c| {
                let query = sqlx::query(fill).bind(username).bind(skeleton).bind(id);
                query.execute(c).await?;
            });
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
         extra ones, then start the app again. For example, in sqlite3 or psql: \
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
    /// A rename's failure: the name taken if a unique index refused it, as
    /// sqlx tells for either database (SQLite's code 2067, PostgreSQL's 23505).
    fn from_rename(error: sqlx::Error) -> SaveError {
        if is_unique_violation(&error) {
            SaveError::UsernameTaken(error)
        } else {
            SaveError::Database(error)
        }
    }
}
// ANCHOR_END: save_error

/// Whether a text can be in the database at all. PostgreSQL's text cannot
/// hold U+0000 (SQLite's can), and a query that sends one fails. No form lets
/// one be saved, so a lookup of a text that holds one finds nothing, and is
/// answered without asking: a visitor's `%00` is never a 500.
fn storable(text: &str) -> bool {
    !text.contains('\0')
}

// ANCHOR: is_unique_violation
fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|error| error.is_unique_violation())
}
// ANCHOR_END: is_unique_violation

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
