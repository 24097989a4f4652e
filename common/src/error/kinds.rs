//! Names for which kind of failure an error is, for the error mail to tell a
//! repeat from a new failure. Machinery: a learner can skip this module on a
//! first read.

use super::ErrorKind;

// ANCHOR: kinds
impl ErrorKind {
    /// The variant's name: which kind of failure it is.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::Database(_) => "Database",
            ErrorKind::PasswordHash(_) => "PasswordHash",
            ErrorKind::Task(_) => "Task",
            ErrorKind::PasswordHasherGone => "PasswordHasherGone",
        }
    }

    /// The kind of what caused it, read from the cause's type, never from its
    /// text: for a database error, sqlx's variant and the database's own code
    /// (SQLite's `14` "unable to open database file", `5` "database is
    /// locked", `8` read-only, `2067` a unique violation), so that each is a
    /// failure of its own. Empty when there is no cause.
    pub fn root_cause(&self) -> String {
        match self {
            ErrorKind::Database(error) => sqlx_kind(error),
            ErrorKind::PasswordHash(error) => format!("password_hash::Error::{error:?}"),
            ErrorKind::Task(error) if error.is_panic() => "JoinError(panic)".to_owned(),
            ErrorKind::Task(_) => "JoinError(cancelled)".to_owned(),
            ErrorKind::PasswordHasherGone => String::new(),
        }
    }
}

/// `sqlx::Error::Database(code 5)`, `sqlx::Error::Io(NotFound)`,
/// `sqlx::Error::PoolTimedOut`: sqlx's variant, and what names the failure
/// inside it.
fn sqlx_kind(error: &sqlx::Error) -> String {
    use sqlx::Error;
    let variant = match error {
        Error::Database(database) => {
            return match database.code() {
                Some(code) => format!("sqlx::Error::Database(code {code})"),
                None => format!("sqlx::Error::Database({:?})", database.kind()),
            };
        }
        Error::Io(io) => return format!("sqlx::Error::Io({:?})", io.kind()),
        Error::Configuration(_) => "Configuration",
        Error::Tls(_) => "Tls",
        Error::Protocol(_) => "Protocol",
        Error::RowNotFound => "RowNotFound",
        Error::TypeNotFound { .. } => "TypeNotFound",
        Error::ColumnIndexOutOfBounds { .. } => "ColumnIndexOutOfBounds",
        Error::ColumnNotFound(_) => "ColumnNotFound",
        Error::ColumnDecode { .. } => "ColumnDecode",
        Error::Decode(_) => "Decode",
        Error::AnyDriverError(_) => "AnyDriverError",
        Error::PoolTimedOut => "PoolTimedOut",
        Error::PoolClosed => "PoolClosed",
        Error::WorkerCrashed => "WorkerCrashed",
        Error::Migrate(_) => "Migrate",
        _ => "other",
    };
    format!("sqlx::Error::{variant}")
}
// ANCHOR_END: kinds

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::{ConnectOptions, Executor};

    use super::*;

    fn root_cause(error: sqlx::Error) -> String {
        ErrorKind::from(error).root_cause()
    }

    /// Issue 26, finding 8: the failures that an attack on the database gave
    /// were one group. Each is a root cause of its own, read from sqlx's
    /// variant and SQLite's code, not from their text.
    #[test]
    fn each_database_failure_has_a_root_cause_of_its_own() {
        let runtime = rocket::tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("a directory");
            let path = dir.path().join("microblog.db");
            let options = SqliteConnectOptions::new().filename(&path);

            let cannot_open = SqliteConnectOptions::new()
                .filename(dir.path().join("no/such/folder.db"))
                .connect()
                .await
                .expect_err("no such folder");

            let mut holder = options
                .clone()
                .create_if_missing(true)
                .connect()
                .await
                .expect("a database");
            holder.execute("CREATE TABLE t (x)").await.expect("a table");
            let mut reader = options
                .clone()
                .read_only(true)
                .connect()
                .await
                .expect("read-only");
            let read_only = reader
                .execute("INSERT INTO t VALUES (1)")
                .await
                .expect_err("read-only");

            holder.execute("BEGIN EXCLUSIVE").await.expect("the lock");
            let mut other = options
                .clone()
                .busy_timeout(Duration::ZERO)
                .connect()
                .await
                .expect("a second connection");
            let locked = other
                .execute("INSERT INTO t VALUES (1)")
                .await
                .expect_err("locked");

            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_millis(50))
                .connect_with(options)
                .await
                .expect("a pool");
            let _held = pool.acquire().await.expect("the pool's one connection");
            let timed_out = pool.acquire().await.expect_err("none left");

            let causes = [cannot_open, read_only, locked, timed_out].map(root_cause);
            assert_eq!(
                causes,
                [
                    "sqlx::Error::Database(code 14)",
                    "sqlx::Error::Database(code 8)",
                    "sqlx::Error::Database(code 5)",
                    "sqlx::Error::PoolTimedOut",
                ]
            );
        });
    }

    #[test]
    fn a_kind_is_its_variants_name() {
        let error = ErrorKind::from(sqlx::Error::RowNotFound);
        assert_eq!(error.name(), "Database");
        assert_eq!(error.root_cause(), "sqlx::Error::RowNotFound");
        assert_eq!(ErrorKind::PasswordHasherGone.root_cause(), "");
    }
}
