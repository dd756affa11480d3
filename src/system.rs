//! The outside world as the library sees it: environment variables, files and
//! child processes. Only the command-line layer uses [`OsSystem`]; tests and
//! embedders pass a [`MapSystem`], so every rule can be exercised without
//! touching the real home directory.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What running a `credential_process` command produced.
#[derive(Debug, Clone)]
pub struct ProcessOutput {
    /// Whether the command exited with status 0.
    pub success: bool,
    /// Its exit status, when it exited normally.
    pub code: Option<i32>,
    /// Its standard output (may hold secrets: never echo it).
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
}

/// Access to environment variables, files and processes.
pub trait System {
    /// The value of environment variable `name`, if set (possibly empty).
    fn var(&self, name: &str) -> Option<String>;

    /// The bytes of the regular file at `path`; `Ok(None)` when there is no
    /// regular file there (AWS CLI treats that as an empty file).
    fn read_file(&self, path: &Path) -> io::Result<Option<Vec<u8>>>;

    /// Runs `argv` with both outputs captured; a command still running after
    /// `timeout` is killed and reported as [`io::ErrorKind::TimedOut`].
    fn run(&self, argv: &[String], timeout: Duration) -> io::Result<ProcessOutput>;

    /// Whether paths and the home directory follow Windows rules.
    fn is_windows(&self) -> bool {
        cfg!(windows)
    }
}

/// The real operating system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsSystem;

impl System for OsSystem {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }

    fn read_file(&self, path: &Path) -> io::Result<Option<Vec<u8>>> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => std::fs::read(path).map(Some),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn run(&self, argv: &[String], timeout: Duration) -> io::Result<ProcessOutput> {
        let mut cmd = command(argv)?;
        // A credential process may prompt (for an MFA code, say).
        cmd.stdin(Stdio::inherit());
        run_with_timeout(cmd, timeout)
    }
}

fn command(argv: &[String]) -> io::Result<Command> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
    let mut cmd = Command::new(program);
    cmd.args(args);
    Ok(cmd)
}

/// Runs `cmd` to its end or until `timeout`, whichever comes first.
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> io::Result<ProcessOutput> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            // The readers are left behind: a grandchild may still hold the
            // pipes open.
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "did not finish within {} s and was killed",
                    timeout.as_secs_f64()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(ProcessOutput {
        success: status.success(),
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// An in-memory system: a map of variables and a map of files. Processes are
/// run for real, from `PATH` as the map gives it.
#[derive(Debug, Default, Clone)]
pub struct MapSystem {
    pub vars: HashMap<String, String>,
    pub files: HashMap<PathBuf, Vec<u8>>,
    pub windows: bool,
}

impl MapSystem {
    /// An empty system: no variables, no files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets an environment variable.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Adds a file.
    pub fn file(mut self, path: impl Into<PathBuf>, text: &str) -> Self {
        self.files.insert(path.into(), text.as_bytes().to_vec());
        self
    }
}

impl System for MapSystem {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    fn read_file(&self, path: &Path) -> io::Result<Option<Vec<u8>>> {
        Ok(self.files.get(path).cloned())
    }

    fn run(&self, argv: &[String], timeout: Duration) -> io::Result<ProcessOutput> {
        let mut cmd = command(argv)?;
        cmd.env_clear().envs(&self.vars).stdin(Stdio::null());
        run_with_timeout(cmd, timeout)
    }

    fn is_windows(&self) -> bool {
        self.windows
    }
}
