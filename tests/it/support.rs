//! The one way the suites run presign: [`Presign`], a run of the real binary
//! in a throw-away HOME with nothing in its environment but what the test
//! names, and the same run in process through `presign::cli::run` with an
//! injected clock ([`Presign::in_process`]). Shared fixtures and example
//! keys live here too.
// Without the CLI, the suites that use most of this are not compiled.
#![cfg_attr(not(feature = "cli"), allow(dead_code))]

use std::path::Path;

use serde_json::Value;

/// AWS's documentation example keys: they sign nothing real.
pub const AK: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A recorded fixture of `tests/fixtures/`, parsed.
pub fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// libfaketime, which freezes the clock of the binary as AWS CLI v2's
/// reference runs were recorded.
pub const FAKETIME_LIB: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// Whether libfaketime is installed. Where it is not, this says so on the
/// real stderr (past libtest's capture, so a plain `cargo test` shows the
/// skip), and fails the test when `PRESIGN_FAKETIME=required` (as `.ci/run`
/// sets it).
pub fn libfaketime() -> bool {
    if Path::new(FAKETIME_LIB).exists() {
        return true;
    }
    assert_ne!(
        std::env::var("PRESIGN_FAKETIME").as_deref(),
        Ok("required"),
        "libfaketime is required but {FAKETIME_LIB} is missing (apt-get install faketime)"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {FAKETIME_LIB} is not installed (apt-get install faketime)"
    );
    false
}

/// Bytes as text, for messages and comparisons.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(feature = "cli")]
pub use binary::*;

#[cfg(feature = "cli")]
mod binary {
    use std::collections::BTreeMap;
    use std::ffi::{OsStr, OsString};
    use std::io::Write;
    use std::path::PathBuf;
    use std::process::{Child, Command, ExitStatus, Output, Stdio};
    use std::time::{Duration, Instant};

    use super::*;

    /// The binary under test.
    pub const BIN: &str = env!("CARGO_BIN_EXE_presign");

    /// Where a run's HOME is: a directory of its own, removed with the run,
    /// or one the test keeps across runs (caches, several profiles).
    enum Home {
        Temp(tempfile::TempDir),
        At(PathBuf),
    }

    /// One run of `presign`: its HOME, environment, arguments and input.
    ///
    /// The environment starts from nothing but `HOME` (and `USERPROFILE`),
    /// `PATH`, `TZ=UTC` and `AWS_EC2_METADATA_DISABLED=true`; a test that
    /// points instance metadata at a loopback server removes the last with
    /// [`Presign::env_remove`]. `{HOME}` in a file's text or a variable's
    /// value is replaced with the HOME path.
    pub struct Presign {
        home: Home,
        env: BTreeMap<OsString, OsString>,
        args: Vec<OsString>,
        stdin: Option<Vec<u8>>,
        dir: Option<PathBuf>,
        wrapper: Vec<OsString>,
        timeout: Option<Duration>,
    }

    impl Default for Presign {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Presign {
        /// A run in a new, empty HOME.
        pub fn new() -> Self {
            Self::with_home(Home::Temp(tempfile::tempdir().expect("a temporary HOME")))
        }

        /// A run whose HOME is `home`, which the test owns (and may share
        /// between runs).
        pub fn at_home(home: impl Into<PathBuf>) -> Self {
            Self::with_home(Home::At(home.into()))
        }

        fn with_home(home: Home) -> Self {
            let mut run = Presign {
                home,
                env: BTreeMap::new(),
                args: Vec::new(),
                stdin: None,
                dir: None,
                wrapper: Vec::new(),
                timeout: None,
            };
            let home = run.home().as_os_str().to_owned();
            run.env.insert("HOME".into(), home.clone());
            run.env.insert("USERPROFILE".into(), home);
            run.env
                .insert("PATH".into(), std::env::var_os("PATH").unwrap_or_default());
            run.env.insert("TZ".into(), "UTC".into());
            // No test reaches instance metadata at 169.254.169.254.
            run.env
                .insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
            run
        }

        /// The HOME of this run.
        pub fn home(&self) -> &Path {
            match &self.home {
                Home::Temp(dir) => dir.path(),
                Home::At(path) => path,
            }
        }

        /// `text` with `{HOME}` replaced by this run's HOME.
        pub fn fill(&self, text: &str) -> String {
            text.replace("{HOME}", &self.home().display().to_string())
        }

        /// Writes `text` to `rel` under HOME (folders made as needed); a file
        /// under `bin/` is made executable.
        pub fn file(self, rel: &str, text: &str) -> Self {
            let text = self.fill(text);
            let executable = rel.starts_with("bin/");
            self.write(rel, text.as_bytes(), executable)
        }

        /// Writes `bytes` as they are to `rel` under HOME.
        pub fn bytes_file(self, rel: &str, bytes: &[u8]) -> Self {
            self.write(rel, bytes, false)
        }

        fn write(self, rel: &str, bytes: &[u8], executable: bool) -> Self {
            let path = self.home().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            #[cfg(unix)]
            if executable {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            #[cfg(not(unix))]
            let _ = executable;
            self
        }

        /// Sets a variable (`{HOME}` in `value` is filled in).
        pub fn env(mut self, name: &str, value: &str) -> Self {
            let value = self.fill(value);
            self.env.insert(name.into(), value.into());
            self
        }

        /// Sets a variable to a raw value (a path, or bytes that are not
        /// UTF-8).
        pub fn env_os(mut self, name: &str, value: impl AsRef<OsStr>) -> Self {
            self.env.insert(name.into(), value.as_ref().to_owned());
            self
        }

        /// Sets each of `vars`.
        pub fn envs<K: AsRef<str>, V: AsRef<str>>(
            mut self,
            vars: impl IntoIterator<Item = (K, V)>,
        ) -> Self {
            for (name, value) in vars {
                self = self.env(name.as_ref(), value.as_ref());
            }
            self
        }

        /// Unsets a variable, one of the defaults among them.
        pub fn env_remove(mut self, name: &str) -> Self {
            self.env.remove(OsStr::new(name));
            self
        }

        /// The example key pair, in the environment.
        pub fn keys(self) -> Self {
            self.env("AWS_ACCESS_KEY_ID", AK)
                .env("AWS_SECRET_ACCESS_KEY", SECRET)
        }

        /// Freezes the binary's clock at `utc` (`YYYY-MM-DD HH:MM:SS`) with
        /// libfaketime (see [`libfaketime`]).
        pub fn under_faketime(self, utc: &str) -> Self {
            self.env("LD_PRELOAD", FAKETIME_LIB)
                .env("FAKETIME", utc)
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        }

        /// Adds one argument.
        pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
            self.args.push(arg.as_ref().to_owned());
            self
        }

        /// Adds arguments.
        pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
            self.args
                .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
            self
        }

        /// Standard input (none at all otherwise: `/dev/null`).
        pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
            self.stdin = Some(bytes.into());
            self
        }

        /// The working directory (the test's own otherwise).
        pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
            self.dir = Some(dir.into());
            self
        }

        /// Runs the binary as the last argument of `argv` (a namespace or
        /// mount wrapper), which passes on the arguments after it.
        pub fn wrapped<S: AsRef<OsStr>>(mut self, argv: impl IntoIterator<Item = S>) -> Self {
            self.wrapper = argv.into_iter().map(|a| a.as_ref().to_owned()).collect();
            self
        }

        /// Kills the run after `timeout` ([`Presign::output`] then panics).
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.timeout = Some(timeout);
            self
        }

        /// Whether the run has arguments.
        pub fn has_args(&self) -> bool {
            !self.args.is_empty()
        }

        /// The run's arguments, for messages.
        pub fn arguments(&self) -> &[OsString] {
            &self.args
        }

        /// The command, with this run's environment, arguments and folder,
        /// standard input from `/dev/null`: the one place the binary is set
        /// up to run.
        pub fn command(&self) -> Command {
            let mut command = match self.wrapper.split_first() {
                Some((program, rest)) => {
                    let mut c = self.command_for(program);
                    c.args(rest).arg(BIN);
                    c
                }
                None => self.command_for(BIN),
            };
            command.args(&self.args);
            command
        }

        /// `program` in this run's environment and folder, standard input
        /// from `/dev/null`, without the run's arguments: for a program
        /// that runs presign from a command line of its own
        /// ([`Presign::shell_line`]), as `script` does to give it a terminal.
        pub fn command_for(&self, program: impl AsRef<OsStr>) -> Command {
            let mut command = Command::new(program);
            command.env_clear().envs(&self.env).stdin(Stdio::null());
            if let Some(dir) = &self.dir {
                command.current_dir(dir);
            }
            command
        }

        /// The binary and the run's arguments as one `sh` command line,
        /// each word single-quoted.
        pub fn shell_line(&self) -> String {
            let quote =
                |word: &OsStr| format!("'{}'", word.to_string_lossy().replace('\'', r"'\''"));
            let mut line = quote(OsStr::new(BIN));
            for arg in &self.args {
                line.push(' ');
                line.push_str(&quote(arg));
            }
            line
        }

        /// Starts the run with its standard input, output and error piped,
        /// for a test that talks to it as it runs ([`Presign::stdin`] is not
        /// written: the test writes what it wants).
        pub fn spawn(&self) -> Child {
            let mut command = self.command();
            command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"))
        }

        /// The standard output of a run that must succeed.
        pub fn ok(&self) -> String {
            let out = self.output();
            assert!(
                out.status.success(),
                "{:?} failed: {}",
                self.args,
                text(&out.stderr)
            );
            text(&out.stdout)
        }

        /// Runs to the end and returns what it printed.
        pub fn output(&self) -> Output {
            self.output_with::<&str>(&[])
        }

        /// [`Presign::output`] with `extra` arguments after the run's own.
        pub fn output_with<S: AsRef<OsStr>>(&self, extra: &[S]) -> Output {
            let mut command = self.command();
            command
                .args(extra)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if self.stdin.is_some() {
                command.stdin(Stdio::piped());
            }
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
            let writer = self.stdin.clone().map(|bytes| {
                let mut pipe = child.stdin.take().unwrap();
                // A run may stop reading early: a broken pipe is its business.
                std::thread::spawn(move || {
                    let _ = pipe.write_all(&bytes);
                })
            });
            let output = match self.timeout {
                None => child.wait_with_output().unwrap(),
                Some(limit) => wait_at_most(child, limit),
            };
            if let Some(writer) = writer {
                writer.join().unwrap();
            }
            output
        }

        /// The same invocation in this process, through the library's
        /// `cli::run`, at `now`: the environment is this run's, files and
        /// helper processes are the real ones, and standard input is
        /// [`Presign::stdin`]. Labels lose their style as on a pipe.
        pub fn in_process(&self, now: time::OffsetDateTime) -> Output {
            let sys = Sandbox { env: &self.env };
            let mut args = vec![OsString::from("presign")];
            args.extend(self.args.iter().cloned());
            let input = self.stdin.clone().unwrap_or_default();
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let code = presign::cli::run(
                args,
                &sys,
                now,
                &mut input.as_slice(),
                &mut stdout,
                &mut stderr,
            );
            Output {
                status: exit_status(code),
                stdout,
                stderr: strip_styles(&stderr),
            }
        }
    }

    /// Waits for `child` at most `limit`, then kills it and fails the test.
    fn wait_at_most(mut child: Child, limit: Duration) -> Output {
        let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let out = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = std::io::Read::read_to_end(&mut out, &mut buf);
            buf
        });
        let err = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = std::io::Read::read_to_end(&mut err, &mut buf);
            buf
        });
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("presign still ran after {limit:?}: killed");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Output {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        }
    }

    /// The status of a process that exited with `code`.
    #[cfg(unix)]
    fn exit_status(code: i32) -> ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        ExitStatus::from_raw((code & 0xff) << 8)
    }

    #[cfg(windows)]
    fn exit_status(code: i32) -> ExitStatus {
        use std::os::windows::process::ExitStatusExt;
        ExitStatus::from_raw(code as u32)
    }

    /// `text` without SGR escapes (`ESC [ ... m`): the styles of presign's
    /// labels, which its `main` strips on a pipe. Any other escape stays, so
    /// a control that reached the text still shows.
    pub fn strip_styles(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
                let end = bytes[i + 2..]
                    .iter()
                    .position(|b| !(b.is_ascii_digit() || *b == b';'));
                if let Some(n) = end
                    && bytes[i + 2 + n] == b'm'
                {
                    i += 3 + n;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        out
    }

    /// The system of an in-process run: the run's environment, and the
    /// machine's files, helper processes and HTTP.
    struct Sandbox<'a> {
        env: &'a BTreeMap<OsString, OsString>,
    }

    impl presign::System for Sandbox<'_> {
        fn var_os(&self, name: &str) -> Option<OsString> {
            self.env.get(OsStr::new(name)).cloned()
        }

        fn read_file(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
            presign::OsSystem.read_file(path)
        }

        fn run(
            &self,
            argv: &[String],
            timeout: Duration,
        ) -> std::io::Result<presign::ProcessOutput> {
            presign::OsSystem.run(argv, timeout)
        }

        fn http(
            &self,
            request: &presign::HttpRequest,
        ) -> Result<presign::HttpResponse, presign::HttpError> {
            presign::OsSystem.http(request)
        }

        fn write_private_file(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
            presign::OsSystem.write_private_file(path, bytes)
        }
    }

    #[test]
    fn styles_are_stripped_and_other_escapes_kept() {
        assert_eq!(
            strip_styles(b"presign: \x1b[1m\x1b[31merror:\x1b[0m x \x1b]0;t\x07"),
            b"presign: error: x \x1b]0;t\x07"
        );
    }
}
