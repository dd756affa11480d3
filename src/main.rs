//! The `presign` binary: everything is in the library; this maps its outcome
//! to the process exit status.

fn main() {
    std::process::exit(presign::cli::main(start::stdout_was_closed()));
}

/// What the process was started with, read before Rust's runtime changes it.
///
/// Rust's runtime reopens a closed fd 0, 1 or 2 on /dev/null before `main`
/// (`std::sys::pal::unix::init`), so by `main` a closed stdout
/// (`presign ... >&-`) looks exactly like the /dev/null that Python's
/// `subprocess.DEVNULL` or `>/dev/null` hands over. AWS CLI v2 fails (255)
/// on the first and prints into the second; telling them apart needs a look
/// at fd 1 before the runtime's: an ELF initialiser, which the dynamic
/// loader (or the static start-up code) runs before `main`.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
mod start {
    use std::sync::atomic::{AtomicBool, Ordering};

    static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

    /// Runs before `main`: only a system call and an atomic store, nothing
    /// of std that needs its runtime set up.
    extern "C" fn look_at_stdout() {
        let closed = rustix::io::fcntl_getfd(rustix::stdio::stdout()).is_err();
        STDOUT_CLOSED.store(closed, Ordering::Relaxed);
    }

    // The one unsafe attribute of the crate. Sound: `.init_array` entries
    // are called once, on the main thread, before `main`, with (argc, argv,
    // envp), which a function of no arguments ignores under the C calling
    // convention; `look_at_stdout` neither panics nor touches std's state.
    #[allow(unsafe_code)]
    #[used]
    #[unsafe(link_section = ".init_array")]
    static LOOK_AT_STDOUT: extern "C" fn() = look_at_stdout;

    pub(crate) fn stdout_was_closed() -> bool {
        STDOUT_CLOSED.load(Ordering::Relaxed)
    }
}

/// Elsewhere a closed stdout is not told apart from /dev/null.
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
mod start {
    pub(crate) fn stdout_was_closed() -> bool {
        false
    }
}
