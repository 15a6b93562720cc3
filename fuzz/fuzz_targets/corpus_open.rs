//! Arbitrary bytes as a corpus file (a damaged or hostile SQLite
//! database): opened (configured, migrated), then read as the commands
//! read it (statistics, list, references, search index, EXIF, contexts,
//! local features, export).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::corpus_open(data));
