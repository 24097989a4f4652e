//! # Exercise 9 · Logging to a file: rotation
//!
//! Flask's log file is
//! `RotatingFileHandler('logs/microblog.log', maxBytes=10240, backupCount=10)`:
//! before a record would take the file to `maxBytes`, the file is *rolled
//! over*. `microblog.log.9` becomes `.10` (the oldest backup is lost),
//! `.8` becomes `.9`, and so on, `.1` becomes `.2`, and the file itself
//! becomes `.1`. The record then starts a new, empty file. So `.1` is always
//! the newest backup, and there are never more than `backupCount`.
//!
//! `RotatingFile` is such a file, for `tracing`'s writer, which hands it one
//! whole record per `write`. Opening and writing are done. Write:
//!
//! 1. `should_roll_over`: whether a record of `record_len` bytes, written to a
//!    file that holds `size` bytes, would take it to `max_bytes` or beyond.
//!    An empty file never rolls over (however long the record), or a record
//!    longer than `max_bytes` would roll over empty files forever.
//! 2. `roll_over`: the renames above. A backup that is not there is skipped.
//!
//! The chapter's version is `RotatingFile`, in chapters/ch07-4-file-logging/.
//!
//! Check it: `cargo test -p exercises --test ex09`
//! Stuck? `cargo run -p exercises --bin hint -- 9`

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    backup_count: u32,
    /// The open file and how many bytes it holds, once a record has come.
    file: Option<(File, u64)>,
}

impl RotatingFile {
    pub fn new(path: &Path, max_bytes: u64, backup_count: u32) -> Self {
        RotatingFile {
            path: path.to_owned(),
            max_bytes,
            backup_count,
            file: None,
        }
    }

    /// `microblog.log.3` for 3.
    pub fn backup(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// `shouldRollover()`.
    pub fn should_roll_over(&self, size: u64, record_len: u64) -> bool {
        // TODO: would this record take the file to `max_bytes`?
        let _ = (size, record_len, self.max_bytes);
        false
    }

    /// `doRollover()`. The file is closed first.
    fn roll_over(&mut self) -> io::Result<()> {
        self.file = None;
        // TODO: shift the backups up by one, and make the file `.1`.
        let _ = self.backup_count;
        Ok(())
    }

    /// The file as it is now, opened (and created) if need be.
    fn open(&mut self) -> io::Result<(File, u64)> {
        if let Some(open) = self.file.take() {
            return Ok(open);
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let size = file.metadata()?.len();
        Ok((file, size))
    }
}

impl Write for RotatingFile {
    fn write(&mut self, record: &[u8]) -> io::Result<usize> {
        let (mut file, mut size) = self.open()?;
        if self.should_roll_over(size, record.len() as u64) {
            drop(file);
            self.roll_over()?;
            (file, size) = self.open()?;
        }
        file.write_all(record)?;
        self.file = Some((file, size + record.len() as u64));
        Ok(record.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some((file, _)) => file.flush(),
            None => Ok(()),
        }
    }
}
