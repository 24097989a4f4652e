//! A real, throwaway PostgreSQL server for the stress suite's PostgreSQL tests.
//!
//! Started from the binaries of Debian's `postgresql` package (`initdb`,
//! `pg_ctl`), and spoken to with the server's own client commands (`createdb`,
//! `pg_isready`), so the tests need no Rust PostgreSQL client. Each server has
//! its own temporary directory (data, log, socket) and a loopback port, and is
//! gone when dropped. The learner's `cargo test` never starts one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long `initdb`, or a client command, may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(60);
/// How long `pg_ctl` waits for the server to start or stop (its `-t`).
const PG_CTL_SECONDS: u64 = 30;
/// Ports picked that another process took before the server bound them.
const PORT_ATTEMPTS: usize = 5;
/// The system user of Debian's package, which runs the server when we are root.
const SYSTEM_USER: &str = "postgres";
/// The superuser `initdb` creates, whom every connection of the tests uses.
const SUPERUSER: &str = "postgres";
/// The environment variable that points a test process at a server of its own.
pub const ENV_VAR: &str = "MICROBLOG_TEST_POSTGRES";

/// A PostgreSQL cluster of its own: in a new temporary directory, listening on
/// 127.0.0.1 only. A TCP connection needs the superuser's password, random for
/// each cluster: any user of the machine can reach a loopback port, and the
/// superuser of a cluster run as the system user can run programs as that
/// user. Stopped immediately, and its directory removed, when dropped.
#[derive(Debug)]
pub struct PostgresServer {
    /// The directory with `initdb`, `pg_ctl` and the client commands.
    bin: PathBuf,
    /// Root may not run the server: then Debian's `postgres` user runs it.
    as_system_user: bool,
    /// `data/` (the cluster), `server.log`, and the Unix socket.
    dir: TempDir,
    port: u16,
    /// The superuser's password, for TCP connections.
    password: String,
}

impl PostgresServer {
    /// Starts a cluster in a new temporary directory, on a loopback port, as an
    /// unprivileged user; Err says why not (e.g. "initdb not found: install
    /// Debian's postgresql package"), for a test to skip with that message or fail.
    pub fn start() -> Result<PostgresServer, String> {
        let bin = bin_dir_with("initdb").ok_or_else(|| {
            "initdb not found: install Debian's postgresql package (looked in \
             `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH)"
                .to_string()
        })?;
        // initdb refuses to run as root, and so does the server.
        let as_system_user = effective_uid_is_root();
        if as_system_user && !succeeds(Command::new("id").arg("-u").arg(SYSTEM_USER)) {
            return Err(format!(
                "running as root, and there is no `{SYSTEM_USER}` user to run the server \
                 as (Debian's postgresql package creates it)"
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("microblog-postgres-")
            .tempdir()
            .map_err(|error| format!("no temporary directory for the cluster: {error}"))?;
        if as_system_user {
            // The system user creates everything inside: the data directory,
            // the log and the socket.
            let chown = output(
                Command::new("chown")
                    .arg(format!("{SYSTEM_USER}:"))
                    .arg(dir.path()),
                "chown",
            )?;
            if !chown.status.success() {
                return Err(format!(
                    "could not give {} to the `{SYSTEM_USER}` user: {}",
                    dir.path().display(),
                    printed(&chown)
                ));
            }
        }
        let mut server = PostgresServer {
            bin,
            as_system_user,
            dir,
            port: 0,
            password: random_password(),
        };
        server.init()?;

        let mut last_error = String::new();
        for _ in 0..PORT_ATTEMPTS {
            // Released before the server binds it, so another process may take
            // it in between: then another port.
            server.port = crate::free_port();
            let logged_before = server.log().len();
            match server.pg_ctl_start() {
                Ok(()) => return Ok(server),
                // What this attempt logged: "could not bind IPv4 address
                // "127.0.0.1": Address already in use" (English, the cluster's
                // locale being C).
                Err(error)
                    if server
                        .log()
                        .get(logged_before..)
                        .is_some_and(|logged| logged.contains("Address already in use")) =>
                {
                    last_error = error;
                }
                Err(error) => return Err(error),
            }
        }
        Err(format!(
            "the server found its port taken {PORT_ATTEMPTS} times: {last_error}"
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres`
    pub fn admin_url(&self) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/postgres",
            self.password, self.port
        )
    }

    /// Creates a new empty database with a unique name (`prefix`, then a
    /// counter and a random part) and returns its URL
    /// `postgres://postgres@127.0.0.1:PORT/NAME`. Panics, saying why, if the
    /// server refuses.
    pub fn create_database(&self, prefix: &str) -> String {
        create_database_with(&self.bin.join("createdb"), &self.admin_url(), prefix)
    }

    /// The server's own `psql`, connected to `url` (one of this server's
    /// databases): never prompting, ignoring `~/.psqlrc`, stopping at the first
    /// error, and bounded by a connection timeout. Add `-c SQL` and run it.
    pub fn psql(&self, url: &str) -> Command {
        let mut psql = Command::new(self.bin.join("psql"));
        client(&mut psql)
            .arg(url)
            .args(["-w", "-X", "-v", "ON_ERROR_STOP=1"]);
        psql
    }

    /// Takes the server down (`pg_ctl stop -m fast`), for a "server down"
    /// fault test; [`PostgresServer::start_again`] brings it back.
    pub fn stop(&self) {
        let output = self
            .pg_ctl_stop("fast")
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(
            output.status.success(),
            "pg_ctl stop failed: {}\nthe end of the server's log:\n{}",
            printed(&output),
            self.log_tail()
        );
    }

    /// Starts the server again after [`PostgresServer::stop`]: the same data
    /// directory and port. Returns once it accepts connections.
    pub fn start_again(&self) {
        self.pg_ctl_start()
            .unwrap_or_else(|error| panic!("{error}"));
    }

    /// `initdb`: the superuser `postgres` with its password over TCP (and
    /// trusted on the socket, in our own directory, which no one else enters),
    /// UTF-8 in the C locale (the shell's locale may not be installed), and no
    /// fsync (faster; the cluster never outlives a crash anyway).
    fn init(&self) -> Result<(), String> {
        // Read by initdb, as the system user when we are root, then removed.
        let password_file = self.dir.path().join("password");
        std::fs::write(&password_file, &self.password)
            .map_err(|error| format!("could not write the password file: {error}"))?;
        let mut initdb = self.server_command("initdb");
        initdb
            .arg("-D")
            .arg(self.data_dir())
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", password_file.display()))
            .args(["-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
            .arg("--no-sync");
        let output = output(&mut initdb, "initdb");
        let _ = std::fs::remove_file(&password_file);
        let output = output?;
        if !output.status.success() {
            let mut error = format!("initdb failed: {}", printed(&output));
            if self.as_system_user {
                error.push_str(&format!(
                    "\n(as root, the `{SYSTEM_USER}` user must be able to reach {}: \
                     is TMPDIR somewhere it cannot enter?)",
                    self.dir.path().display()
                ));
            }
            return Err(error);
        }
        // In postgresql.conf rather than on pg_ctl's command line, which goes
        // through a shell: no quoting of the directory's path. Loopback TCP
        // only, the socket in our directory (not /var/run/postgresql, which
        // may not exist or be writable), and durability traded for speed.
        let settings = format!(
            "\n# microblog's test-support\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n",
            self.dir.path().display().to_string().replace('\'', "''")
        );
        let conf = self.data_dir().join("postgresql.conf");
        // Appending keeps the file's owner, the system user's when we are root.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut file| std::io::Write::write_all(&mut file, settings.as_bytes()))
            .map_err(|error| format!("could not write {}: {error}", conf.display()))
    }

    /// `pg_ctl start` on `self.port`, waiting (bounded) until the server is
    /// ready, then checking that it accepts connections.
    fn pg_ctl_start(&self) -> Result<(), String> {
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("start")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", &PG_CTL_SECONDS.to_string()])
            .args(["-o", &format!("-p {}", self.port)]);
        let output = output(&mut pg_ctl, "pg_ctl start")?;
        if !output.status.success() {
            return Err(format!(
                "the PostgreSQL server did not start on port {}: {}\nthe end of its log:\n{}",
                self.port,
                printed(&output),
                self.log_tail()
            ));
        }
        // pg_ctl -w already waited for the server to call itself ready; this
        // is the client's side of it, over TCP as the tests connect.
        let deadline = Instant::now() + Duration::from_secs(PG_CTL_SECONDS);
        loop {
            let mut isready = Command::new(self.bin.join("pg_isready"));
            isready
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", SUPERUSER, "-t", "1"]);
            if succeeds(client(&mut isready)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the PostgreSQL server started on port {} but accepts no connections\n\
                     the end of its log:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn pg_ctl_stop(&self, mode: &str) -> Result<Output, String> {
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl.arg("stop").arg("-D").arg(self.data_dir()).args([
            "-m",
            mode,
            "-w",
            "-t",
            &PG_CTL_SECONDS.to_string(),
        ]);
        output(&mut pg_ctl, "pg_ctl stop")
    }

    /// `program` from the server's directory, run as the system user when we
    /// are root, in our directory (the test's own may be closed to that user).
    fn server_command(&self, program: &str) -> Command {
        let mut command = if self.as_system_user {
            // runuser (util-linux) rather than su or sudo: it is on every
            // Debian system, and asks root for no password.
            let mut command = Command::new("runuser");
            command
                .args(["-u", SYSTEM_USER, "--"])
                .arg(self.bin.join(program));
            command
        } else {
            Command::new(self.bin.join(program))
        };
        command.current_dir(self.dir.path());
        client(&mut command);
        command
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server's log so far (empty before its first start).
    fn log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }

    /// The last lines of the server's log, for a failure's message.
    fn log_tail(&self) -> String {
        let log = self.log();
        if log.is_empty() {
            return "(nothing)".to_string();
        }
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for PostgresServer {
    /// `pg_ctl stop -m immediate`: nothing in a throwaway cluster needs
    /// saving. If that fails, the postmaster is killed (its children follow
    /// it), so that its directory can go.
    fn drop(&mut self) {
        let stopped = self
            .pg_ctl_stop("immediate")
            .is_ok_and(|output| output.status.success());
        if !stopped {
            let pid = std::fs::read_to_string(self.data_dir().join("postmaster.pid"))
                .ok()
                .and_then(|file| file.lines().next().map(str::to_string));
            if let Some(pid) = pid {
                let mut kill = self.server_command("pg_ctl");
                kill.args(["kill", "KILL", pid.trim()]);
                let _ = output(&mut kill, "pg_ctl kill");
            }
        }
    }
}

/// A password for one throwaway cluster: 32 random letters and digits.
fn random_password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

/// The admin URL in `MICROBLOG_TEST_POSTGRES`, when a test process is told to
/// use a server: None when it is unset or empty.
pub fn server_from_env() -> Option<String> {
    std::env::var(ENV_VAR).ok().filter(|url| !url.is_empty())
}

/// For a test process told to use a server by the environment: if
/// `MICROBLOG_TEST_POSTGRES` holds an admin URL
/// (`postgres://user@host:port/db`), a new empty database on that server and
/// its URL; None when unset. Panics, saying why, if the server refuses.
pub fn database_from_env() -> Option<String> {
    let admin_url = server_from_env()?;
    let createdb = bin_dir_with("createdb")
        .unwrap_or_else(|| {
            panic!(
                "{ENV_VAR} is set, but createdb is not found: install Debian's \
                 postgresql-client package"
            )
        })
        .join("createdb");
    Some(create_database_with(&createdb, &admin_url, "microblog"))
}

/// A new database on the server of `admin_url`, named after `prefix`, and its
/// URL: `admin_url` with the database's name in place of its own.
fn create_database_with(createdb: &Path, admin_url: &str, prefix: &str) -> String {
    let name = unique_name(prefix);
    let mut command = Command::new(createdb);
    // A connection string as the maintenance database stands for the whole
    // connection (host, port, user), which the URL names.
    command
        .arg(format!("--maintenance-db={admin_url}"))
        .arg(&name);
    let output = output(client(&mut command), "createdb").unwrap_or_else(|error| panic!("{error}"));
    assert!(
        output.status.success(),
        "createdb {name} on {admin_url} failed: {}",
        printed(&output)
    );
    with_database(admin_url, &name)
}

/// `url` with its path (the database's name) replaced by `name`; its query
/// (`?sslmode=...`) kept.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    let mut result = format!("{scheme}://{authority}/{name}");
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

/// `prefix` made an identifier that needs no quoting anywhere (a URL, SQL),
/// then the process, a counter and a random part: unique among the tests of
/// this process and of others using the same server. At most 63 bytes,
/// PostgreSQL's limit.
fn unique_name(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    // std's hasher keys are random per process: random enough for a name.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(count);
    let random = hasher.finish() as u32;
    let mut clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(32)
        .collect();
    if !clean.starts_with(|c: char| c.is_ascii_lowercase()) {
        clean.insert(0, 'd');
    }
    format!("{clean}_{}_{count}_{random:08x}", std::process::id())
}

/// The directory that holds `program`: `pg_config --bindir`'s, else the
/// newest `/usr/lib/postgresql/*/bin` (Debian puts neither initdb nor pg_ctl
/// on PATH), else PATH's.
fn bin_dir_with(program: &str) -> Option<PathBuf> {
    let file = format!("{program}{}", std::env::consts::EXE_SUFFIX);
    let has_it = |dir: &Path| dir.join(&file).is_file();

    // pg_config may be libpq-dev's, of a version whose server is not installed.
    let pg_config = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    if let Some(dir) = pg_config.filter(|dir| has_it(dir)) {
        return Some(dir);
    }

    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            // "15", or "9.6" before PostgreSQL 10: compared as numbers.
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_it(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }

    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| has_it(dir))
}

/// Whether this process runs as root, asked of `id -u` (no `unsafe` for
/// geteuid). False where there is no `id`, as on Windows.
fn effective_uid_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.status.success() && output.stdout.trim_ascii() == b"0")
}

/// `command` without the shell's libpq settings (PGHOST, PGPORT, PGUSER and
/// the like), which would otherwise fill in what a URL leaves out, and which
/// never prompts for a password (a prompt would wait forever).
fn client(command: &mut Command) -> &mut Command {
    for name in [
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGOPTIONS",
        "PGDATA",
    ] {
        command.env_remove(name);
    }
    command.env("PGCONNECT_TIMEOUT", "10").stdin(Stdio::null())
}

fn succeeds(command: &mut Command) -> bool {
    output(command, "a check").is_ok_and(|output| output.status.success())
}

/// `command`'s output, or Err if it cannot start or is still running after
/// [`PATIENCE`] (then it is killed).
fn output(command: &mut Command, what: &str) -> Result<Output, String> {
    use std::io::Read;

    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("{what} did not start: {error}"))?;
    // Read while it runs, so that a full pipe cannot stop it.
    let readers = [
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    ]
    .map(|pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    });
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{what} was still running after {} seconds",
                    PATIENCE.as_secs()
                ));
            }
            Err(error) => return Err(format!("{what}: {error}")),
        }
    };
    let [stdout, stderr] = readers.map(|reader| reader.join().unwrap_or_default());
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// What a command printed, for a failure's message.
fn printed(output: &Output) -> String {
    format!(
        "{}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
