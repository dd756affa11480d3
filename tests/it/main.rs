//! presign's integration tests: one crate, one process, one way to run the
//! binary ([`support::Presign`]).
//!
//! Each module is a suite with a `//!` of its own saying what it proves and
//! against what. Every run of the binary goes through `Presign`, which gives
//! it a throw-away HOME and an environment of nothing but what the test
//! names, instance metadata disabled (no test reaches 169.254.169.254);
//! `Presign::in_process` runs the same invocation through the library's
//! `cli::run` with an injected clock instead.
//!
//! The suites that start servers (Ceph radosgw, Garage, s3s-fs, moto's STS,
//! the loopback stand-ins of `tests/support/`) pick free loopback ports and
//! stop what they started by process id, so they run side by side with the
//! rest. Run one suite with `cargo test --test it e2e::`.

mod support;

#[cfg(feature = "cli")]
mod batch;
#[cfg(feature = "cli")]
mod cli;
mod configparser_crate;
#[cfg(feature = "cli")]
mod creds;
#[cfg(feature = "cli")]
mod e2e;
#[cfg(feature = "cli")]
mod inspect;
#[cfg(feature = "cli")]
mod network;
#[cfg(feature = "cli")]
mod ops;
mod package;
#[cfg(feature = "cli")]
mod properties;
#[cfg(feature = "cli")]
mod s3express;
#[cfg(feature = "cli")]
mod shell;
#[cfg(feature = "cli")]
mod sigv4a;
#[cfg(feature = "cli")]
mod sts_moto;
mod url_crate;
mod workflows;
