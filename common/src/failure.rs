//! A request's failure as data, so that every page, log line and mail about it
//! shows the same one. Machinery: a learner can skip this module on a first
//! read; [`crate::error`] holds the lesson.
//!
//! - [`Failure`]: the message, the causes, the backtrace and a reference,
//!   kept for the request that failed (its first failure, if it had several).
//! - [`Uncaught`]: where a failure that never passed through `?` (a handler's
//!   panic) waits until its request asks for it.
//! - [`Frame`] and [`workspace_file`]: a backtrace as frames, and the one place
//!   that tells the app's own code from std's and the libraries'.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use backtrace::{Backtrace, BacktraceSymbol};
use rocket::request::Request;

/// What made a request fail with a 500: an [`crate::AppError`], or a panic.
#[derive(Debug)]
pub struct Failure {
    /// The error's own message, or the panic message.
    pub message: String,
    /// The error's `source()` chain, outermost first.
    pub causes: Vec<String>,
    /// `file:line:column` of a panic.
    pub location: Option<String>,
    /// What kind of failure it is, in words the app chose, never the
    /// request's: an [`crate::ErrorKind`]'s variant (`Database`), or `panic at
    /// <location>` (a panic's message may hold what a visitor sent). With
    /// [`Failure::root_cause`] and [`Failure::origin`], it tells a repeat of a
    /// failure from a new one.
    pub kind: String,
    /// The kind of the innermost cause, where the app knows its type:
    /// `sqlx::Error::Database(code 5)` (SQLite's "database is locked"),
    /// `sqlx::Error::PoolTimedOut`. Empty when there is none.
    pub root_cause: String,
    /// The call stack where it happened, innermost first.
    pub frames: Vec<Frame>,
    /// `E-3f9a21c0`: one short name for the failure, on the 500 page and in
    /// every report of it, so that a visitor's "I got an error" can be matched
    /// to its report.
    pub reference: String,
}

#[derive(Default)]
struct Recorded(OnceLock<Failure>);

/// Failures that reach Rocket without passing through `?`: a handler's panic,
/// which Rocket answers with a 500 and shows no one. An app that catches them
/// manages one of these, and the first to ask for a 500's [`Failure`] records
/// the request's own.
pub struct Uncaught(Box<dyn Fn() -> Option<Failure> + Send + Sync>);

impl Uncaught {
    /// `take`: the failure of the request being answered, if one is waiting.
    pub fn new(take: impl Fn() -> Option<Failure> + Send + Sync + 'static) -> Uncaught {
        Uncaught(Box::new(take))
    }
}

impl Failure {
    /// A failure with a `location` is a panic, and its kind is that location;
    /// any other is an `error` until [`Failure::of_kind`] names it.
    pub fn new(
        message: String,
        causes: Vec<String>,
        location: Option<String>,
        frames: Vec<Frame>,
    ) -> Failure {
        let reference = format!("E-{:08x}", rand::random::<u32>());
        let kind = match &location {
            Some(location) => format!("panic at {location}"),
            None => "error".to_owned(),
        };
        Failure {
            message,
            causes,
            location,
            kind,
            root_cause: String::new(),
            frames,
            reference,
        }
    }

    /// The failure, with its [`Failure::kind`] and [`Failure::root_cause`].
    pub fn of_kind(mut self, kind: impl Into<String>, root_cause: impl Into<String>) -> Failure {
        self.kind = kind.into();
        self.root_cause = root_cause.into();
        self
    }

    /// The messages of `error`'s `source()` chain, outermost first.
    pub fn causes_of(error: &dyn std::error::Error) -> Vec<String> {
        let mut causes: Vec<String> = Vec::new();
        let mut cause = error.source();
        while let Some(error) = cause {
            let text = error.to_string();
            // sqlx's error repeats its source's message: say it once.
            if !causes.last().is_some_and(|last| last.ends_with(&text)) {
                causes.push(text);
            }
            cause = error.source();
        }
        causes
    }

    /// The message followed by every cause, the way anyhow's `{:#}` prints it:
    /// `database query failed: error returned from database: ... UNIQUE constraint failed`.
    pub fn with_causes(&self) -> String {
        std::iter::once(&self.message)
            .chain(&self.causes)
            .cloned()
            .collect::<Vec<_>>()
            .join(": ")
    }

    /// The innermost frame of the app's own code: where in it things went wrong.
    pub fn origin(&self) -> Option<&Frame> {
        self.frames.iter().find(|frame| frame.is_own_code())
    }

    /// The one line a log record gives the failure: the message and every
    /// cause (see [`Failure::with_causes`]), then where a panic happened, with
    /// every control character [`escaped`], so that text a visitor sent (a
    /// panic's message may hold a cookie) can never start a line of its own.
    pub fn summary(&self) -> String {
        let mut summary = escaped(&self.with_causes()).into_owned();
        if let Some(location) = &self.location {
            let _ = write!(summary, " at {}", escaped(location));
        }
        summary
    }

    /// What a log record shows below its line: the backtrace's frames of this
    /// workspace's own code (the rest is std, tokio and Rocket, and would be a
    /// hundred lines more), each on a line of its own that starts with a
    /// newline and two spaces. The app's own words, from the binary's debug
    /// information, [`escaped`] all the same.
    pub fn traceback(&self) -> String {
        let mut traceback = String::new();
        let (own, others): (Vec<&Frame>, Vec<&Frame>) =
            self.frames.iter().partition(|frame| frame.is_own_code());
        for frame in own {
            let _ = write!(traceback, "\n  {}", escaped(&frame.to_string()));
        }
        let others = others.len();
        let _ = write!(
            traceback,
            "\n  ({others} more frames in std, tokio and Rocket)"
        );
        traceback
    }

    /// Logs the failure (Flask's `log_exception`) and keeps it for `req`.
    pub fn record(self, req: &Request<'_>) {
        crate::error::log_exception(req, &self);
        let _ = req.local_cache(Recorded::default).0.set(self);
    }

    /// The failure of `req`, a 500: the one recorded at `?`, or else an
    /// [`Uncaught`] one, recorded now by the first to ask. Ask only for a
    /// 500's failure, so that no other response takes it.
    pub fn of<'r>(req: &'r Request<'_>) -> Option<&'r Failure> {
        let recorded = &req.local_cache(Recorded::default).0;
        if recorded.get().is_none() {
            let uncaught = req.rocket().state::<Uncaught>();
            if let Some(failure) = uncaught.and_then(|uncaught| (uncaught.0)()) {
                failure.record(req);
            }
        }
        recorded.get()
    }
}

/// `text` with every control character (CR, LF, tab, ESC, ...), Unicode's line
/// and paragraph separators and the direction-changing characters written out
/// as Rust writes them (`\u{a}`): one record, one line, that cannot move a
/// terminal's cursor or recolour it. Most text has none, and is returned as it
/// is after one look.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(must_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if must_escape(c) {
            escaped.extend(c.escape_unicode());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// One frame of a backtrace: a function, and where in the source it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub function: String,
    /// The source file, as the compiler recorded it.
    pub file: Option<PathBuf>,
    pub line: Option<u32>,
}

impl Frame {
    /// The frames of `backtrace`, innermost first, looked up now (the slow
    /// part: reading debug information). An inlined call is a frame of its
    /// own, as in std's printed backtraces.
    ///
    /// Only frames in this program's own code are looked up. The outermost
    /// frames of every thread are the operating system's (libc's
    /// `start_thread`, say), and looking them up would read the system
    /// library's debug information where it is installed (Debian's
    /// `libc6-dbg`): some 35 MB, kept for the process's life, to name frames
    /// that every report collapses anyway. They stay `<system library>`.
    pub fn all_of(backtrace: Backtrace) -> Vec<Frame> {
        backtrace
            .frames()
            .iter()
            .cloned()
            .flat_map(|mut frame| {
                if !in_this_program(frame.ip() as usize) {
                    return vec![Frame::in_a_system_library()];
                }
                frame.resolve();
                frame.symbols().iter().map(Frame::from).collect()
            })
            .collect()
    }

    fn in_a_system_library() -> Frame {
        Frame {
            function: "<system library>".to_owned(),
            file: None,
            line: None,
        }
    }

    /// The frames below the capture: those after the last one in `file`, the
    /// file that captured the backtrace. The stack then starts where the
    /// failure did (the `?`, the panic), not in the code that recorded it.
    pub fn since(file: &str, frames: Vec<Frame>) -> Vec<Frame> {
        let in_capturing_file =
            |frame: &Frame| frame.file.as_deref().and_then(workspace_file) == Some(Path::new(file));
        match frames.iter().rposition(in_capturing_file) {
            Some(last) => frames.into_iter().skip(last + 1).collect(),
            None => frames,
        }
    }

    /// Whether the frame is in this workspace's own code, rather than in std,
    /// a dependency or the C library: see [`workspace_file`].
    pub fn is_own_code(&self) -> bool {
        self.file.as_deref().and_then(workspace_file).is_some()
    }
}

impl From<&BacktraceSymbol> for Frame {
    fn from(symbol: &BacktraceSymbol) -> Frame {
        Frame {
            // `{:#}`: demangled, without the `::h0123...` hash.
            function: symbol
                .name()
                .map_or_else(|| "<unknown>".to_owned(), |name| format!("{name:#}")),
            file: symbol.filename().map(Path::to_path_buf),
            line: symbol.lineno(),
        }
    }
}

/// Whether the code at `address` is this program's (the executable, which
/// links std, Rocket and every other crate statically) rather than a shared
/// system library's. An executable's code is one mapping, tens of megabytes
/// at most; the loader maps shared libraries elsewhere, terabytes away on
/// Linux, macOS and Windows alike. No crate answers this without `unsafe`
/// (`dladdr`, `dl_iterate_phdr`), so it is decided by distance from a
/// function of this program.
fn in_this_program(address: usize) -> bool {
    const SPAN: u64 = 1 << 32;
    let here = Frame::all_of as fn(Backtrace) -> Vec<Frame> as usize;
    (address as u64).abs_diff(here as u64) < SPAN
}

/// `file` relative to the workspace, if it is one of the workspace's own Rust
/// sources; `None` for the standard library (`/rustc/...`), a dependency
/// (wherever cargo keeps them: `~/.cargo/registry`, `/usr/local/cargo`, a
/// vendor folder) and generated code under `target/`. The one place that
/// decides "our code or a library's": the debug page, the log and the mail
/// all ask here. The workspace is where this crate was compiled from.
pub fn workspace_file(file: &Path) -> Option<&Path> {
    let root = workspace_root();
    // Cargo names a member's files relative to the workspace, so the debug
    // information may hold either form.
    let relative = match file.strip_prefix(root) {
        Ok(relative) => relative,
        Err(_) if file.is_relative() => file,
        Err(_) => return None,
    };
    let first = relative.components().next()?.as_os_str().to_str()?;
    let hidden_or_built = first.starts_with('.') || first == "target" || first == "vendor";
    let rust = relative
        .extension()
        .is_some_and(|extension| extension == "rs");
    (rust && !hidden_or_built).then_some(relative)
}

/// The workspace's folder: where this crate was compiled from, one up.
pub fn workspace_root() -> &'static Path {
    let this_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    this_crate.parent().unwrap_or(this_crate)
}

impl fmt::Display for Frame {
    /// `common::routes::edit_profile::{{closure}} at common/src/routes.rs:290`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.function)?;
        if let (Some(file), Some(line)) = (&self.file, self.line) {
            let shown = workspace_file(file).unwrap_or(file);
            write!(f, " at {}:{line}", shown.display())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace")
    }

    #[test]
    fn the_workspaces_own_sources_are_its_code_absolute_or_relative() {
        let absolute = root().join("common/src/routes.rs");
        assert_eq!(
            workspace_file(&absolute),
            Some(Path::new("common/src/routes.rs"))
        );
        let relative = Path::new("chapters/ch07-1-debug-mode/src/lib.rs");
        assert_eq!(workspace_file(relative), Some(relative));
    }

    /// Whatever `CARGO_HOME` is (the official Docker image sets
    /// `/usr/local/cargo`), a dependency is not the workspace's code.
    #[test]
    fn std_and_dependencies_wherever_cargo_keeps_them_are_not() {
        let elsewhere = [
            "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/panicking.rs",
            "/usr/local/cargo/registry/src/index.crates.io-1949cf8c6b5b557f/rocket-0.5.2/src/server.rs",
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tokio-1.48.0/src/runtime/task/mod.rs",
            "/opt/cargo-home/git/checkouts/some-crate/src/lib.rs",
        ];
        for file in elsewhere {
            assert_eq!(workspace_file(Path::new(file)), None, "{file}");
        }
        for inside in [
            ".cargo/registry/src/x/lib.rs",
            "target/debug/build/x/out/generated.rs",
        ] {
            assert_eq!(workspace_file(&root().join(inside)), None, "{inside}");
        }
        assert_eq!(workspace_file(&root().join("migrations/1_init.sql")), None);
    }

    #[test]
    fn a_frame_shows_its_function_and_where_relative_to_the_workspace() {
        let frame = Frame {
            function: "common::routes::edit_profile::{{closure}}".to_owned(),
            file: Some(root().join("common/src/routes.rs")),
            line: Some(290),
        };
        assert!(frame.is_own_code());
        assert_eq!(
            frame.to_string(),
            "common::routes::edit_profile::{{closure}} at common/src/routes.rs:290"
        );
    }

    /// A panic's message can hold what a visitor sent (a cookie, say): its
    /// newline must not start a line that looks like another record.
    #[test]
    fn the_summary_of_a_failure_is_one_line_whatever_its_text_holds() {
        let failure = Failure::new(
            "panicked: 1:\u{e9}\nFORGED".to_owned(),
            vec!["a cause\r\n2099-01-01 00:00:00,000 ERROR: Exception on /admin".to_owned()],
            Some("src/flash.rs:259:25".to_owned()),
            Vec::new(),
        );
        let summary = failure.summary();
        assert_eq!(
            summary,
            "panicked: 1:\u{e9}\\u{a}FORGED: a cause\\u{d}\\u{a}2099-01-01 00:00:00,000 ERROR: Exception on /admin at src/flash.rs:259:25"
        );
        assert!(!summary.contains(['\n', '\r']));
        assert_eq!(
            escaped("tab\there, bell\u{7}, \u{2028}, \u{202e}"),
            "tab\\u{9}here, bell\\u{7}, \\u{2028}, \\u{202e}"
        );
        assert!(matches!(escaped("nothing to escape"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_panics_kind_is_its_location_never_its_message() {
        let panic = |message: &str| {
            Failure::new(
                message.to_owned(),
                Vec::new(),
                Some("src/flash.rs:259:25".to_owned()),
                Vec::new(),
            )
        };
        assert_eq!(
            panic("panicked: one cookie").kind,
            "panic at src/flash.rs:259:25"
        );
        assert_eq!(
            panic("panicked: another").kind,
            panic("panicked: one cookie").kind
        );
        let error = Failure::new(
            "database query failed".to_owned(),
            Vec::new(),
            None,
            Vec::new(),
        );
        assert_eq!(error.kind, "error");
        let error = error.of_kind("Database", "sqlx::Error::PoolTimedOut");
        assert_eq!(
            (error.kind.as_str(), error.root_cause.as_str()),
            ("Database", "sqlx::Error::PoolTimedOut")
        );
    }

    #[test]
    fn a_failure_starts_below_the_code_that_captured_it() {
        let frames = Frame::since(file!(), Frame::all_of(Backtrace::new_unresolved()));
        let first_own = frames.iter().find(|frame| frame.is_own_code());
        // Everything in this file is dropped, this test included: what is left
        // is the test harness, in std.
        assert!(first_own.is_none(), "{first_own:?}");
        assert!(!frames.is_empty());
    }

    /// A thread's outermost frames are the C library's (`start_thread`,
    /// `clone3`): they are not looked up, so its debug information is never
    /// read.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_threads_outermost_frames_are_the_system_librarys_and_not_looked_up() {
        let frames = std::thread::spawn(|| Frame::all_of(Backtrace::new_unresolved()))
            .join()
            .expect("the thread");
        let last = frames.last().expect("frames");
        assert_eq!(last.function, "<system library>", "{frames:#?}");
        assert!(frames
            .iter()
            .any(|frame| frame.function.starts_with("std::")));
        assert!(in_this_program(
            in_this_program as fn(usize) -> bool as usize
        ));
    }

    #[test]
    fn a_captured_backtrace_names_this_function_and_file() {
        let frames = Frame::all_of(Backtrace::new_unresolved());
        let here = frames
            .iter()
            .find(|frame| {
                frame
                    .function
                    .contains("a_captured_backtrace_names_this_function")
            })
            .expect("this test's own frame");
        assert!(here.is_own_code(), "{here}");
        assert!(
            here.to_string().contains(" at common/src/failure.rs:"),
            "{here}"
        );
    }
}
