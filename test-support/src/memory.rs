//! A child process's resident memory, for the stress suite and the benchmark:
//! what it holds now, and the most it held while watched.
//!
//! The figures come from the `sysinfo` crate on every OS. On Linux the kernel
//! also keeps the process's own high-water mark (`VmHWM`), which no short
//! spike escapes; elsewhere the peak is the highest of samples taken every
//! few milliseconds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

/// How often a [`MemoryWatch`] samples.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// The process's resident memory now, in KiB; `None` once it is gone.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    resident_kib(&mut System::new(), Pid::from_u32(pid))
}

fn resident_kib(system: &mut System, pid: Pid) -> Option<u64> {
    let memory = ProcessRefreshKind::nothing().with_memory();
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), true, memory);
    Some(system.process(pid)?.memory() / 1024)
}

/// The peak resident memory of a process from [`MemoryWatch::start`] on.
#[derive(Debug)]
pub struct MemoryWatch {
    pid: u32,
    stop: Arc<AtomicBool>,
    sampler: JoinHandle<Option<u64>>,
}

impl MemoryWatch {
    pub(crate) fn start(pid: u32) -> MemoryWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let sampler = std::thread::spawn(move || {
            let (mut system, pid) = (System::new(), Pid::from_u32(pid));
            let mut peak = None;
            while !stopped.load(Ordering::Relaxed) {
                peak = peak.max(resident_kib(&mut system, pid));
                std::thread::sleep(SAMPLE_EVERY);
            }
            peak
        });
        MemoryWatch { pid, stop, sampler }
    }

    /// The most resident memory the process held while watched, in KiB: the
    /// kernel's own mark where the OS keeps one, else the highest sample.
    pub fn peak_kib(self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        let sampled = self.sampler.join().ok().flatten();
        kernel_peak_kib(self.pid).max(sampled)
    }
}

/// Linux's high-water mark of the process's resident memory.
#[cfg(target_os = "linux")]
fn kernel_peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Other systems keep no such mark that can be read for another process.
#[cfg(not(target_os = "linux"))]
fn kernel_peak_kib(_pid: u32) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watch_sees_memory_that_was_held_and_then_freed() {
        const HELD_KIB: u64 = 64 * 1024;
        let before = rss_kib(std::process::id()).expect("this process's memory");
        let watch = MemoryWatch::start(std::process::id());

        // Every page written, so that it is resident, then held for a while.
        let held = vec![1_u8; HELD_KIB as usize * 1024];
        std::thread::sleep(SAMPLE_EVERY * 20);
        drop(std::hint::black_box(held));

        let peak = watch.peak_kib().expect("a peak");
        assert!(
            peak >= before + HELD_KIB * 9 / 10,
            "{before} KiB, then a peak of {peak} KiB"
        );
    }
}

/// The peak resident memory of a fresh release binary on the error path: after
/// its first 500, and after 1,000 more that mix database failures and panics.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPathPeaks {
    pub first_500_mib: u64,
    pub thousand_more_mib: u64,
}

/// Starts `binary` (the complete app with a `GET /panic`, step 5's example
/// `with_a_panic`) as a server runs, deletes its database so that every
/// sign-in fails, then measures [`ErrorPathPeaks`]: one failed sign-in, then
/// 500 panics and 500 failed sign-ins. Each of them must be the 500 page.
/// What naming a failure's frames costs; the stress suite holds it to 64 MiB,
/// and the benchmark prints it.
pub fn error_path_peaks(binary: &str) -> ErrorPathPeaks {
    // As a server runs: RUST_BACKTRACE asks std to print every panic's whole
    // backtrace, libc's frames included, and a shell may have it set.
    let app = crate::ChildApp::start(binary, &[("RUST_BACKTRACE", "0")]);
    let visitor = app.client();
    app.delete_database();
    let sign_in = [("username", "john"), ("password", "pw")];
    let peak_mib = |watch: MemoryWatch| watch.peak_kib().expect("the peak RSS") / 1024;

    let first = app.watch_memory();
    assert_eq!(visitor.submit("/login", &sign_in).status, 500);
    let first_500_mib = peak_mib(first);

    let more = app.watch_memory();
    for _ in 0..500 {
        assert_eq!(visitor.get("/panic").status, 500);
        assert_eq!(visitor.submit("/login", &sign_in).status, 500);
    }
    ErrorPathPeaks {
        first_500_mib,
        thousand_more_mib: peak_mib(more),
    }
}
