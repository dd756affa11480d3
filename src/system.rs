//! The outside world as the library sees it: environment variables, files and
//! child processes. Only the command-line layer uses [`OsSystem`]; tests and
//! embedders pass a [`MapSystem`], so every rule can be exercised without
//! touching the real home directory.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::http::{HttpError, HttpRequest, HttpResponse};

/// What running a `credential_process` command produced.
///
/// There is no `stderr`: the helper writes its standard error straight to
/// presign's (see [`System::run`]).
#[derive(Debug, Clone)]
pub struct ProcessOutput {
    /// Whether the command exited with status 0.
    pub success: bool,
    /// Its exit status, when it exited normally.
    pub code: Option<i32>,
    /// Its standard output (may hold secrets: never echo it).
    pub stdout: Vec<u8>,
}

/// Access to environment variables, files and processes.
pub trait System {
    /// The raw value of environment variable `name`, if set (possibly
    /// empty), whether or not it is Unicode: for paths.
    fn var_os(&self, name: &str) -> Option<OsString>;

    /// The value of environment variable `name` as text, `Ok(None)` when it
    /// is not set. A value that is not valid Unicode is an error that names
    /// the variable and shows nothing of the value (it may be a secret):
    /// AWS CLI v2 (Python) reads such a value with surrogate escapes and
    /// fails with an encoding error (exit 255) once it uses it, where
    /// reading it as U+FFFD would sign with a key the user never set.
    fn var(&self, name: &str) -> Result<Option<String>> {
        match self.var_os(name) {
            None => Ok(None),
            Some(value) => value
                .into_string()
                .map(Some)
                .map_err(|_| Error::NotUnicode(name.to_owned())),
        }
    }

    /// The bytes of the regular file at `path`; `Ok(None)` when there is no
    /// regular file there (AWS CLI treats that as an empty file).
    fn read_file(&self, path: &Path) -> io::Result<Option<Vec<u8>>>;

    /// Runs `argv` with its standard output captured, no standard input and
    /// presign's standard error; a command still running after `timeout` is
    /// killed, with every process it started, and reported as
    /// [`io::ErrorKind::TimedOut`].
    fn run(&self, argv: &[String], timeout: Duration) -> io::Result<ProcessOutput>;

    /// Whether paths and the home directory follow Windows rules.
    fn is_windows(&self) -> bool {
        cfg!(windows)
    }

    /// Sends one HTTP request (credential services only). The default has
    /// no network.
    fn http(&self, request: &HttpRequest) -> std::result::Result<HttpResponse, HttpError> {
        let _ = request;
        Err(HttpError::Unsupported)
    }

    /// Writes a cache file shared with AWS CLI v2: parent folders are made
    /// as needed, a new file is readable by its owner only (0600), an
    /// existing one keeps its mode, and readers never see half a file (the
    /// bytes go to a temporary file in the same folder, renamed over).
    fn write_private_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let _ = (path, bytes);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this system cannot write files",
        ))
    }

    /// Waits `duration` (between retries).
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }

    /// Asks the user for a secret on the terminal (not on standard input,
    /// which may be a batch of keys), without echo; `Ok(None)` when there is
    /// no terminal.
    fn prompt_secret(&self, prompt: &str) -> io::Result<Option<String>> {
        let _ = prompt;
        Ok(None)
    }

    /// Without a terminal: writes `prompt` to standard error and reads one
    /// line of standard input, as Python's `getpass` falls back to doing;
    /// `Ok(None)` at end of input.
    fn prompt_stdin(&self, prompt: &str) -> io::Result<Option<String>> {
        let _ = prompt;
        Ok(None)
    }

    /// Random bytes (request ids, retry jitter).
    fn random(&self, out: &mut [u8]) {
        let _ = getrandom::fill(out);
    }
}

/// The real operating system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsSystem;

impl System for OsSystem {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
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
        run_with_timeout(command(argv)?, timeout)
    }

    #[cfg(feature = "network")]
    fn http(&self, request: &HttpRequest) -> std::result::Result<HttpResponse, HttpError> {
        crate::net::send(request, &|name| std::env::var(name).ok())
    }

    fn write_private_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        write_atomically(path, bytes)
    }

    fn prompt_secret(&self, prompt: &str) -> io::Result<Option<String>> {
        terminal_prompt(prompt)
    }

    fn prompt_stdin(&self, prompt: &str) -> io::Result<Option<String>> {
        use std::io::{BufRead, Write};
        let mut err = io::stderr();
        let _ = err.write_all(prompt.as_bytes());
        let _ = err.flush();
        let mut line = String::new();
        // One line at most, bounded like every other input.
        let n = io::stdin().lock().take(4096).read_line(&mut line)?;
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim_end_matches(['\n', '\r']).to_owned()))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no parent folder"))?;
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let mut random = [0u8; 6];
    let _ = getrandom::fill(&mut random);
    let mut temp_name = OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", hex::encode(random)));
    let temp = dir.join(temp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o600);
        options.mode(mode);
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Reads one line from `/dev/tty` with echo off.
#[cfg(unix)]
fn terminal_prompt(prompt: &str) -> io::Result<Option<String>> {
    use rustix::termios::{self, LocalModes, OptionalActions};
    use std::io::{BufRead, Write};
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Ok(None);
    };
    let saved = termios::tcgetattr(&tty).ok();
    if let Some(saved) = &saved {
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        let _ = termios::tcsetattr(&tty, OptionalActions::Flush, &quiet);
    }
    let mut writer = &tty;
    let line = writer
        .write_all(prompt.as_bytes())
        .and_then(|_| writer.flush())
        .and_then(|_| {
            let mut line = String::new();
            io::BufReader::new(&tty)
                .read_line(&mut line)
                .map(|n| (n, line))
        });
    if let Some(saved) = &saved {
        let _ = termios::tcsetattr(&tty, OptionalActions::Flush, saved);
    }
    let (n, line) = line?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "end of input at the prompt",
        ));
    }
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_owned()))
}

#[cfg(not(unix))]
fn terminal_prompt(_prompt: &str) -> io::Result<Option<String>> {
    Ok(None)
}

fn command(argv: &[String]) -> io::Result<Command> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
    let mut cmd = Command::new(program);
    cmd.args(args);
    Ok(cmd)
}

/// The most a helper may print: a credentials document is a few KiB, and a
/// helper that prints without end must not grow presign until the timeout.
const MAX_HELPER_OUTPUT: usize = 1024 * 1024;

/// How often a running helper is looked at.
const POLL: Duration = Duration::from_millis(5);

/// Runs `cmd` to its end or until `timeout`, whichever comes first.
///
/// - Standard input is null. presign's own standard input is the batch of
///   keys of `--from -`; a helper that read it would eat URLs (AWS CLI v2
///   lets the helper inherit stdin, but it reads no batch from there). A
///   helper that must prompt opens `/dev/tty`, as `ssh` and `sudo` do.
/// - Standard error is presign's. The helper's messages ("token expired,
///   run sso login", "touch your security key") reach the user unaltered
///   and at once, as kubectl's exec credential plugins and git credential
///   helpers do, and presign's one-line error never quotes them: a helper
///   that logs its secret would otherwise have presign repeat it. AWS CLI v2
///   captures stderr and puts it in its error; presign does not. (What the
///   helper writes there is its own output, as if run by hand, so presign
///   does not escape it.)
/// - Standard output is read until the helper itself exits, then what is
///   already in the pipe is taken and the pipe dropped: a child the helper
///   left behind (a daemon, say) that still holds the pipe open does not
///   keep presign waiting.
/// - On Unix the helper leads a process group of its own, so that on
///   timeout the whole group is killed (`kill(-pgid, SIGKILL)` through
///   `rustix`, since this crate has no `unsafe`), not just the direct child
///   while its `sleep` or `curl` lives on. The cost: a helper outside the
///   terminal's foreground group that reads `/dev/tty` is stopped until the
///   timeout; presign bounds it rather than hangs.
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> io::Result<ProcessOutput> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn()?;
    let mut reader = child.stdout.take().map(Drain::new).transpose()?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(r) = reader.as_mut()
            && let Err(e) = r.read_available()
        {
            kill_all(&mut child);
            let _ = child.wait();
            return Err(e);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            kill_all(&mut child);
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "did not finish within {} s and was killed",
                    timeout.as_secs_f64()
                ),
            ));
        }
        std::thread::sleep(POLL);
    };
    let stdout = match reader {
        Some(r) => r.finish()?,
        None => Vec::new(),
    };
    Ok(ProcessOutput {
        success: status.success(),
        code: status.code(),
        stdout,
    })
}

/// Kills the helper and, on Unix, every process of its group.
fn kill_all(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The group exists as long as any member does, and its id is the
        // helper's pid, which cannot be reused while the helper is unreaped.
        let group = rustix::process::Pid::from_child(child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
}

/// The helper's standard output, read as it comes.
#[cfg(unix)]
struct Drain {
    pipe: std::process::ChildStdout,
    bytes: Vec<u8>,
    eof: bool,
}

#[cfg(unix)]
impl Drain {
    fn new(pipe: std::process::ChildStdout) -> io::Result<Self> {
        // Non-blocking, so that the loop can read what is there, look at
        // the helper, and never wait on a pipe a grandchild holds.
        rustix::io::ioctl_fionbio(&pipe, true)?;
        Ok(Drain {
            pipe,
            bytes: Vec::new(),
            eof: false,
        })
    }

    /// Reads everything the pipe holds now.
    fn read_available(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 8192];
        while !self.eof {
            match self.pipe.read(&mut buf) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.bytes.extend_from_slice(&buf[..n]);
                    if self.bytes.len() > MAX_HELPER_OUTPUT {
                        return Err(io::Error::new(
                            io::ErrorKind::FileTooLarge,
                            format!(
                                "printed more than {} KiB, far more than credentials take",
                                MAX_HELPER_OUTPUT / 1024
                            ),
                        ));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Once the helper has exited: what it wrote is all in the pipe by now,
    /// so one more read takes it; later writers are not waited for.
    fn finish(mut self) -> io::Result<Vec<u8>> {
        self.read_available()?;
        Ok(std::mem::take(&mut self.bytes))
    }
}

/// Elsewhere (Windows), a thread reads the pipe to its end.
#[cfg(not(unix))]
struct Drain(std::thread::JoinHandle<Vec<u8>>);

#[cfg(not(unix))]
impl Drain {
    fn new(mut pipe: std::process::ChildStdout) -> io::Result<Self> {
        Ok(Drain(std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })))
    }

    fn read_available(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn finish(self) -> io::Result<Vec<u8>> {
        Ok(self.0.join().unwrap_or_default())
    }
}

/// An in-memory system: a map of variables and a map of files. Processes are
/// run for real, from `PATH` as the map gives it.
#[derive(Debug, Default, Clone)]
pub struct MapSystem {
    /// The environment variables, by name.
    pub vars: HashMap<String, OsString>,
    /// The files, by path, with their bytes.
    pub files: HashMap<PathBuf, Vec<u8>>,
    /// Whether to behave as Windows does (`System::is_windows`).
    pub windows: bool,
    /// Files written through [`System::write_private_file`], read back
    /// before `files`.
    pub written: Arc<Mutex<HashMap<PathBuf, Vec<u8>>>>,
    /// Answers HTTP requests, and records them.
    pub server: Option<Arc<dyn Server>>,
    /// What [`System::prompt_secret`] answers.
    pub prompt_answer: Option<String>,
}

/// An in-process HTTP server for [`MapSystem`].
pub trait Server: std::fmt::Debug + Send + Sync {
    /// Answers one request.
    fn answer(&self, request: &HttpRequest) -> std::result::Result<HttpResponse, HttpError>;
}

impl MapSystem {
    /// An empty system: no variables, no files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets an environment variable.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Sets an environment variable to a value that need not be Unicode.
    pub fn var_os(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Adds a file.
    pub fn file(mut self, path: impl Into<PathBuf>, text: &str) -> Self {
        self.files.insert(path.into(), text.as_bytes().to_vec());
        self
    }

    /// Answers HTTP requests with `server`.
    pub fn server(mut self, server: Arc<dyn Server>) -> Self {
        self.server = Some(server);
        self
    }

    /// A file as last written through [`System::write_private_file`].
    pub fn written(&self, path: impl AsRef<Path>) -> Option<Vec<u8>> {
        self.written
            .lock()
            .ok()
            .and_then(|w| w.get(path.as_ref()).cloned())
    }
}

impl System for MapSystem {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).cloned()
    }

    fn read_file(&self, path: &Path) -> io::Result<Option<Vec<u8>>> {
        if let Some(bytes) = self.written(path) {
            return Ok(Some(bytes));
        }
        Ok(self.files.get(path).cloned())
    }

    fn http(&self, request: &HttpRequest) -> std::result::Result<HttpResponse, HttpError> {
        match &self.server {
            Some(server) => server.answer(request),
            None => Err(HttpError::Connect),
        }
    }

    fn write_private_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.written
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .insert(path.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn sleep(&self, _duration: Duration) {}

    fn prompt_secret(&self, _prompt: &str) -> io::Result<Option<String>> {
        Ok(self.prompt_answer.clone())
    }

    fn random(&self, out: &mut [u8]) {
        out.fill(0x42);
    }

    fn run(&self, argv: &[String], timeout: Duration) -> io::Result<ProcessOutput> {
        let mut cmd = command(argv)?;
        cmd.env_clear().envs(&self.vars);
        run_with_timeout(cmd, timeout)
    }

    fn is_windows(&self) -> bool {
        self.windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_tells_absent_from_not_unicode() {
        let sys = MapSystem::new().var("A", "x");
        assert_eq!(System::var(&sys, "A").unwrap().as_deref(), Some("x"));
        assert_eq!(System::var(&sys, "B").unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let sys = sys.var_os("S", std::ffi::OsStr::from_bytes(b"k\xff"));
            let err = System::var(&sys, "S").unwrap_err();
            assert_eq!(err.exit_code(), crate::error::EXIT_OTHER);
            assert!(err.to_string().contains("S is not valid UTF-8"), "{err}");
            assert!(System::var_os(&sys, "S").is_some());
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_helper_reads_end_of_file_on_stdin() {
        let argv: Vec<String> = [
            "/bin/sh",
            "-c",
            "if read -r l; then echo read; else echo eof; fi",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let out = OsSystem.run(&argv, Duration::from_secs(20)).unwrap();
        assert_eq!(out.stdout, b"eof\n");
    }

    #[cfg(unix)]
    #[test]
    fn output_is_whole_when_the_helper_writes_much_then_exits() {
        let argv: Vec<String> = ["/bin/sh", "-c", "head -c 300000 /dev/zero; exit 3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = OsSystem.run(&argv, Duration::from_secs(20)).unwrap();
        assert_eq!(out.stdout.len(), 300_000);
        assert_eq!(out.code, Some(3));
        assert!(!out.success);
    }
}
