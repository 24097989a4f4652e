//! Test helpers shared by this crate and every step (feature `testing`).
//!
//! A [`TestApp`] is one app on its own temporary SQLite file, driven through
//! Rocket's local client. A [`Browser`] is one visitor with its own cookie jar,
//! so a test can have several users signed in to one app at once.

use std::path::PathBuf;
use std::sync::Mutex;

use rocket::http::{ContentType, Cookie, Status};
use rocket::local::asynchronous::{Client, LocalRequest, LocalResponse};
use rocket::{Build, Rocket};
use rocket_db_pools::Database;
use tempfile::TempDir;

use crate::db::Db;
use crate::models::User;

/// The password every helper-made user has.
pub const PASSWORD: &str = "correct horse battery staple";

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

#[derive(Debug)]
pub struct TestApp {
    pub client: Client,
    dir: TempDir,
}

impl TestApp {
    /// Launches `rocket` (a step's `app()`) on a fresh database file.
    pub async fn new(rocket: Rocket<Build>) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db_path = dir.path().join("microblog.db");
        let figment = rocket
            .figment()
            .clone()
            .merge(("databases.microblog.url", db_path.display().to_string()))
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

    /// The app's own connection pool, for looking at what was saved.
    pub fn pool(&self) -> &sqlx::SqlitePool {
        Db::fetch(self.client.rocket()).expect("the database pool")
    }

    pub async fn user(&self, username: &str) -> Option<User> {
        User::find_by_username(self.pool(), username)
            .await
            .expect("a user query")
    }

    pub async fn user_count(&self) -> i64 {
        // `fetch_all`, for the reason given in `models`.
        let counts: Vec<i64> = sqlx::query_scalar(r#"SELECT count(*) FROM "user""#)
            .fetch_all(self.pool())
            .await
            .expect("a count query");
        counts[0]
    }

    /// Inserts a user with [`PASSWORD`] straight into the database.
    pub async fn create_user(&self, username: &str, email: &str) -> User {
        let hash = rocket::tokio::task::spawn_blocking(|| password_auth::generate_hash(PASSWORD))
            .await
            .expect("hashing");
        User::insert(self.pool(), username, email, &hash)
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
            .post("/login", &[("username", username), ("password", PASSWORD)])
            .await;
        assert_eq!(reply.status, Status::SeeOther, "signing in {username}");
        browser
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

    /// The token this visitor's forms carry.
    pub fn csrf_token(&self) -> String {
        self.csrf_token.lock().expect("lock").clone()
    }

    /// Submits a form as the page's own form would, CSRF token included.
    pub async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf_token();
        let mut fields = fields.to_vec();
        fields.push(("csrf_token", &token));
        self.post_raw(uri, &form_body(&fields)).await
    }

    /// Sends `body` as it is, with no CSRF token added.
    pub async fn post_raw(&self, uri: &str, body: &str) -> Reply {
        let request = self
            .app
            .client
            .post(uri.to_owned())
            .header(ContentType::Form)
            .body(body);
        self.send(request).await
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
    pub body: String,
    pub set_cookies: Vec<Cookie<'static>>,
}

impl Reply {
    async fn read(response: LocalResponse<'_>) -> Self {
        let status = response.status();
        let location = response.headers().get_one("Location").map(str::to_owned);
        let set_cookies = response
            .headers()
            .get("Set-Cookie")
            .filter_map(|header| Cookie::parse_encoded(header.to_owned()).ok())
            .collect();
        let body = response.into_string().await.unwrap_or_default();
        Reply {
            status,
            location,
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

/// The real binary of a step, run as a learner runs it, in its own working
/// directory, with its own port and database. Killed when dropped.
#[derive(Debug)]
pub struct ChildApp {
    child: std::process::Child,
    pub port: u16,
    pub dir: TempDir,
    output: std::sync::Arc<Mutex<String>>,
    /// The threads that copy stdout and stderr into `output`.
    readers: Vec<std::thread::JoinHandle<()>>,
}

/// The repository's Rocket.toml, so a child in a temporary directory finds it.
pub const ROCKET_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Rocket.toml");

impl ChildApp {
    /// Starts `binary` with `env` on top of: the release profile and a secret
    /// key (unless `env` says otherwise), port 0, and a fresh database. Waits
    /// (bounded) until it listens, and finds out on which port.
    pub fn start(binary: &str, env: &[(&str, &str)]) -> ChildApp {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Self::start_in(dir, binary, env)
    }

    /// [`ChildApp::start`] with `dir`, prepared by the test, as the working directory.
    pub fn start_in(dir: TempDir, binary: &str, env: &[(&str, &str)]) -> ChildApp {
        use std::io::BufRead;
        use std::process::{Command, Stdio};

        let db = dir.path().join("microblog.db");
        let mut command = Command::new(binary);
        command
            .current_dir(dir.path())
            .env("ROCKET_CONFIG", ROCKET_TOML)
            .env("ROCKET_PROFILE", "release")
            .env("ROCKET_SECRET_KEY", TEST_SECRET_KEY)
            // The kernel picks the port as the app binds it. A port picked here
            // and handed over could be taken by a parallel test in between, and
            // this test would then talk to that test's server.
            .env("ROCKET_PORT", "0")
            .env(
                "ROCKET_DATABASES",
                format!("{{microblog={{url=\"{}\"}}}}", db.display()),
            )
            .env("ROCKET_CLI_COLORS", "false")
            .env_remove("MAIL_SERVER")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("the binary starts");
        let output = std::sync::Arc::new(Mutex::new(String::new()));
        let streams: [Box<dyn std::io::Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("stdout")),
            Box::new(child.stderr.take().expect("stderr")),
        ];
        let mut readers = Vec::new();
        for stream in streams {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    let mut output = output.lock().expect("lock");
                    output.push_str(&line);
                    output.push('\n');
                }
            }));
        }
        let printed = || output.lock().expect("lock").clone();
        let port = poll("the server to listen", printed, || {
            let exited = child.try_wait().expect("the child's status");
            assert!(
                exited.is_none(),
                "the server exited ({exited:?}) before listening; output:\n{}",
                printed()
            );
            launched_port(&printed())
        });
        ChildApp {
            child,
            port,
            dir,
            output,
            readers,
        }
    }

    /// The process's resident memory now, in KiB (Linux).
    pub fn rss_kib(&self) -> Option<u64> {
        self.proc_status_kib("VmRSS:")
    }

    /// The most resident memory the process has had, in KiB (Linux).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.proc_status_kib("VmHWM:")
    }

    fn proc_status_kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|line| line.starts_with(field))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Every file of `logs/` (the log and its rotated backups), concatenated.
    pub fn whole_log(&self) -> String {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("logs")) else {
            return String::new();
        };
        entries
            .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
            .collect()
    }

    /// Everything the process printed so far, stdout and stderr.
    pub fn output(&self) -> String {
        self.output.lock().expect("lock").clone()
    }

    /// Polls `ready` until it holds: at most 30 seconds, then the test fails.
    pub fn wait_for(&self, ready: impl Fn(&Self) -> bool, what: &str) {
        poll(what, || self.output(), || ready(self).then_some(()));
    }

    pub fn client(&self) -> HttpClient {
        HttpClient::new(self.port)
    }

    /// Sends SIGTERM, as `kill` or a service manager would, and waits (bounded)
    /// for a graceful exit. Returns whether the exit was clean.
    pub fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        // The shell's own `kill`, so no procps package is needed.
        let sent = std::process::Command::new("sh")
            .args(["-c", &format!("kill -TERM {pid}")])
            .status()
            .is_ok_and(|status| status.success());
        assert!(sent, "kill -TERM {pid}");
        let output = self.output.clone();
        let status = poll(
            "an exit after SIGTERM",
            || output.lock().expect("lock").clone(),
            || self.child.try_wait().expect("the child's status"),
        );
        // The pipes closed with the process: after these joins, `output`
        // holds everything it printed.
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        status.success()
    }

    /// Registers `username` (password [`PASSWORD`]) and returns a client signed in as them.
    pub fn signed_in(&self, username: &str) -> HttpClient {
        let client = self.client();
        let email = format!("{username}@example.com");
        let reply = client.submit(
            "/register",
            &[
                ("username", username),
                ("email", &email),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        );
        assert_eq!(reply.status, 303, "registering {username}: {}", reply.body);
        let reply = client.submit("/login", &[("username", username), ("password", PASSWORD)]);
        assert_eq!(reply.status, 303, "signing in {username}");
        client
    }
}

impl Drop for ChildApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Calls `probe` every 20 ms until it gives a value: at most 30 seconds, then
/// the test fails with what the process has `printed` so far.
fn poll<T>(what: &str, printed: impl Fn() -> String, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}; output so far:\n{}",
            printed()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The port in Rocket's launch line, `Rocket has launched from
/// http://127.0.0.1:41234`, which every step prints in both profiles once it
/// listens. Reading it works on every platform, unlike asking the OS.
fn launched_port(printed: &str) -> Option<u16> {
    let (_, url) = printed.split_once("has launched from http")?;
    let url = url.lines().next()?;
    let (_, port) = url.rsplit_once(':')?;
    port.trim().parse().ok()
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// A small HTTP/1.1 client over a real TCP connection, with a cookie jar: enough
/// to drive a step's real binary the way a browser would.
#[derive(Debug)]
pub struct HttpClient {
    port: u16,
    cookies: Mutex<Vec<(String, String)>>,
}

/// A response from [`HttpClient`].
#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl HttpClient {
    pub fn new(port: u16) -> Self {
        HttpClient {
            port,
            cookies: Mutex::new(Vec::new()),
        }
    }

    pub fn get(&self, path: &str) -> HttpReply {
        self.send("GET", path, None)
    }

    /// GETs the form at `path` for its CSRF token, then posts `fields` to it.
    pub fn submit(&self, path: &str, fields: &[(&str, &str)]) -> HttpReply {
        let form_page = if path == "/edit_profile" {
            path
        } else {
            "/login"
        };
        let page = self.get(form_page);
        let token = csrf_token_in(&page.body).unwrap_or_default().to_owned();
        let mut fields = fields.to_vec();
        fields.push(("csrf_token", &token));
        self.post(path, &form_body(&fields))
    }

    pub fn post(&self, path: &str, body: &str) -> HttpReply {
        self.send("POST", path, Some(body))
    }

    fn send(&self, method: &str, path: &str, body: Option<&str>) -> HttpReply {
        self.try_send(method, path, body).expect("an HTTP exchange")
    }

    /// A GET that reports a refused or cut connection instead of failing the test.
    pub fn try_get(&self, path: &str) -> std::io::Result<HttpReply> {
        self.try_send("GET", path, None)
    }

    fn try_send(&self, method: &str, path: &str, body: Option<&str>) -> std::io::Result<HttpReply> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        let cookie_header = {
            let cookies = self.cookies.lock().expect("lock");
            cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        if !cookie_header.is_empty() {
            request.push_str(&format!("Cookie: {cookie_header}\r\n"));
        }
        if let Some(body) = body {
            request.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        request.push_str("\r\n");
        request.push_str(body.unwrap_or_default());
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let raw = String::from_utf8_lossy(&raw);
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other("no HTTP status line"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        self.remember_cookies(&headers);
        Ok(HttpReply {
            status,
            headers,
            body: body.to_owned(),
        })
    }

    fn remember_cookies(&self, headers: &[(String, String)]) {
        let mut jar = self.cookies.lock().expect("lock");
        for (_, value) in headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        {
            let Ok(cookie) = Cookie::parse(value.clone()) else {
                continue;
            };
            jar.retain(|(name, _)| name != cookie.name());
            if !cookie.max_age().is_some_and(|age| age.is_zero()) {
                jar.push((cookie.name().to_owned(), cookie.value().to_owned()));
            }
        }
    }
}
