//! `cargo bench -p ch07-5-duplicate-username [-- --concurrency N --seconds S]`
//!
//! The chapter's error paths under load, each pair in the same run so that the
//! ratios hold on a noisy machine. It starts the release binaries on loopback,
//! (each with `test_support::ChildApp`, as the tests start them) and
//! drives them with keep-alive HTTP/1.1 connections (hyper) and prints, per
//! scenario: requests per second, p50 and p99 latency (hdrhistogram), the
//! server's peak resident memory, and any response with an unexpected status.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use rocket::tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use rocket::tokio::net::{TcpListener, TcpStream};
use rocket::tokio::{self, task::JoinSet, time::sleep};
use test_support::{csrf_token_in, ChildApp};

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Options {
    concurrency: usize,
    seconds: u64,
}

impl Options {
    fn from_args() -> Options {
        let mut options = Options {
            concurrency: 16,
            seconds: 6,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().and_then(|value| value.parse().ok());
            match arg.as_str() {
                "--concurrency" => options.concurrency = value().unwrap_or(options.concurrency),
                "--seconds" => options.seconds = value().unwrap_or(options.seconds as usize) as u64,
                _ => {} // `cargo bench` passes `--bench`.
            }
        }
        options
    }
}

/// The address a started binary listens on.
fn addr(server: &ChildApp) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], server.port))
}

/// One request, as the load generator repeats it.
#[derive(Clone)]
struct Call {
    method: &'static str,
    path: String,
    cookie: Option<String>,
    form: Option<String>,
}

impl Call {
    fn get(path: &str) -> Call {
        Call {
            method: "GET",
            path: path.to_owned(),
            cookie: None,
            form: None,
        }
    }

    fn request(&self, addr: SocketAddr) -> Request<Full<Bytes>> {
        let mut request = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .header("host", addr.to_string());
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        if self.form.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let body = Bytes::from(self.form.clone().unwrap_or_default());
        request.body(Full::new(body)).expect("a valid request")
    }
}

struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Result<Connection, Failure> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Connection { sender })
    }

    async fn send(
        &mut self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, hyper::HeaderMap, Bytes), Failure> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        Ok((
            parts.status,
            parts.headers,
            body.collect().await?.to_bytes(),
        ))
    }
}

/// Signs up `susan` and `john`, signs in as john (with the tests' own client)
/// and returns his session cookie and a CSRF token for his forms.
fn sign_in_john(server: &ChildApp) -> (String, String) {
    server.signed_in("susan");
    let john = server.signed_in("john");
    let form = john.get("/edit_profile");
    let token = csrf_token_in(&form.body).unwrap_or_default().to_owned();
    (john.cookie_header(), token)
}

struct Outcome {
    requests: u64,
    unexpected: u64,
    seconds: f64,
    latency: Histogram<u64>,
}

/// `concurrency` keep-alive connections repeating `call` for `seconds`.
async fn load(addr: SocketAddr, call: Call, expected: StatusCode, options: &Options) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let call = Arc::new(call);
    let mut workers = JoinSet::new();
    for _ in 0..options.concurrency {
        let call = call.clone();
        workers.spawn(async move {
            let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
            let (mut requests, mut unexpected) = (0u64, 0u64);
            let mut connection = None;
            while Instant::now() < deadline {
                if connection.is_none() {
                    connection = Connection::open(addr).await.ok();
                }
                let Some(open) = connection.as_mut() else {
                    unexpected += 1;
                    continue;
                };
                let started = Instant::now();
                match open.send(call.request(addr)).await {
                    Ok((status, _, _)) => {
                        let _ = latency.record(started.elapsed().as_micros() as u64);
                        requests += 1;
                        if status != expected {
                            unexpected += 1;
                        }
                    }
                    Err(_) => {
                        unexpected += 1;
                        connection = None;
                    }
                }
            }
            (requests, unexpected, latency)
        });
    }
    let started = Instant::now();
    let mut outcome = Outcome {
        requests: 0,
        unexpected: 0,
        seconds: 0.0,
        latency: Histogram::new_with_bounds(1, 60_000_000, 3).expect("bounds"),
    };
    while let Some(Ok((requests, unexpected, latency))) = workers.join_next().await {
        outcome.requests += requests;
        outcome.unexpected += unexpected;
        let _ = outcome.latency.add(latency);
    }
    outcome.seconds = started.elapsed().as_secs_f64().max(options.seconds as f64);
    outcome
}

struct Row {
    scenario: String,
    outcome: Outcome,
    peak_rss_mib: Option<f64>,
}

impl Row {
    fn rps(&self) -> f64 {
        self.outcome.requests as f64 / self.outcome.seconds
    }

    fn p99_ms(&self) -> f64 {
        self.outcome.latency.value_at_quantile(0.99) as f64 / 1000.0
    }

    fn print(&self) {
        let latency = &self.outcome.latency;
        println!(
            "{:<44} {:>9.0} {:>9.2} {:>9.2} {:>9} {:>10}",
            self.scenario,
            self.rps(),
            latency.value_at_quantile(0.50) as f64 / 1000.0,
            self.p99_ms(),
            self.peak_rss_mib
                .map_or("?".to_owned(), |mib| format!("{mib:.1}")),
            self.outcome.unexpected,
        );
    }
}

/// An SMTP server that waits a second before every reply it gives.
async fn slow_smtp_sink() -> Result<SocketAddr, Failure> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                if slow_reply(&mut write, "220 slow-sink ESMTP\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let answer = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        "250 OK\r\n"
                    } else if line.eq_ignore_ascii_case("DATA") {
                        in_data = true;
                        "354 go ahead\r\n"
                    } else if line.eq_ignore_ascii_case("QUIT") {
                        let _ = slow_reply(&mut write, "221 bye\r\n").await;
                        return;
                    } else {
                        "250 OK\r\n"
                    };
                    if slow_reply(&mut write, answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(addr)
}

async fn slow_reply(
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    text: &str,
) -> std::io::Result<()> {
    sleep(Duration::from_secs(1)).await;
    write.write_all(text.as_bytes()).await
}

/// Builds the binaries of the other packages the comparison needs.
fn build_release(args: &[&str]) -> Result<(), Failure> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet"])
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build --release {args:?} failed").into())
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path to the binary")
}

fn release_binary(name: &str) -> PathBuf {
    // This bench is itself in target/release/deps.
    let exe = std::env::current_exe().expect("the bench's path");
    let release = exe.parent().and_then(Path::parent).expect("target/release");
    release.join(name)
}

/// The scenarios run so far, printed as they finish.
struct Bench {
    options: Options,
    rows: Vec<Row>,
}

impl Bench {
    async fn run(&mut self, name: &str, server: &ChildApp, call: Call, expected: StatusCode) {
        let memory = server.watch_memory();
        let outcome = load(addr(server), call, expected, &self.options).await;
        let row = Row {
            scenario: name.to_owned(),
            outcome,
            peak_rss_mib: memory.peak_kib().map(|kib| kib as f64 / 1024.0),
        };
        row.print();
        self.rows.push(row);
    }
}

#[rocket::main]
async fn main() -> Result<(), Failure> {
    let options = Options::from_args();
    println!("building the other binaries (release)...");
    build_release(&["-p", "ch07-3-email-errors", "-p", "ch07-4-file-logging"])?;
    build_release(&["-p", "ch07-5-duplicate-username", "--example", "bare_404"])?;
    build_release(&[
        "-p",
        "ch07-5-duplicate-username",
        "--example",
        "with_a_panic",
    ])?;
    let step5 = PathBuf::from(env!("CARGO_BIN_EXE_ch07-5-duplicate-username"));
    let bare = release_binary("examples/bare_404");

    println!(
        "\n{} connections, {} s a scenario, on {} cores\n",
        options.concurrency,
        options.seconds,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "scenario", "req/s", "p50 ms", "p99 ms", "RSS MiB", "unexpected"
    );
    let mut bench = Bench {
        options,
        rows: Vec::new(),
    };

    let server = ChildApp::start(path_str(&bare), &[]);
    bench
        .run(
            "0  bare Rocket app: its Tera 404",
            &server,
            Call::get("/nope"),
            StatusCode::NOT_FOUND,
        )
        .await;
    drop(server);

    let server = ChildApp::start(path_str(&step5), &[]);
    bench
        .run(
            "1  step 5: GET /login",
            &server,
            Call::get("/login"),
            StatusCode::OK,
        )
        .await;
    bench
        .run(
            "2  step 5: the 404 page",
            &server,
            Call::get("/nope"),
            StatusCode::NOT_FOUND,
        )
        .await;
    let (cookie, _) = sign_in_john(&server);
    let index = Call {
        cookie: Some(cookie),
        ..Call::get("/index")
    };
    bench
        .run(
            "3  step 5: signed-in GET /index",
            &server,
            index,
            StatusCode::OK,
        )
        .await;
    drop(server);

    // The failing rename needs the bug: step 4 is the last step that has it.
    let step4 = release_binary("ch07-4-file-logging");
    let failing_rename = |server: &ChildApp| {
        let (cookie, token) = sign_in_john(server);
        Call {
            method: "POST",
            path: "/edit_profile".to_owned(),
            cookie: Some(cookie),
            form: Some(format!("username=susan&about_me=x&csrf_token={token}")),
        }
    };
    let server = ChildApp::start(path_str(&step4), &[]);
    let call = failing_rename(&server);
    bench
        .run(
            "4a step 4: failing rename, no mail",
            &server,
            call,
            StatusCode::INTERNAL_SERVER_ERROR,
        )
        .await;
    drop(server);
    let sink = slow_smtp_sink().await?;
    let sink_port = sink.port().to_string();
    let mail = [
        ("MAIL_SERVER", "127.0.0.1"),
        ("MAIL_PORT", sink_port.as_str()),
    ];
    let server = ChildApp::start(path_str(&step4), &mail);
    let call = failing_rename(&server);
    bench
        .run(
            "4b step 4: failing rename, SMTP replies in 1 s",
            &server,
            call,
            StatusCode::INTERNAL_SERVER_ERROR,
        )
        .await;
    drop(server);

    let server = ChildApp::start(path_str(&release_binary("ch07-3-email-errors")), &[]);
    bench
        .run(
            "5a step 3: the 404 page (no log file)",
            &server,
            Call::get("/nope"),
            StatusCode::NOT_FOUND,
        )
        .await;
    drop(server);
    let server = ChildApp::start(path_str(&step4), &[]);
    bench
        .run(
            "5b step 4: the 404 page (rotating log file)",
            &server,
            Call::get("/nope"),
            StatusCode::NOT_FOUND,
        )
        .await;
    drop(server);

    let peaks = test_support::error_path_peaks(path_str(&release_binary("examples/with_a_panic")));
    let (first_500_mib, more_mib) = (peaks.first_500_mib, peaks.thousand_more_mib);

    let rows = bench.rows;
    let find = |prefix: &str| rows.iter().find(|row| row.scenario.starts_with(prefix));
    let ratio = |a: &str, b: &str, f: fn(&Row) -> f64| match (find(a), find(b)) {
        (Some(a), Some(b)) => f(a) / f(b),
        _ => f64::NAN,
    };
    println!();
    println!(
        "4b/4a p99 ratio:                    {:.2}  (goal: at most 1.5)",
        ratio("4b", "4a", Row::p99_ms)
    );
    println!(
        "404 with / without the log file:    {:.2}  (goal: at least 0.95)",
        ratio("5b", "5a", Row::rps)
    );
    println!(
        "step-5 404 / bare 404 throughput:   {:.2}  (goal: at least 0.9)",
        ratio("2 ", "0 ", Row::rps)
    );
    println!(
        "step-5 /login / bare 404 throughput: {:.2}  (goal: at least 0.8)",
        ratio("1 ", "0 ", Row::rps)
    );
    println!(
        "error path peak RSS, first 500 / 1,000 more: {first_500_mib} / {more_mib} MiB  (goal: at most 64)"
    );
    let unexpected: u64 = rows.iter().map(|row| row.outcome.unexpected).sum();
    println!("responses with an unexpected status, or failed: {unexpected}  (goal: 0)");
    Ok(())
}
