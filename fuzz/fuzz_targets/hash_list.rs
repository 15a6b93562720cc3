//! Arbitrary text as a hash list (PDQ hex hashes with their contexts, as
//! `corpus import` reads and `corpus export` writes: JSON Lines when the
//! text starts with `{`, CSV otherwise), imported into an in-memory corpus
//! and exported. Each record with a PDQ must become one hash-only
//! reference (one per SHA-256, or per PDQ when it has none) that `export`
//! gives back with that PDQ and that the search index loads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::hash_list(data));
