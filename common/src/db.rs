//! The database: the SQLite file of Rocket.toml, or the server that
//! `DATABASE_URL` names (`postgres://…`), as Flask's config.py reads it. A
//! connection pool managed by rocket_db_pools, and the migrations under
//! `migrations/sqlite/` or `migrations/postgres/`, run at start-up (Flask runs
//! `flask db upgrade` by hand; here the binary does it, so a fresh clone just
//! works).
//!
//! Machinery: a learner can skip this file. The queries are in `models.rs`.

use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::time::Duration;

use rocket::fairing::{self, AdHoc};
use rocket::figment::value::magic::RelativePathBuf;
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Build, Ignite, Rocket, Sentinel};
use rocket_db_pools::{Database, Pool};
use sqlx::pool::{PoolConnection, PoolOptions};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection as _, Postgres, Sqlite};

use crate::auth::Reported;
use crate::error::AppError;

/// The pool, configured under `[default.databases.microblog]` in Rocket.toml,
/// or by `DATABASE_URL`.
#[derive(Debug, Database)]
#[database("microblog")]
pub struct Db(DbPool);

/// Runs the same sqlx code on whichever database `$db` (a [`DbConnection`] or
/// a [`DbTransaction`]) is connected to: `$c` is a `&mut SqliteConnection` in
/// one arm and a `&mut PgConnection` in the other, and the code is compiled
/// for each. sqlx's own `Any` driver would spare this, but it cannot read or
/// write a timestamp (`last_seen`), and it cannot hold SQLite's file checks
/// below; no other crate does this for sqlx 0.7.
// ANCHOR: on_either
macro_rules! on_either {
    ($db:expr, |$c:ident| $run:expr) => {
        match $db.executor() {
            $crate::db::Executor::Sqlite($c) => $run,
            $crate::db::Executor::Postgres($c) => $run,
        }
    };
}
// ANCHOR_END: on_either
pub(crate) use on_either;

/// The pool of whichever database the URL names.
#[derive(Debug, Clone)]
pub enum DbPool {
    Sqlite(SqliteFile),
    Postgres(sqlx::PgPool),
}

/// One connection from a [`DbPool`]. A PostgreSQL connection is held inline
/// (440 bytes against SQLite's 64): one per request, so boxing it would only
/// add an allocation per request.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum DbConnection {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A transaction on a [`DbConnection`]: rolled back when dropped uncommitted.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum DbTransaction<'c> {
    Sqlite(sqlx::Transaction<'c, Sqlite>),
    Postgres(sqlx::Transaction<'c, Postgres>),
}

/// What a query runs on: a connection of either kind, borrowed.
#[derive(Debug)]
pub enum Executor<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl DbPool {
    /// The SQLite pool, for a test that looks at the file itself.
    pub fn sqlite(&self) -> Option<&sqlx::SqlitePool> {
        match self {
            DbPool::Sqlite(pool) => Some(pool),
            DbPool::Postgres(_) => None,
        }
    }

    /// A connection, waiting at most the pool's `connect_timeout`.
    pub async fn acquire(&self) -> sqlx::Result<DbConnection> {
        Ok(match self {
            DbPool::Sqlite(pool) => DbConnection::Sqlite(pool.acquire().await?),
            DbPool::Postgres(pool) => DbConnection::Postgres(pool.acquire().await?),
        })
    }
}

/// A pool made elsewhere (a test's), without the file checks of [`SqliteFile`].
impl From<sqlx::SqlitePool> for DbPool {
    fn from(pool: sqlx::SqlitePool) -> Self {
        DbPool::Sqlite(SqliteFile(pool))
    }
}

impl DbConnection {
    /// `BEGIN`: sqlx's `begin`, on either database.
    pub async fn begin(&mut self) -> sqlx::Result<DbTransaction<'_>> {
        Ok(match self {
            DbConnection::Sqlite(c) => DbTransaction::Sqlite(c.begin().await?),
            DbConnection::Postgres(c) => DbTransaction::Postgres(c.begin().await?),
        })
    }

    pub fn executor(&mut self) -> Executor<'_> {
        match self {
            DbConnection::Sqlite(c) => Executor::Sqlite(c),
            DbConnection::Postgres(c) => Executor::Postgres(c),
        }
    }
}

impl DbTransaction<'_> {
    /// `COMMIT`.
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            DbTransaction::Sqlite(tx) => tx.commit().await,
            DbTransaction::Postgres(tx) => tx.commit().await,
        }
    }

    pub fn executor(&mut self) -> Executor<'_> {
        match self {
            DbTransaction::Sqlite(tx) => Executor::Sqlite(tx),
            DbTransaction::Postgres(tx) => Executor::Postgres(tx),
        }
    }
}

#[rocket::async_trait]
impl rocket_db_pools::Pool for DbPool {
    type Connection = DbConnection;
    type Error = rocket_db_pools::Error<sqlx::Error>;

    async fn init(figment: &Figment) -> Result<Self, Self::Error> {
        let config: rocket_db_pools::Config =
            figment.extract().map_err(rocket_db_pools::Error::Config)?;
        // ANCHOR: url_scheme
        match config.url.split_once("://") {
            Some(("postgres" | "postgresql", _)) => postgres_pool(&config).await,
            // libpq's `host=… password=…`, which would otherwise name a file.
            None if config.url.contains('=') && config.url.contains(' ') => Err(configuration(
                "the database URL looks like a libpq connection string (key=value \
                 pairs); write it as a URL, postgres://user:password@host:port/database"
                    .to_owned(),
            )),
            // A path, `sqlite:path` or `sqlite://path`.
            None | Some(("sqlite", _)) => SqliteFile::open(&config).await.map(DbPool::Sqlite),
            Some((scheme, _)) => Err(configuration(format!(
                "the database URL is {scheme}://…, and the app speaks SQLite \
                 (a file path) and PostgreSQL (postgres://…) only"
            ))),
        }
        // ANCHOR_END: url_scheme
    }

    async fn get(&self) -> Result<Self::Connection, Self::Error> {
        self.acquire().await.map_err(rocket_db_pools::Error::Get)
    }

    async fn close(&self) {
        match self {
            DbPool::Sqlite(pool) => pool.close().await,
            DbPool::Postgres(pool) => pool.close().await,
        }
    }
}

/// A PostgreSQL pool. A server that is down at start-up stops the start, as a
/// missing SQLite directory does. Once running, a connection the server
/// dropped (a restart, a crash) is found by sqlx's test before it is handed
/// out, and replaced: service resumes by itself when the server is back.
async fn postgres_pool(
    config: &rocket_db_pools::Config,
) -> Result<DbPool, rocket_db_pools::Error<sqlx::Error>> {
    use rocket_db_pools::Error;
    let options = PgConnectOptions::from_str(&config.url)
        .map_err(Error::Init)?
        .disable_statement_logging();
    // ANCHOR: first_connection
    // One connection first, for the server's own reason if it fails
    // ("Connection refused", "password authentication failed"): the pool
    // would retry a refused connection until its timeout, and then say only
    // that it timed out. Bounded, for a server that takes the connection
    // and never answers.
    let timeout = Duration::from_secs(config.connect_timeout);
    let first = rocket::tokio::time::timeout(timeout, options.connect())
        .await
        .map_err(|_| configuration(format!("no answer from the database server in {timeout:?}")))?
        .map_err(Error::Init)?;
    let encoding = server_encoding(first).await.map_err(Error::Init)?;
    // ANCHOR_END: first_connection
    // A database in another encoding (SQL_ASCII, which initdb picks under
    // LANG=C, or LATIN1) counts a name's length in bytes, or cannot store
    // `山田` at all: what a visitor typed would be a 500.
    if encoding != "UTF8" {
        return Err(configuration(format!(
            "the database's encoding is {encoding}, and the app needs UTF8: create it with \
             `createdb -E UTF8 -T template0 …`"
        )));
    }
    let pool = pool_options::<Postgres>(config)
        .connect_with(options)
        .await
        .map_err(Error::Init)?;
    Ok(DbPool::Postgres(pool))
}

/// The pool settings of `[default.databases.microblog]`, as rocket_db_pools
/// reads them, for either database.
fn pool_options<DB: sqlx::Database>(config: &rocket_db_pools::Config) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(u32::try_from(config.max_connections).unwrap_or(u32::MAX))
        .min_connections(config.min_connections.unwrap_or_default())
        .acquire_timeout(Duration::from_secs(config.connect_timeout))
        .idle_timeout(config.idle_timeout.map(Duration::from_secs))
}

/// The encoding the server stores text in, and the connection closed.
async fn server_encoding(mut connection: PgConnection) -> sqlx::Result<String> {
    let encoding: Vec<String> = sqlx::query_scalar("SHOW server_encoding")
        .fetch_all(&mut connection)
        .await?;
    connection.close().await?;
    Ok(encoding.into_iter().next().unwrap_or_default())
}

/// A start refused for a reason of ours, said in a sentence.
fn configuration(reason: String) -> rocket_db_pools::Error<sqlx::Error> {
    rocket_db_pools::Error::Init(sqlx::Error::Configuration(reason.into()))
}

/// sqlx's SQLite pool, opened so that only a start creates the database file.
///
/// rocket_db_pools' own SQLite pool lets every new connection create a missing
/// file. If `microblog.db` is deleted while the app runs, the next connection
/// would then start an empty database, without tables, and every page would
/// fail until a restart; meanwhile the older connections would go on writing
/// to the deleted file, and lose it all at the restart. Here the start creates
/// the file if it is missing (the migrations then fill it), no connection
/// after that does, and a connection whose file is gone is dropped rather than
/// used. A deleted database is then an error on every page that needs it (the
/// 500 page, and an ERROR in the log) until the app is restarted.
#[derive(Debug, Clone)]
pub struct SqliteFile(sqlx::SqlitePool);

impl Deref for SqliteFile {
    type Target = sqlx::SqlitePool;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl SqliteFile {
    async fn open(
        config: &rocket_db_pools::Config,
    ) -> Result<Self, rocket_db_pools::Error<sqlx::Error>> {
        use rocket_db_pools::Error;
        let options = SqliteConnectOptions::from_str(&config.url)
            .map_err(Error::Init)?
            .busy_timeout(Duration::from_secs(config.connect_timeout))
            .disable_statement_logging();
        // The one connection that may create the file: at start-up.
        let first = options.clone().create_if_missing(true).connect().await;
        first
            .map_err(Error::Init)?
            .close()
            .await
            .map_err(Error::Init)?;
        let file = options.clone().get_filename().into_owned();
        let pool = pool_options::<Sqlite>(config)
            // One `stat` of the file before a connection is handed out.
            .before_acquire(move |_, _| {
                let file = file.clone();
                Box::pin(
                    async move { Ok(rocket::tokio::fs::try_exists(file).await.unwrap_or(false)) },
                )
            })
            .connect_with(options.create_if_missing(false))
            .await
            .map_err(Error::Init)?;
        Ok(SqliteFile(pool))
    }
}

/// A connection from the pool for one request: `mut db: Connection<Db>` in a
/// handler, as rocket_db_pools' own `Connection` is used, and a drop-in for
/// it. What differs is a failure to get one (the file deleted, the pool timed
/// out): rocket_db_pools answers 503 with a WARNING and no reference. Here it
/// is the app's error like any other, an ERROR record ("Exception on ...")
/// whose reference the 500 page shows.
pub struct Connection<D: Database>(rocket_db_pools::Connection<D>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Connection<Db> {
    type Error = Reported;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let error = match req.guard::<rocket_db_pools::Connection<Db>>().await {
            Outcome::Success(connection) => return Outcome::Success(Connection(connection)),
            Outcome::Forward(status) => return Outcome::Forward(status),
            Outcome::Error((_, Some(rocket_db_pools::Error::Get(error)))) => error,
            // Not at request time: the pool was made at start-up, and
            // `Sentinel` refuses to launch without it.
            Outcome::Error((_, other)) => sqlx::Error::Configuration(
                other
                    .map_or_else(|| "no database pool".to_owned(), |error| error.to_string())
                    .into(),
            ),
        };
        AppError::from(error).record(req);
        Outcome::Error((Status::InternalServerError, Reported))
    }
}

impl<D: Database> Sentinel for Connection<D> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        <rocket_db_pools::Connection<D> as Sentinel>::abort(rocket)
    }
}

impl<D: Database> Deref for Connection<D> {
    type Target = <D::Pool as Pool>::Connection;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<D: Database> DerefMut for Connection<D> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

// ANCHOR: database_url
const URL_KEY: &str = "databases.microblog.url";

/// config.py's `SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL') or
/// 'sqlite:///…'`: `DATABASE_URL`, when it is set, names the database, over
/// Rocket.toml's `url` (and `ROCKET_DATABASES`). `figment` is the app's
/// configuration; what is merged after this still wins, as a test's own
/// database does.
pub fn database_url_from_env(figment: Figment) -> Figment {
    with_database_url(figment, std::env::var("DATABASE_URL").ok())
}

/// Python's `or`: a `DATABASE_URL` that is set but empty counts as unset.
fn with_database_url(figment: Figment, url: Option<String>) -> Figment {
    match url.filter(|url| !url.is_empty()) {
        Some(url) => figment.merge((URL_KEY, url)),
        None => figment,
    }
}
// ANCHOR_END: database_url

/// Everything the database needs, in order: a path that doesn't depend on the
/// working directory, the pool, then the migrations.
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Database", |rocket| async {
        rocket
            .attach(AdHoc::on_ignite("Database path", resolve_path))
            .attach(Db::init())
            .attach(AdHoc::try_on_ignite("Database migrations", run_migrations))
    })
}

/// A relative SQLite path in Rocket.toml is taken relative to Rocket.toml
/// itself, as Flask's config.py puts `app.db` beside itself, so `cargo run`
/// from any directory of the checkout opens the same file. (One from
/// `DATABASE_URL` is relative to the working directory, as in Flask.)
async fn resolve_path(rocket: Rocket<Build>) -> Rocket<Build> {
    let figment = rocket.figment().clone();
    match figment.extract_inner::<RelativePathBuf>(URL_KEY) {
        Ok(path) if !path.original().to_string_lossy().contains("://") => {
            let absolute = path.relative().to_string_lossy().into_owned();
            rocket.configure(figment.merge((URL_KEY, absolute)))
        }
        // A server's URL, or missing or not a string: leave it to `Db::init`,
        // which says what is wrong.
        _ => rocket,
    }
}

async fn run_migrations(rocket: Rocket<Build>) -> fairing::Result {
    let Some(db) = Db::fetch(&rocket) else {
        return Err(rocket);
    };
    if let Err(error) = migrate(db).await {
        tracing::error!("database migrations failed: {error}");
        return Err(rocket);
    }
    // What the look-alike usernames migration leaves to Rust (see it).
    match crate::models::User::refresh_username_skeletons(db).await {
        Ok(()) => Ok(rocket),
        Err(error) => {
            tracing::error!("database migrations failed: {error}");
            Err(rocket)
        }
    }
}

/// The migrations of the database's kind, each applied once.
async fn migrate(db: &DbPool) -> Result<(), sqlx::Error> {
    match db {
        DbPool::Sqlite(pool) => {
            // Write-ahead logging: readers don't wait for the writer, and a
            // commit is one sync instead of several. Every signed-in request
            // writes (last_seen), so this is the difference between hundreds
            // and thousands of requests a second. The mode is stored in the
            // file, so once is enough.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&**pool)
                .await?;
            sqlx::migrate!("../migrations/sqlite").run(&**pool).await?;
        }
        DbPool::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_with(database_url: Option<&str>) -> String {
        let figment = Figment::new().merge((URL_KEY, "microblog.db"));
        let figment = with_database_url(figment, database_url.map(str::to_owned));
        figment.extract_inner(URL_KEY).expect("a url")
    }

    #[test]
    fn database_url_names_the_database_and_unset_or_empty_leaves_rocket_tomls() {
        assert_eq!(
            url_with(Some("postgres://db.example/microblog")),
            "postgres://db.example/microblog"
        );
        assert_eq!(url_with(None), "microblog.db");
        assert_eq!(url_with(Some("")), "microblog.db");
    }
}
