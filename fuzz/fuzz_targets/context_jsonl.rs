//! Arbitrary text as a JSON Lines context file: every record parsed and
//! checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| provcheck_fuzz::context_jsonl(data));
