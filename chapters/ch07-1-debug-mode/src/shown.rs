//! A failure as the debug page shows it: the request it happened to, its cause
//! chain, and its backtrace as frames, with the source lines of the frames in
//! this workspace. Machinery: a learner can skip this module.

use std::path::Path;

use common::error::{workspace_file, Failure};
use rocket::Request;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ShownFailure {
    /// One line, shown even while the debugger is locked.
    pub headline: String,
    /// The failure's reference, as the log and the mail give it.
    pub reference: Option<String>,
    pub causes: Vec<String>,
    pub location: Option<String>,
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub frames: Vec<ShownFrame>,
}

#[derive(Debug, Serialize)]
pub struct ShownFrame {
    pub function: String,
    /// `common/src/routes.rs`, relative to the workspace for its own files.
    pub file: Option<String>,
    pub line: Option<u32>,
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

impl ShownFailure {
    pub fn new(req: &Request<'_>, failure: Option<&Failure>) -> ShownFailure {
        let (headline, causes, location, frames) = match failure {
            Some(failure) => (
                failure.message.clone(),
                failure.causes.clone(),
                failure.location.clone(),
                failure.frames.iter().map(with_source).collect(),
            ),
            // A 500 with no recorded failure: a catcher or a guard answered 500
            // without an error to show.
            None => ("500 Internal Server Error".to_owned(), vec![], None, vec![]),
        };
        ShownFailure {
            headline,
            reference: failure.map(|failure| failure.reference.clone()),
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

/// A frame with the source lines around it when the file is one of this
/// workspace's (common's [`workspace_file`] decides).
fn with_source(frame: &common::error::Frame) -> ShownFrame {
    let own = frame.file.as_deref().and_then(workspace_file);
    match (own, frame.line) {
        (Some(relative), Some(line)) => ShownFrame {
            function: frame.function.clone(),
            file: Some(relative.display().to_string()),
            line: Some(line),
            source: source_around(&workspace().join(relative), line),
        },
        _ => ShownFrame {
            function: frame.function.clone(),
            file: frame.file.as_ref().map(|file| file.display().to_string()),
            line: frame.line,
            source: Vec::new(),
        },
    }
}

/// The workspace root, where the relative paths start.
fn workspace() -> &'static Path {
    let this_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    this_crate.ancestors().nth(2).unwrap_or(this_crate)
}

fn source_around(path: &Path, line: u32) -> Vec<SourceLine> {
    let line = line as usize;
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
