//! One write to the log file per batch of records, instead of one per record.

use std::io::{self, Write};

/// Collects the records that `tracing_appender`'s worker thread hands over and
/// writes them to the rotating file in one call when the worker flushes, which
/// it does each time its queue runs empty. Under load that is one system call
/// for dozens of records.
///
/// `file-rotate` looks at the size only when a write starts: it rotates first
/// if the file already holds more than `limit` bytes. So a batch is cut where
/// a record-by-record writer would have rotated, and the files come out byte
/// for byte the same. It also bounds a batch to about `limit` bytes.
#[derive(Debug)]
pub struct Batched<W: Write> {
    file: W,
    limit: usize,
    /// What the file will hold once the batch is written, as `file-rotate`
    /// counts it.
    in_file: usize,
    batch: Vec<u8>,
    records_in_batch: usize,
    /// Records lost since writing started to fail (a full disk, say).
    lost: Option<usize>,
}

impl<W: Write> Batched<W> {
    /// `in_file` is what the file holds now, as `file-rotate` reads it at start.
    pub fn new(file: W, limit: usize, in_file: usize) -> Self {
        Batched {
            file,
            limit,
            in_file,
            batch: Vec::with_capacity(limit),
            records_in_batch: 0,
            lost: None,
        }
    }

    /// Writes the batch to the file. A failure is reported here rather than
    /// returned: the writer thread would only drop it.
    fn write_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let written = self.file.write_all(&self.batch);
        // A batch that cannot be written is lost, as its records would be one
        // by one; keeping it would only grow while the disk stays full. (After
        // a failed write `file-rotate` has counted less than `in_file`, so
        // until its next rotation a file may pass the limit by up to a batch.)
        self.batch.clear();
        let records = std::mem::take(&mut self.records_in_batch);
        // tracing-appender's writer thread drops write errors without a word,
        // so say it here, on stderr: once when records start to be lost, and
        // once when writing works again.
        self.lost = match (&written, self.lost) {
            (Err(error), None) => {
                eprintln!("Log records are being lost: {error}");
                Some(records)
            }
            (Err(_), Some(lost)) => Some(lost + records),
            (Ok(()), Some(lost)) => {
                eprintln!("The log file is written again; {lost} records were lost.");
                None
            }
            (Ok(()), None) => None,
        };
    }
}

// ANCHOR: write
impl<W: Write> Write for Batched<W> {
    fn write(&mut self, record: &[u8]) -> io::Result<usize> {
        if self.in_file > self.limit {
            // `file-rotate` rotates before this record: what came before
            // belongs to the old file.
            self.write_batch();
            self.in_file = 0;
        }
        self.batch.extend_from_slice(record);
        self.records_in_batch += 1;
        self.in_file += record.len();
        Ok(record.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_batch();
        self.file.flush()
    }
}
// ANCHOR_END: write
