//! Fuzz target `presign_url`: see `presign_fuzz::checks::presign_url` for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| presign_fuzz::checks::presign_url(data));
