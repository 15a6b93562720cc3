//! Arbitrary text as a TOML statement: parsed, cleaned, checked, dated.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::statement_toml(data));
