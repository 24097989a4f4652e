//! Says on stderr when log records cannot be written (a full disk, say).
//! Machinery: a learner can skip this module on a first read.
//!
//! `tracing_appender`'s writer thread drops a failed write without a word, so
//! this writer, between it and the rotating file, says it instead: once when
//! records start to be lost, and once, with their count, when writing works
//! again. No crate does this; it is a few lines.

use std::io::{self, Write};

#[derive(Debug)]
pub struct ReportLostRecords<W: Write> {
    file: W,
    /// Records lost since writing started to fail.
    lost: Option<usize>,
}

impl<W: Write> ReportLostRecords<W> {
    pub fn new(file: W) -> Self {
        ReportLostRecords { file, lost: None }
    }
}

impl<W: Write> Write for ReportLostRecords<W> {
    /// The writer thread hands over one whole record per call.
    fn write(&mut self, record: &[u8]) -> io::Result<usize> {
        let written = self.file.write_all(record);
        self.lost = match (written, self.lost) {
            (Err(error), None) => {
                eprintln!("Log records are being lost: {error}");
                Some(1)
            }
            (Err(_), Some(lost)) => Some(lost + 1),
            (Ok(()), Some(lost)) => {
                eprintln!("The log file is written again; {lost} records were lost.");
                None
            }
            (Ok(()), None) => None,
        };
        // The record is dealt with either way: an error here would only be
        // dropped by the writer thread.
        Ok(record.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
