//! The error path in bounded memory. Naming a failure's frames reads debug
//! information, and the first 500 of a fresh release binary once took it from
//! 20 to 90 MiB for good, mostly to name the C library's frames at the bottom
//! of every thread.

use test_support::error_path_peaks;

use crate::WITH_A_PANIC;

const LIMIT_MIB: u64 = 64;

#[test]
fn the_first_500_and_a_thousand_more_mixing_database_failures_and_panics_stay_under_64_mib() {
    let peaks = error_path_peaks(WITH_A_PANIC);

    let (first, more) = (peaks.first_500_mib, peaks.thousand_more_mib);
    println!("error path: peak RSS {first} MiB after the first 500, {more} MiB after 1,000 more");
    assert!(first <= LIMIT_MIB, "first 500: {first} MiB");
    assert!(more <= LIMIT_MIB, "1,000 more: {more} MiB");
}
