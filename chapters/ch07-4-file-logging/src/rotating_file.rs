//! The rotation of `RotatingFileHandler`. Machinery: a learner can skip this
//! module on a first read; `lib.rs` shows how it is set up.
//!
//! `RotatingFileHandler('logs/microblog.log', maxBytes=10240, backupCount=10)`:
//! a file that is renamed to `.1` (and `.1` to `.2`, and so on) before a
//! record would take it to `maxBytes`.
//!
//! Why not a crate: `file-rotate` 0.8 panics in the writer thread when `logs/`
//! becomes unusable while the app runs (an `assert!` on a rename, an `expect`
//! on creating the directory), and then drops every later record without an
//! error. Python's rollover is a handful of renames, and so is this one; every
//! failure is an `io::Error` that the caller can report, and the next record
//! tries again from scratch, so logging resumes once `logs/` is usable.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    backup_count: u32,
    /// The open file and what it holds, or `None` until the next record
    /// (re)opens it.
    file: Option<(File, u64)>,
}

impl RotatingFile {
    /// The file is opened (and `logs/` created) at the first record.
    pub fn new(path: &Path, max_bytes: u64, backup_count: u32) -> Self {
        RotatingFile {
            path: path.to_owned(),
            max_bytes,
            backup_count,
            file: None,
        }
    }

    /// `microblog.log.3`
    fn backup(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    // ANCHOR: rollover
    /// `doRollover()`: `.9` becomes `.10` (replacing it), ..., `.1` becomes
    /// `.2`, and the file itself becomes `.1`. A later record starts a new file.
    fn roll_over(&mut self) -> io::Result<()> {
        self.file = None;
        for n in (1..self.backup_count).rev() {
            let older = self.backup(n);
            if older.exists() {
                fs::rename(older, self.backup(n + 1))?;
            }
        }
        fs::rename(&self.path, self.backup(1))
    }

    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        let (file, size) = match self.file.take() {
            Some(open) => open,
            None => {
                // `if not os.path.exists('logs'): os.mkdir('logs')`, each time
                // the file is (re)opened.
                if let Some(dir) = self.path.parent() {
                    fs::create_dir_all(dir)?;
                }
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?;
                let size = file.metadata()?.len();
                (file, size)
            }
        };
        // `shouldRollover()`: this record would take the file to `maxBytes`.
        let (mut file, size) = if size > 0 && size + record.len() as u64 >= self.max_bytes {
            drop(file);
            self.roll_over()?;
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            (file, 0)
        } else {
            (file, size)
        };
        file.write_all(record)?;
        self.file = Some((file, size + record.len() as u64));
        Ok(())
    }
    // ANCHOR_END: rollover
}

impl Write for RotatingFile {
    /// One whole record per call, as `tracing_appender`'s writer thread hands
    /// them over. After an error the file is reopened at the next record.
    fn write(&mut self, record: &[u8]) -> io::Result<usize> {
        self.write_record(record)?;
        Ok(record.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some((file, _)) => file.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> String {
        fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn a_record_that_would_reach_max_bytes_goes_to_a_new_file() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("logs/microblog.log");
        let mut log = RotatingFile::new(&path, 10, 3);

        log.write_all(b"12345\n").expect("a record"); // 6 bytes
        log.write_all(b"123\n").expect("a record"); // 6 + 4 = 10: rotate first
        log.write_all(b"1\n").expect("a record");

        assert_eq!(read(&log.backup(1)), "12345\n");
        assert_eq!(read(&path), "123\n1\n");
    }

    #[test]
    fn backups_shift_up_with_dot_one_the_newest_and_never_more_than_the_count() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("microblog.log");
        let mut log = RotatingFile::new(&path, 4, 3);

        for record in ["a\n", "b\n", "c\n", "d\n", "e\n", "f\n"] {
            // 2 + 2 = 4 bytes would reach the limit: one record per file.
            log.write_all(record.as_bytes()).expect("a record");
        }

        assert_eq!(read(&path), "f\n");
        assert_eq!(read(&log.backup(1)), "e\n");
        assert_eq!(read(&log.backup(2)), "d\n");
        assert_eq!(read(&log.backup(3)), "c\n");
        assert!(!log.backup(4).exists());
    }

    #[test]
    fn an_unusable_directory_is_an_error_and_writing_resumes_once_it_is_back() {
        let dir = tempfile::tempdir().expect("a directory");
        let logs = dir.path().join("logs");
        let path = logs.join("microblog.log");
        let mut log = RotatingFile::new(&path, 8, 3);
        log.write_all(b"first\n").expect("a record");

        // `logs` is moved away and a file takes its name.
        fs::rename(&logs, dir.path().join("moved")).expect("moved");
        fs::write(&logs, "not a directory").expect("a file named logs");
        assert!(log.write_all(b"lost\n").is_err(), "the rotation fails");
        assert!(log.write_all(b"lost\n").is_err(), "and so does reopening");

        fs::remove_file(&logs).expect("the file removed");
        log.write_all(b"back\n").expect("writing resumes");
        assert_eq!(read(&path), "back\n");
    }
}
