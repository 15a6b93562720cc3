//! Arbitrary bytes through the whole per-file pipeline (sniff, EXIF,
//! decode within limits, hash) at every [`Depth`]: the input's length
//! modulo 3 picks hashes only, query (with local features) or reference
//! (with windows), so a seed keeps its bytes and each depth is reached by
//! inputs of every kind.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::decode_hash(data));
