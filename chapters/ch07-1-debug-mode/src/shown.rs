//! A failure as the debug page shows it. Machinery: a learner can skip this
//! module on a first read.
//!
//! The report holds the request the failure happened to, its cause chain, and
//! its backtrace as frames, with the source lines of the frames in this
//! workspace.

use std::path::Path;

use common::failure::{workspace_file, workspace_root, Failure, Frame};
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
    /// `vscode://file/...:290`: the frame in the developer's editor, when an
    /// editor URL template is configured (`DEBUGGER_EDITOR`).
    pub link: Option<String>,
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
    /// `editor`: a URL template with `{file}` and `{line}`, for links to the
    /// app's own frames.
    pub fn new(req: &Request<'_>, failure: Option<&Failure>, editor: Option<&str>) -> ShownFailure {
        let (headline, causes, location, frames) = match failure {
            Some(failure) => (
                failure.message.clone(),
                failure.causes.clone(),
                failure.location.clone(),
                from_the_apps_own(&failure.frames)
                    .iter()
                    .map(|frame| with_source(frame, editor))
                    .collect(),
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

/// The frames from the first of the app's own on: the library frames above it
/// (the `?` operator's `from_residual`, std's panic machinery) say only how the
/// failure got out, and the page opens on the app's code. All of them when
/// none is the app's.
fn from_the_apps_own(frames: &[Frame]) -> &[Frame] {
    let first = frames.iter().position(Frame::is_own_code).unwrap_or(0);
    &frames[first..]
}

/// A frame with the source lines around it when the file is one of this
/// workspace's (common's [`workspace_file`] decides).
fn with_source(frame: &Frame, editor: Option<&str>) -> ShownFrame {
    let own = frame.file.as_deref().and_then(workspace_file);
    match (own, frame.line) {
        (Some(relative), Some(line)) => {
            let absolute = workspace_root().join(relative);
            let link = editor.map(|template| {
                template
                    .replace("{file}", &absolute.display().to_string())
                    .replace("{line}", &line.to_string())
            });
            ShownFrame {
                function: frame.function.clone(),
                file: Some(relative.display().to_string()),
                line: Some(line),
                link,
                source: source_around(&absolute, line),
            }
        }
        _ => ShownFrame {
            function: frame.function.clone(),
            file: frame.file.as_ref().map(|file| file.display().to_string()),
            line: frame.line,
            link: None,
            source: Vec::new(),
        },
    }
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
        // The book's `// ANCHOR: name` markers are not code.
        .filter(|(number, text)| *number == line || !is_anchor_marker(text))
        .map(|(number, text)| SourceLine {
            number,
            text: text.to_owned(),
            current: number == line,
        })
        .collect()
}

/// `// ANCHOR: name` or `// ANCHOR_END: name`: where the book cuts a listing.
fn is_anchor_marker(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("// ANCHOR:") || line.starts_with("// ANCHOR_END:")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn the_frames_start_at_the_apps_own() {
        let frame = |function: &str, file: &str| Frame {
            function: function.to_owned(),
            file: Some(workspace_root().join(file)),
            line: Some(1),
        };
        let library = Frame {
            function: "from_residual".to_owned(),
            file: Some(PathBuf::from("/rustc/0123/library/core/src/result.rs")),
            line: Some(1),
        };
        let handler = frame("edit_profile", "common/src/routes.rs");
        let frames = [library.clone(), handler.clone(), library.clone()];
        assert_eq!(from_the_apps_own(&frames), [handler, library.clone()]);
        let alone = [library];
        assert_eq!(from_the_apps_own(&alone), alone);
    }

    #[test]
    fn anchor_markers_are_left_out_of_the_source_and_line_numbers_kept() {
        let path: PathBuf =
            std::env::temp_dir().join(format!("shown-anchors-{}.rs", std::process::id()));
        let text =
            "fn a() {}\n// ANCHOR: b\nfn b() {\n    fail()?;\n}\n    // ANCHOR_END: b\nfn c() {}\n";
        std::fs::write(&path, text).expect("a temporary file");
        let shown = source_around(&path, 4);
        let _ = std::fs::remove_file(&path);
        let numbers: Vec<usize> = shown.iter().map(|line| line.number).collect();
        assert_eq!(numbers, [1, 3, 4, 5, 7]);
        assert!(shown.iter().all(|line| !line.text.contains("ANCHOR")));
        assert!(shown
            .iter()
            .any(|line| line.current && line.text == "    fail()?;"));
    }
}
