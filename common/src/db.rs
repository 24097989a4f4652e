//! The SQLite database: a connection pool managed by rocket_db_pools, and the
//! migrations under `migrations/`, run at start-up (Flask runs `flask db upgrade`
//! by hand; here the binary does it, so a fresh clone just works).

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
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection as _, Sqlite};

use crate::auth::Reported;
use crate::error::AppError;

/// The pool, configured under `[default.databases.microblog]` in Rocket.toml.
#[derive(Debug, Database)]
#[database("microblog")]
pub struct Db(SqliteFile);

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

#[rocket::async_trait]
impl rocket_db_pools::Pool for SqliteFile {
    type Connection = PoolConnection<Sqlite>;
    type Error = rocket_db_pools::Error<sqlx::Error>;

    async fn init(figment: &Figment) -> Result<Self, Self::Error> {
        use rocket_db_pools::Error;
        let config: rocket_db_pools::Config = figment.extract().map_err(Error::Config)?;
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
        let pool = SqlitePoolOptions::new()
            .max_connections(u32::try_from(config.max_connections).unwrap_or(u32::MAX))
            .min_connections(config.min_connections.unwrap_or_default())
            .acquire_timeout(Duration::from_secs(config.connect_timeout))
            .idle_timeout(config.idle_timeout.map(Duration::from_secs))
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

    async fn get(&self) -> Result<Self::Connection, Self::Error> {
        self.0.acquire().await.map_err(rocket_db_pools::Error::Get)
    }

    async fn close(&self) {
        self.0.close().await;
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

const URL_KEY: &str = "databases.microblog.url";

/// Everything the database needs, in order: a path that doesn't depend on the
/// working directory, the pool, then the migrations.
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("SQLite database", |rocket| async {
        rocket
            .attach(AdHoc::on_ignite("SQLite path", resolve_path))
            .attach(Db::init())
            .attach(AdHoc::try_on_ignite("SQLite migrations", run_migrations))
    })
}

/// A relative `url` in Rocket.toml is taken relative to Rocket.toml itself, as
/// Flask's config.py puts `app.db` beside itself, so `cargo run` from any
/// directory of the checkout opens the same file.
async fn resolve_path(rocket: Rocket<Build>) -> Rocket<Build> {
    let figment = rocket.figment().clone();
    match figment.extract_inner::<RelativePathBuf>(URL_KEY) {
        Ok(path) => {
            let absolute = path.relative().to_string_lossy().into_owned();
            rocket.configure(figment.merge((URL_KEY, absolute)))
        }
        // Missing or not a string: leave it to `Db::init`, which says what is wrong.
        Err(_) => rocket,
    }
}

async fn run_migrations(rocket: Rocket<Build>) -> fairing::Result {
    let Some(db) = Db::fetch(&rocket) else {
        return Err(rocket);
    };
    // Write-ahead logging: readers don't wait for the writer, and a commit is
    // one sync instead of several. Every signed-in request writes (last_seen),
    // so this is the difference between hundreds and thousands of requests a
    // second. The mode is stored in the file, so once is enough.
    if let Err(error) = sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&***db)
        .await
    {
        tracing::error!("could not switch the database to WAL: {error}");
        return Err(rocket);
    }
    if let Err(error) = sqlx::migrate!("../migrations").run(&***db).await {
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
