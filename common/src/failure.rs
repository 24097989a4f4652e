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

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use backtrace::Backtrace;
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
    pub fn new(
        message: String,
        causes: Vec<String>,
        location: Option<String>,
        frames: Vec<Frame>,
    ) -> Failure {
        let reference = format!("E-{:08x}", rand::random::<u32>());
        Failure {
            message,
            causes,
            location,
            frames,
            reference,
        }
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

    /// What a log line shows after the message: where a panic happened, then
    /// the backtrace's frames of this workspace's own code (the rest is std,
    /// tokio and Rocket, and would be a hundred lines more), each on a line.
    pub fn traceback(&self) -> String {
        let mut traceback = String::new();
        if let Some(location) = &self.location {
            let _ = write!(traceback, " at {location}");
        }
        let (own, others): (Vec<&Frame>, Vec<&Frame>) =
            self.frames.iter().partition(|frame| frame.is_own_code());
        for frame in own {
            let _ = write!(traceback, "\n  {frame}");
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
    /// part: reading the binary's debug information). An inlined call is a
    /// frame of its own, as in std's printed backtraces.
    pub fn all_of(mut backtrace: Backtrace) -> Vec<Frame> {
        backtrace.resolve();
        backtrace
            .frames()
            .iter()
            .flat_map(|frame| frame.symbols())
            .map(|symbol| Frame {
                // `{:#}`: demangled, without the `::h0123...` hash.
                function: symbol
                    .name()
                    .map_or_else(|| "<unknown>".to_owned(), |name| format!("{name:#}")),
                file: symbol.filename().map(Path::to_path_buf),
                line: symbol.lineno(),
            })
            .collect()
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

    #[test]
    fn a_failure_starts_below_the_code_that_captured_it() {
        let frames = Frame::since(file!(), Frame::all_of(Backtrace::new_unresolved()));
        let first_own = frames.iter().find(|frame| frame.is_own_code());
        // Everything in this file is dropped, this test included: what is left
        // is the test harness, in std.
        assert!(first_own.is_none(), "{first_own:?}");
        assert!(!frames.is_empty());
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
