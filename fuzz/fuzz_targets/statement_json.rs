//! Arbitrary text as a JSON statement: parsed, cleaned, checked, dated.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::statement_json(data));
