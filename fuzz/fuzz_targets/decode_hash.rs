//! Arbitrary bytes through the whole per-file pipeline (sniff, EXIF, decode
//! within limits, hash). Any panic that escapes, or any crash, is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provcheck::decode::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_pixels: 4_000_000,
        max_alloc: 256 * 1024 * 1024,
        ..Limits::default()
    };
    let _ = provcheck::analyze::analyze_bytes(data, &limits);
});
