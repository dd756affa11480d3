//! The `presign` binary: everything is in the library; this maps its outcome
//! to the process exit status.

fn main() {
    std::process::exit(presign::cli::main());
}
