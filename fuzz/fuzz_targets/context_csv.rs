//! Arbitrary text as a CSV context file: every record parsed and checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::context_csv(data));
