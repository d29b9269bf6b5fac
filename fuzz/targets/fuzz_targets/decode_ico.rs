#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fotobase_fuzzing::run("decode_ico", data));
