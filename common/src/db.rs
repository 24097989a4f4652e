//! The SQLite database: a connection pool managed by rocket_db_pools, and the
//! migrations under `migrations/`, run at start-up (Flask runs `flask db upgrade`
//! by hand; here the binary does it, so a fresh clone just works).

use rocket::fairing::{self, AdHoc};
use rocket::figment::value::magic::RelativePathBuf;
use rocket::{Build, Rocket};
use rocket_db_pools::Database;

/// The pool, configured under `[default.databases.microblog]` in Rocket.toml.
#[derive(Debug, Database)]
#[database("microblog")]
pub struct Db(sqlx::SqlitePool);

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
        .execute(&**db)
        .await
    {
        tracing::error!("could not switch the database to WAL: {error}");
        return Err(rocket);
    }
    match sqlx::migrate!("../migrations").run(&**db).await {
        Ok(()) => Ok(rocket),
        Err(error) => {
            tracing::error!("database migrations failed: {error}");
            Err(rocket)
        }
    }
}
