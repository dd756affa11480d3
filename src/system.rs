//! The outside world as the library sees it: environment variables, files and
//! child processes. Only the command-line layer uses [`OsSystem`]; tests and
//! embedders pass a [`MapSystem`], so every rule can be exercised without
//! touching the real home directory.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

    /// Runs `argv` with standard input inherited and both outputs captured.
    fn run(&self, argv: &[String]) -> io::Result<ProcessOutput>;

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

    fn run(&self, argv: &[String]) -> io::Result<ProcessOutput> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let out = Command::new(program)
            .args(args)
            .stdin(Stdio::inherit())
            .output()?;
        Ok(ProcessOutput {
            success: out.status.success(),
            code: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
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

    fn run(&self, argv: &[String]) -> io::Result<ProcessOutput> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let out = Command::new(program)
            .args(args)
            .env_clear()
            .envs(&self.vars)
            .stdin(Stdio::null())
            .output()?;
        Ok(ProcessOutput {
            success: out.status.success(),
            code: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }

    fn is_windows(&self) -> bool {
        self.windows
    }
}
