//! Arbitrary bytes through EXIF extraction, which must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = provcheck::exif::read_exif(data);
});
