//! A step's real binary, run as a learner runs it, and driven over HTTP.
//!
//! Only for what needs a process: what it prints, the log file it writes, mail
//! it sends over SMTP, and how it shuts down. Everything else is tested in
//! process ([`crate::TestApp`]).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::in_process::filled_in;
use crate::memory::MemoryWatch;
use crate::{PASSWORD, RENAME_TO_SUSAN, TEST_SECRET_KEY};

/// How long a test waits for anything a child does before it fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// The repository's Rocket.toml, so a child in a temporary directory finds it.
pub const ROCKET_TOML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Rocket.toml");

/// config.py's mail settings, which a learner's shell may hold. A child starts
/// without them, and each test sets the ones it means.
pub const MAIL_SETTINGS: [&str; 8] = [
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_CA_FILE",
    "ADMINS",
];

/// `binary` as the tests run a step: in `dir`, with the repository's
/// Rocket.toml, the release profile and a secret key, a fresh database,
/// none of the shell's mail settings, and `env` on top.
fn command(binary: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> std::process::Command {
    let db = crate::postgres::database_from_env()
        .unwrap_or_else(|| dir.join("microblog.db").display().to_string());
    let mut command = std::process::Command::new(binary);
    command
        .current_dir(dir)
        .env("ROCKET_CONFIG", ROCKET_TOML)
        .env("ROCKET_PROFILE", "release")
        .env("ROCKET_SECRET_KEY", TEST_SECRET_KEY)
        // The kernel picks the port as the app binds it. A port picked here
        // and handed over could be taken by a parallel test in between.
        .env("ROCKET_PORT", "0")
        // config.py's variable, which wins over Rocket.toml's file: a new
        // file in `dir`, or a new database on the server that
        // `MICROBLOG_TEST_POSTGRES` names (see `crate::postgres`).
        .env("DATABASE_URL", db)
        .env("ROCKET_CLI_COLORS", "false");
    // And Rocket's own way to set the `[mail]` table, and step 4's switch from
    // `logs/` to stdout.
    for name in MAIL_SETTINGS
        .into_iter()
        .chain(["ROCKET_MAIL", "LOG_TO_STDOUT"])
    {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// `binary` with `args`, run to its end, as [`ChildApp`] would start it: for
/// a command such as `--send-test-mail`.
pub fn run_to_end(binary: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    command(binary, dir.path(), env)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// `binary` started as [`ChildApp`] starts it, but with no secret key, as a
/// learner's `ROCKET_PROFILE=release cargo run` without one: its exit status
/// and what it wrote to stderr. Fails the test if it is still running after
/// 30 seconds, serving without a key.
pub fn run_without_secret_key(binary: &str) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut command = command(binary, dir.path(), &[]);
    command.env_remove("ROCKET_SECRET_KEY");
    exit_and_stderr(command, "the binary to refuse to start")
}

/// `binary` started as [`ChildApp`] starts it, with `env` on top, for a start
/// that is meant to fail (a database that cannot be reached, say): its exit
/// status and what it wrote to stderr. Fails the test if it is still running
/// after 30 seconds.
pub fn run_until_it_exits(
    binary: &str,
    env: &[(&str, &str)],
) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    exit_and_stderr(command(binary, dir.path(), env), "the binary to exit")
}

/// Runs `command` until it exits (at most 30 seconds, then the test fails):
/// its status and its stderr. Its stdout is not kept.
fn exit_and_stderr(
    mut command: std::process::Command,
    what: &str,
) -> (std::process::ExitStatus, String) {
    let child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Killed if the test fails while it runs.
    let mut child = KilledOnDrop(child);
    let status = poll(what, String::new, || {
        child.0.try_wait().expect("its status")
    });
    let mut stderr = String::new();
    if let Some(mut pipe) = child.0.stderr.take() {
        std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("its stderr");
    }
    (status, stderr)
}

struct KilledOnDrop(std::process::Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary of a step in its own working directory, with its own port
/// and database. Killed when dropped.
#[derive(Debug)]
pub struct ChildApp {
    child: std::process::Child,
    pub port: u16,
    pub dir: TempDir,
    output: Arc<Mutex<String>>,
    /// What it printed on stdout alone.
    stdout: Arc<Mutex<String>>,
    /// The threads that copy stdout and stderr into `output`.
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl ChildApp {
    /// Starts `binary` with `env` on top of: the release profile and a secret
    /// key (unless `env` says otherwise), port 0, and a fresh database. Waits
    /// (bounded) until it listens, and reads the port it got from its launch line.
    pub fn start(binary: &str, env: &[(&str, &str)]) -> ChildApp {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Self::start_in(dir, binary, env)
    }

    /// [`ChildApp::start`] with `dir`, prepared by the test, as the working directory.
    pub fn start_in(dir: TempDir, binary: &str, env: &[(&str, &str)]) -> ChildApp {
        use std::io::BufRead;
        use std::process::Stdio;

        let mut child = command(binary, dir.path(), env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let output = Arc::new(Mutex::new(String::new()));
        let stdout = Arc::new(Mutex::new(String::new()));
        // Each stream with where its lines go besides `output`.
        let streams: [(Box<dyn std::io::Read + Send>, Option<_>); 2] = [
            (
                Box::new(child.stdout.take().expect("stdout")),
                Some(stdout.clone()),
            ),
            (Box::new(child.stderr.take().expect("stderr")), None),
        ];
        let mut readers = Vec::new();
        for (stream, alone) in streams {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    if let Some(alone) = &alone {
                        let mut alone = alone.lock().expect("lock");
                        alone.push_str(&line);
                        alone.push('\n');
                    }
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
            stdout,
            readers,
        }
    }

    /// The process's resident memory now, in KiB (every OS).
    pub fn rss_kib(&self) -> Option<u64> {
        crate::memory::rss_kib(self.child.id())
    }

    /// Starts watching the process's memory: [`MemoryWatch::peak_kib`] is the
    /// most it holds from now on.
    pub fn watch_memory(&self) -> MemoryWatch {
        MemoryWatch::start(self.child.id())
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

    /// What the process printed on stdout alone, so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("lock").clone()
    }

    /// Polls `ready` until it holds: at most 30 seconds, then the test fails.
    pub fn wait_for(&self, ready: impl Fn(&Self) -> bool, what: &str) {
        poll(what, || self.output(), || ready(self).then_some(()));
    }

    /// A new visitor, with a cookie jar of its own.
    pub fn client(&self) -> HttpClient {
        HttpClient::new(self.port)
    }

    /// Sends SIGTERM, as `kill` or a service manager would, and waits (bounded)
    /// for the exit. Returns whether the exit was clean.
    #[cfg(unix)]
    pub fn terminate(&mut self) -> bool {
        use rustix::process::{kill_process, Pid, Signal};
        let pid = Pid::from_child(&self.child);
        kill_process(pid, Signal::TERM).expect("SIGTERM is sent");
        self.wait_for_exit()
    }

    /// Windows has no SIGTERM for a console program: the process is killed, so
    /// what a graceful shutdown flushes is checked by `#[cfg(unix)]` tests only.
    #[cfg(not(unix))]
    pub fn terminate(&mut self) -> bool {
        let _ = self.child.kill();
        self.wait_for_exit();
        true
    }

    /// Waits (bounded) for the process to exit, then for the last of its output.
    pub fn wait_for_exit(&mut self) -> bool {
        let output = self.output.clone();
        let status = poll(
            "the process to exit",
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

    /// Deletes the app's SQLite file under it, as an operator's mistake would.
    pub fn delete_database(&self) {
        crate::in_process::delete_sqlite_file(&self.dir.path().join("microblog.db"));
    }

    /// The chapter's bug: susan and john register, and john signs in and
    /// submits [`RENAME_TO_SUSAN`]. Returns john and the reply: a 500 until
    /// step 5's fix, the form with its error after it.
    pub fn rename_to_a_taken_name(&self) -> (HttpClient, HttpReply) {
        self.signed_in("susan");
        let john = self.signed_in("john");
        let reply = john.submit("/edit_profile", &RENAME_TO_SUSAN);
        (john, reply)
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
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; output so far:\n{}",
            printed()
        );
        std::thread::sleep(Duration::from_millis(20));
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

/// One visitor of a child app, over real HTTP: `ureq` with its cookie store,
/// redirects not followed (a test looks at the 303 itself).
#[derive(Debug)]
pub struct HttpClient {
    agent: ureq::Agent,
    base: String,
}

/// A response from [`HttpClient`], read whole.
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
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(PATIENCE))
            .build()
            .new_agent();
        HttpClient {
            agent,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    pub fn get(&self, path: &str) -> HttpReply {
        self.try_get(path).expect("an HTTP exchange")
    }

    /// A GET with an extra header, as `curl -H` sends it: a `Cookie:` the
    /// visitor wrote themselves, say.
    pub fn get_with_header(&self, path: &str, name: &str, value: &str) -> HttpReply {
        let request = self.agent.get(format!("{}{path}", self.base));
        request
            .header(name, value)
            .call()
            .and_then(read)
            .expect("an HTTP exchange")
    }

    /// A GET that reports a refused or cut connection instead of failing the test.
    pub fn try_get(&self, path: &str) -> Result<HttpReply, ureq::Error> {
        read(self.agent.get(format!("{}{path}", self.base)).call()?)
    }

    /// Fills in the form at `path` as a visitor does: GETs its page, then
    /// posts `fields` with the page's CSRF token.
    pub fn submit(&self, path: &str, fields: &[(&str, &str)]) -> HttpReply {
        let page = self.get(path);
        self.post_raw(path, &filled_in(path, &page.body, fields))
    }

    /// The `Cookie:` header this visitor sends, for a load generator that
    /// replays its requests.
    pub fn cookie_header(&self) -> String {
        let jar = self.agent.cookie_jar_lock();
        let pairs: Vec<String> = jar
            .iter()
            .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
            .collect();
        pairs.join("; ")
    }

    /// POSTs `body` as a form, as it is: no CSRF token added.
    pub fn post_raw(&self, path: &str, body: &str) -> HttpReply {
        let request = self
            .agent
            .post(format!("{}{path}", self.base))
            .content_type("application/x-www-form-urlencoded");
        request.send(body).and_then(read).expect("an HTTP exchange")
    }
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Result<HttpReply, ureq::Error> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let body = response.body_mut().read_to_string()?;
    Ok(HttpReply {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::launched_port;

    #[test]
    fn the_port_is_read_from_rockets_launch_line() {
        let printed = "Error mail: on\nWARN rocket::launch: Rocket has launched from http://127.0.0.1:41234\n";
        assert_eq!(launched_port(printed), Some(41234));
        assert_eq!(
            launched_port("Rocket has launched from http://[::1]:8000"),
            Some(8000)
        );
        assert_eq!(launched_port("Configured for release."), None);
    }
}
