//! Fuzz target `inspect`: see `presign_fuzz::checks::inspect` for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| presign_fuzz::checks::inspect(data));
