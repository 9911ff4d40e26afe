#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ccverify_fuzz::http(data));
