//! Test support for the providers: a scripted in-process HTTP server that
//! records what it is sent, and a [`Context`] built from a [`MapSystem`]
//! the way `config::resolve` builds it.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use super::Context;
use crate::config::files::SharedFiles;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::system::{MapSystem, Server, System};

/// `HOME` of every test system.
pub(crate) const HOME: &str = "/home/tester";

/// A server that answers from a queue and records every request; when the
/// queue is empty it behaves as a closed port.
#[derive(Debug, Default)]
pub(crate) struct Script {
    answers: Mutex<VecDeque<Result<HttpResponse, HttpError>>>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Script {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Script::default())
    }

    /// Queues an answer with `status`, `headers` and `body`.
    pub(crate) fn reply(&self, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
        self.answers.lock().unwrap().push_back(Ok(HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }));
        self
    }

    /// Queues a JSON answer with status 200.
    pub(crate) fn json(&self, body: &str) -> &Self {
        self.reply(200, &[("content-type", "application/json")], body)
    }

    /// Queues a failure to connect.
    pub(crate) fn down(&self) -> &Self {
        self.answers
            .lock()
            .unwrap()
            .push_back(Err(HttpError::Connect));
        self
    }

    /// A server that gives `answers`, in order, then refuses.
    pub(crate) fn with(answers: Vec<Result<HttpResponse, HttpError>>) -> Arc<Self> {
        Arc::new(Script {
            answers: Mutex::new(answers.into()),
            seen: Mutex::default(),
        })
    }

    /// The requests received so far.
    pub(crate) fn requests(&self) -> Vec<HttpRequest> {
        self.seen.lock().unwrap().clone()
    }

    /// `METHOD URL` of every request received.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect()
    }
}

impl Server for Script {
    fn answer(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        self.seen.lock().unwrap().push(request.clone());
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Err(HttpError::Connect))
    }
}

/// A system with `HOME` set and `files` (paths relative to `HOME`).
pub(crate) fn system(files: &[(&str, &str)]) -> MapSystem {
    let mut sys = MapSystem::new().var("HOME", HOME);
    for (path, text) in files {
        sys = sys.file(format!("{HOME}/{path}"), text);
    }
    sys
}

/// The header `name` (any case) of `request`.
pub(crate) fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A file as the code under test last wrote it, as text.
pub(crate) fn written(sys: &MapSystem, path: &str) -> Option<String> {
    sys.written(format!("{HOME}/{path}"))
        .map(|b| String::from_utf8(b).unwrap())
}

/// Runs `f` with a context for `profile` at `now`, as `config::resolve`
/// makes it (region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's);
/// returns what `f` returned and the notes made for `--debug`.
pub(crate) fn with_context<T>(
    sys: &MapSystem,
    profile: &str,
    now: OffsetDateTime,
    f: impl FnOnce(&Context) -> T,
) -> (T, Vec<String>) {
    let files = SharedFiles::load(sys).unwrap();
    let selected = files.merged_profile(profile).unwrap_or_default();
    let region = System::var(sys, "AWS_REGION")
        .unwrap()
        .or_else(|| System::var(sys, "AWS_DEFAULT_REGION").unwrap())
        .or_else(|| selected.text("region").map(str::to_owned));
    let cx = Context {
        sys,
        now,
        files: &files,
        selected: &selected,
        region,
        network: Default::default(),
        stdin_busy: false,
        trail: RefCell::new(Vec::new()),
    };
    let out = f(&cx);
    let trail = cx.trail.take();
    (out, trail)
}
