//! Arbitrary bytes (an image container: JPEG, PNG, TIFF, WebP, HEIF)
//! through EXIF extraction and what is derived from it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::exif(data));
