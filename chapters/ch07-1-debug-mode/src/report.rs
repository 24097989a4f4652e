//! A failure made readable: the request it happened to, its cause chain, and its
//! backtrace as frames, with the source lines of the frames in this workspace.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::Failure;
use rocket::Request;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Report {
    /// One line, shown even while the debugger is locked.
    pub headline: String,
    pub causes: Vec<String>,
    pub location: Option<String>,
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub frames: Vec<Frame>,
}

#[derive(Debug, Serialize)]
pub struct Frame {
    pub function: String,
    /// `common/src/routes.rs`, relative to the workspace for its own files.
    pub file: Option<String>,
    pub line: Option<usize>,
    /// The lines around `line`, for frames in this workspace's own sources.
    pub source: Vec<SourceLine>,
}

#[derive(Debug, Serialize)]
pub struct SourceLine {
    pub number: usize,
    pub text: String,
    pub current: bool,
}

const CONTEXT_LINES: usize = 5;

impl Report {
    pub fn new(req: &Request<'_>, failure: Option<&Failure>) -> Report {
        let (headline, causes, location, frames) = match failure {
            Some(failure) => (
                failure.message.clone(),
                failure.causes.clone(),
                failure.location.clone(),
                failure.frames().into_iter().map(with_source).collect(),
            ),
            // A 500 with no recorded failure: a catcher or a guard answered 500
            // without an error to show.
            None => ("500 Internal Server Error".to_owned(), vec![], None, vec![]),
        };
        Report {
            headline,
            causes,
            location,
            method: req.method().to_string(),
            uri: req.uri().to_string(),
            headers: req
                .headers()
                .iter()
                .map(|h| mask(h.name().as_str(), h.value()))
                .collect(),
            frames,
        }
    }
}

// ANCHOR: mask
/// Cookie values are secrets (the session!), so only their names are shown.
fn mask(name: &str, value: &str) -> (String, String) {
    let shown = if name.eq_ignore_ascii_case("cookie") {
        value
            .split(';')
            .map(|pair| format!("{}=••••••", pair.split('=').next().unwrap_or("").trim()))
            .collect::<Vec<_>>()
            .join("; ")
    } else if name.eq_ignore_ascii_case("authorization") {
        "••••••".to_owned()
    } else {
        value.to_owned()
    };
    (name.to_owned(), shown)
}
// ANCHOR_END: mask

/// A frame from `common`'s parser, with the source lines around it when the
/// file is one of this workspace's.
fn with_source(frame: common::Frame) -> Frame {
    let own = frame
        .file
        .as_deref()
        .and_then(|file| own_source(Path::new(file)));
    match (own, frame.line) {
        (Some((relative, absolute)), Some(line)) => Frame {
            function: frame.function,
            file: Some(relative),
            line: Some(line),
            source: source_around(&absolute, line),
        },
        _ => Frame {
            function: frame.function,
            file: frame.file,
            line: frame.line,
            source: Vec::new(),
        },
    }
}

/// The workspace root, where Cargo.toml lists the members.
fn workspace() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        root.canonicalize().unwrap_or(root)
    })
}

/// `(relative, absolute)` paths for a file of this workspace, `None` for others
/// (the standard library, crates from the registry).
fn own_source(path: &Path) -> Option<(String, PathBuf)> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        workspace().join(path)
    };
    let absolute = absolute.canonicalize().ok()?;
    let relative = absolute.strip_prefix(workspace()).ok()?;
    if relative.starts_with("target") {
        return None;
    }
    Some((relative.display().to_string(), absolute))
}

fn source_around(path: &Path, line: usize) -> Vec<SourceLine> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let first = line.saturating_sub(CONTEXT_LINES).max(1);
    text.lines()
        .enumerate()
        .map(|(index, text)| (index + 1, text))
        .skip(first - 1)
        .take(line + CONTEXT_LINES + 1 - first)
        .map(|(number, text)| SourceLine {
            number,
            text: text.to_owned(),
            current: number == line,
        })
        .collect()
}
