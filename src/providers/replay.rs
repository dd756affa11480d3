//! Test support for instance metadata and containers: a system that
//! records its sleeps, and a [`Context`] over it (the scripted server is
//! [`super::testkit::Script`]).

use std::cell::RefCell;
use std::path::Path;

use std::time::Duration;

use time::OffsetDateTime;

use super::{Context, NetworkOptions};
use crate::config::files::SharedFiles;
use crate::config::ini::Section;
use crate::http::{HttpError, HttpRequest, HttpResponse};
use crate::system::{MapSystem, ProcessOutput, System};

pub(crate) const NOW: OffsetDateTime = time::macros::datetime!(2026-01-02 03:04:05 UTC);

pub(crate) use super::testkit::{Script as Replay, header};

/// A response with `status`, content type `text/plain` and `body`.
pub(crate) fn text(status: u16, body: &str) -> Result<HttpResponse, HttpError> {
    Ok(HttpResponse {
        status,
        headers: vec![("content-type".to_owned(), "text/plain".to_owned())],
        body: body.as_bytes().to_vec(),
    })
}

/// A response with `status`, content type `application/json` and `body`.
pub(crate) fn json(status: u16, body: &str) -> Result<HttpResponse, HttpError> {
    Ok(HttpResponse {
        status,
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body: body.as_bytes().to_vec(),
    })
}

/// A [`MapSystem`] that also records how long it was asked to sleep.
#[derive(Debug)]
pub(crate) struct Sleepy {
    pub inner: MapSystem,
    pub sleeps: RefCell<Vec<Duration>>,
}

impl Sleepy {
    pub(crate) fn new(inner: MapSystem) -> Self {
        Sleepy {
            inner,
            sleeps: RefCell::new(Vec::new()),
        }
    }
}

impl System for Sleepy {
    fn var_os(&self, name: &str) -> Option<std::ffi::OsString> {
        System::var_os(&self.inner, name)
    }

    fn read_file(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        self.inner.read_file(path)
    }

    fn run(&self, argv: &[String], timeout: Duration) -> std::io::Result<ProcessOutput> {
        self.inner.run(argv, timeout)
    }

    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        self.inner.http(request)
    }

    fn sleep(&self, duration: Duration) {
        self.sleeps.borrow_mut().push(duration);
    }
}

/// The files and selected profile a [`Context`] borrows.
pub(crate) struct Setup {
    pub files: SharedFiles,
    pub selected: Section,
}

impl Setup {
    /// Loads the shared files of `sys` and selects `profile`.
    pub(crate) fn new(sys: &dyn System, profile: &str) -> Setup {
        let files = SharedFiles::load(sys).expect("files load");
        let selected = files.merged_profile(profile).unwrap_or_default();
        Setup { files, selected }
    }

    /// A context at [`NOW`] with no region.
    pub(crate) fn context<'a>(&'a self, sys: &'a dyn System) -> Context<'a> {
        Context {
            sys,
            now: NOW,
            files: &self.files,
            selected: &self.selected,
            region: None,
            network: NetworkOptions::default(),
            stdin_busy: false,
            trail: RefCell::new(Vec::new()),
        }
    }
}
