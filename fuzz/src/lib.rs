//! Invariant checks shared by the fuzz targets and by `tests/it/properties.rs`,
//! which compiles `checks.rs` directly to replay `fuzz/regressions/`.

pub mod checks;
