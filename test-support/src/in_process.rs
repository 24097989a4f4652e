//! In-process tests: a step's `app()` driven through Rocket's local client.
//!
//! A [`TestApp`] is one app on its own temporary SQLite file (or, when
//! `MICROBLOG_TEST_POSTGRES` names a server, its own new PostgreSQL database:
//! see [`crate::postgres`]), driven through Rocket's local client. A [`Browser`] is one visitor with its own cookie jar,
//! so a test can have several users signed in to one app at once.

use std::path::PathBuf;
use std::sync::Mutex;

use rocket::http::{ContentType, Cookie, Status};
use rocket::local::asynchronous::{Client, LocalRequest, LocalResponse};
use rocket::{Build, Rocket};
use rocket_db_pools::Database;
use tempfile::TempDir;

use common::db::{Db, DbConnection, DbPool, Executor};
use common::models::User;
use common::passwords::PasswordHasher;

/// The password every helper-made user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// The edit-profile form of the chapter's bug: john takes susan's name, and
/// types an about_me too, which a rolled-back transaction must not keep.
pub const RENAME_TO_SUSAN: [(&str, &str); 2] = [("username", "susan"), ("about_me", "typed text")];

/// A throwaway secret key for the release profile in tests.
pub const TEST_SECRET_KEY: &str = "aHNHbXJZdkhHWm9YdXhNZ3hQeGtVcWhlanNiR0R4dXk=";

/// The value of the hidden `csrf_token` field in a page, if it has a form.
pub fn csrf_token_in(page: &str) -> Option<&str> {
    let marker = r#"name="csrf_token" type="hidden" value=""#;
    let start = page.find(marker)? + marker.len();
    page[start..].split('"').next()
}

/// `rocket` in the release profile (`ROCKET_PROFILE=release`), with a throwaway
/// secret key.
pub fn release(rocket: Rocket<Build>) -> Rocket<Build> {
    let figment = rocket
        .figment()
        .clone()
        .select(rocket::Config::RELEASE_PROFILE)
        .merge(("secret_key", TEST_SECRET_KEY));
    rocket.configure(figment)
}

/// Whether this test runs on PostgreSQL (`MICROBLOG_TEST_POSTGRES`, see
/// [`crate::postgres`]), where a test of SQLite's file has nothing to test: it
/// says so on stderr, and the test returns. The stress suite runs the
/// PostgreSQL counterparts of those tests.
pub fn skipped_on_postgres(what: &str) -> bool {
    let skipped = crate::postgres::server_from_env().is_some();
    if skipped {
        eprintln!("skipped on PostgreSQL: {what}");
    }
    skipped
}

/// Deletes the SQLite file at `db`, and the `-wal` and `-shm` files beside it
/// (write-ahead logging), whichever exist.
pub(crate) fn delete_sqlite_file(db: &std::path::Path) {
    for file in [
        db.to_path_buf(),
        db.with_extension("db-wal"),
        db.with_extension("db-shm"),
    ] {
        let _ = std::fs::remove_file(file);
    }
}

#[derive(Debug)]
pub struct TestApp {
    pub client: Client,
    dir: TempDir,
}

impl TestApp {
    /// Launches `rocket` (a step's `app()`) on a fresh database: a new file,
    /// or a new database on the server `MICROBLOG_TEST_POSTGRES` names.
    pub async fn new(rocket: Rocket<Build>) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = crate::postgres::database_from_env()
            .unwrap_or_else(|| dir.path().join("microblog.db").display().to_string());
        let figment = rocket
            .figment()
            .clone()
            .merge(("databases.microblog.url", url))
            // Absolute, so the tests pass from any working directory.
            .merge((
                "template_dir",
                concat!(env!("CARGO_MANIFEST_DIR"), "/../templates"),
            ));
        let client = Client::untracked(rocket.configure(figment))
            .await
            .expect("the app launches");
        TestApp { client, dir }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("microblog.db")
    }

    /// Deletes the app's SQLite file under it, as an operator's mistake would.
    pub fn delete_database(&self) {
        delete_sqlite_file(&self.db_path());
    }

    /// The app's own connection pool, of either database.
    pub fn db(&self) -> &DbPool {
        Db::fetch(self.client.rocket()).expect("the database pool")
    }

    /// The app's own SQLite pool, for a test of SQLite's file itself.
    pub fn pool(&self) -> &sqlx::SqlitePool {
        self.db().sqlite().expect("a test that runs on SQLite only")
    }

    /// Whether the app runs on PostgreSQL (`MICROBLOG_TEST_POSTGRES`).
    pub fn on_postgres(&self) -> bool {
        self.db().sqlite().is_none()
    }

    /// A connection of the app's own pool, for looking at what was saved.
    pub async fn connection(&self) -> DbConnection {
        self.db().acquire().await.expect("a database connection")
    }

    pub async fn user(&self, username: &str) -> Option<User> {
        User::find_by_username(&mut self.connection().await, username)
            .await
            .expect("a user query")
    }

    /// The one number `sql` selects (`SELECT count(*) ...`), on either database.
    pub async fn count(&self, sql: &str) -> i64 {
        let mut connection = self.connection().await;
        // `fetch_all`, for the reason given in `models`.
        let counts: Vec<i64> = match connection.executor() {
            Executor::Sqlite(c) => sqlx::query_scalar(sql).fetch_all(c).await,
            Executor::Postgres(c) => sqlx::query_scalar(sql).fetch_all(c).await,
        }
        .expect("a count query");
        counts[0]
    }

    /// Runs `sql` (one or more statements, no parameters) on either database.
    pub async fn execute(&self, sql: &str) {
        use sqlx::Executor as _;
        let mut connection = self.connection().await;
        match connection.executor() {
            Executor::Sqlite(c) => c.execute(sql).await.map(drop),
            Executor::Postgres(c) => c.execute(sql).await.map(drop),
        }
        .expect("the statements");
    }

    pub async fn user_count(&self) -> i64 {
        self.count(r#"SELECT count(*) FROM "user""#).await
    }

    /// Inserts a user with [`PASSWORD`] straight into the database.
    pub async fn create_user(&self, username: &str, email: &str) -> User {
        let passwords = self.client.rocket().state::<PasswordHasher>();
        let hash = passwords
            .expect("the app's password hasher")
            .hash(PASSWORD.to_owned())
            .await
            .expect("hashing");
        User::insert(&mut self.connection().await, username, email, &hash)
            .await
            .expect("an insert");
        self.user(username).await.expect("the new user")
    }

    /// A new visitor, holding a CSRF token as a browser does after its first page.
    pub async fn browser(&self) -> Browser<'_> {
        let browser = Browser {
            app: self,
            jar: Mutex::new(Vec::new()),
            csrf_token: Mutex::new(String::new()),
        };
        let login = browser.get("/login").await;
        *browser.csrf_token.lock().expect("lock") = login.csrf_token();
        browser
    }

    /// A visitor signed in as a newly created user.
    pub async fn signed_in(&self, username: &str) -> Browser<'_> {
        self.create_user(username, &format!("{username}@example.com"))
            .await;
        let browser = self.browser().await;
        let reply = browser
            .submit("/login", &[("username", username), ("password", PASSWORD)])
            .await;
        assert_eq!(reply.status, Status::SeeOther, "signing in {username}");
        browser
    }

    /// The chapter's bug: susan exists, and john signs in and submits
    /// [`RENAME_TO_SUSAN`]. Returns john and the reply: a 500 until step 5's
    /// fix, the form with its error after it.
    pub async fn rename_to_a_taken_name(&self) -> (Browser<'_>, Reply) {
        self.create_user("susan", "susan@example.com").await;
        let john = self.signed_in("john").await;
        let reply = john.submit("/edit_profile", &RENAME_TO_SUSAN).await;
        (john, reply)
    }
}

/// One visitor: sends back the cookies the app set, as a browser would.
#[derive(Debug)]
pub struct Browser<'a> {
    pub app: &'a TestApp,
    jar: Mutex<Vec<Cookie<'static>>>,
    csrf_token: Mutex<String>,
}

impl Browser<'_> {
    pub async fn get(&self, uri: &str) -> Reply {
        self.send(self.app.client.get(uri.to_owned())).await
    }

    /// A GET with an extra header. The local client hands cookies to Rocket
    /// directly, so a test that wants to see a `Cookie:` header sends one here.
    pub async fn get_with_header(&self, uri: &str, name: &'static str, value: String) -> Reply {
        let request = self.app.client.get(uri.to_owned());
        self.send(request.header(rocket::http::Header::new(name, value)))
            .await
    }

    /// A cookie the visitor sets themselves, sent from now on with the ones
    /// the app set, as a browser's developer tools or `curl -b` would.
    pub fn add_cookie(&self, cookie: Cookie<'static>) {
        let mut jar = self.jar.lock().expect("lock");
        jar.retain(|kept| kept.name() != cookie.name());
        jar.push(cookie);
    }

    /// The token this visitor's forms carry.
    pub fn csrf_token(&self) -> String {
        self.csrf_token.lock().expect("lock").clone()
    }

    /// Fills in the form at `uri` as a visitor does: GETs its page, then posts
    /// `fields` with the page's CSRF token.
    pub async fn submit(&self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        self.send(self.filled_in_request(uri, fields).await).await
    }

    /// [`Browser::submit`] with an extra header, `Accept: */*` as `curl` sends it, say.
    pub async fn submit_with_header(
        &self,
        uri: &str,
        fields: &[(&str, &str)],
        name: &'static str,
        value: String,
    ) -> Reply {
        let request = self.filled_in_request(uri, fields).await;
        self.send(request.header(rocket::http::Header::new(name, value)))
            .await
    }

    /// POSTs `body` as a form, as it is: no CSRF token added.
    pub async fn post_raw(&self, uri: &str, body: &str) -> Reply {
        self.send(self.form_request(uri, body)).await
    }

    /// The POST of the form at `uri`, with `fields` and its page's CSRF token.
    async fn filled_in_request(&self, uri: &str, fields: &[(&str, &str)]) -> LocalRequest<'_> {
        let page = self.get(uri).await;
        self.form_request(uri, &filled_in(uri, &page.body, fields))
    }

    fn form_request(&self, uri: &str, body: &str) -> LocalRequest<'_> {
        let request = self.app.client.post(uri.to_owned());
        request.header(ContentType::Form).body(body)
    }

    pub fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        let jar = self.jar.lock().expect("lock");
        jar.iter().find(|cookie| cookie.name() == name).cloned()
    }

    async fn send(&self, request: LocalRequest<'_>) -> Reply {
        let cookies = self.jar.lock().expect("lock").clone();
        let response = request.cookies(cookies).dispatch().await;
        let reply = Reply::read(response).await;
        let mut jar = self.jar.lock().expect("lock");
        for cookie in &reply.set_cookies {
            jar.retain(|kept| kept.name() != cookie.name());
            let removal = cookie.max_age().is_some_and(|age| age.is_zero());
            if !removal {
                jar.push(cookie.clone());
            }
        }
        reply
    }
}

/// `fields` and the CSRF token of the form on `page` (the page at `uri`),
/// encoded as a form: what a browser sends when the form is submitted.
pub(crate) fn filled_in(uri: &str, page: &str, fields: &[(&str, &str)]) -> String {
    let token = csrf_token_in(page);
    let token = token.unwrap_or_else(|| panic!("no form with a CSRF token at {uri}:\n{page}"));
    let mut fields = fields.to_vec();
    fields.push(("csrf_token", token));
    form_body(&fields)
}

/// `application/x-www-form-urlencoded`, as a browser encodes a form.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    rocket::http::RawStr::new(text).percent_encode().to_string()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: Status,
    pub location: Option<String>,
    pub content_type: Option<ContentType>,
    pub body: String,
    pub set_cookies: Vec<Cookie<'static>>,
}

impl Reply {
    async fn read(response: LocalResponse<'_>) -> Self {
        let status = response.status();
        let location = response.headers().get_one("Location").map(str::to_owned);
        let content_type = response.content_type();
        let set_cookies = response
            .headers()
            .get("Set-Cookie")
            .filter_map(|header| Cookie::parse_encoded(header.to_owned()).ok())
            .collect();
        let body = response.into_string().await.unwrap_or_default();
        Reply {
            status,
            location,
            content_type,
            body,
            set_cookies,
        }
    }

    /// The value of the hidden `csrf_token` field on this page.
    pub fn csrf_token(&self) -> String {
        csrf_token_in(&self.body)
            .expect("a form with a CSRF token")
            .to_owned()
    }

    pub fn set_cookie(&self, name: &str) -> Option<&Cookie<'static>> {
        self.set_cookies.iter().find(|cookie| cookie.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::filled_in;

    #[test]
    fn a_form_is_filled_in_with_the_token_on_its_page() {
        let page = r#"<form><input name="csrf_token" type="hidden" value="t0k3n"></form>"#;
        let body = filled_in("/login", page, &[("username", "jo hn")]);
        assert_eq!(body, "username=jo%20hn&csrf_token=t0k3n");
    }

    #[test]
    #[should_panic(expected = "no form with a CSRF token at /logout")]
    fn a_page_without_a_form_fails_the_test() {
        filled_in("/logout", "<p>Signed out</p>", &[]);
    }
}
