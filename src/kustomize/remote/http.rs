//! Plain HTTP(S) files: fetched with a time and size bound, or read from the lock file's
//! vendored copies.

use std::path::PathBuf;

use super::super::vendor::Lock;
use super::git::verify;
use super::{LockUse, RemoteOptions, Used, HTTP_TIMEOUT};

/// Fetch a plain file over HTTP(S), bounded in time and size. `Err` carries the cause
/// and whether the server answered with an error status.
pub fn http_get(url: &str, max_bytes: usize) -> Result<Vec<u8>, HttpError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(HTTP_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| HttpError::Transport(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(HttpError::Status(format!(
            "status code {} ({})",
            status.as_u16(),
            status.canonical_reason().unwrap_or("unknown")
        )));
    }
    response
        .body_mut()
        .with_config()
        .limit(max_bytes as u64)
        .read_to_vec()
        .map_err(|e| HttpError::Transport(format!("reading the body failed: {e}")))
}

/// Why an HTTP fetch failed.
#[derive(Debug)]
pub enum HttpError {
    /// The server answered with a non-2xx status.
    Status(String),
    /// No answer (connection, TLS, time limit, size bound).
    Transport(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Status(s) => write!(f, "HTTP error: {s}"),
            HttpError::Transport(s) => write!(f, "HTTP request failed: {s}"),
        }
    }
}

/// Record a fetched plain file for `kforge vendor`.
pub fn record_http(opts: &RemoteOptions, url: &str, bytes: &[u8]) {
    opts.state.record(
        format!("http {url}"),
        Used::Http {
            url: url.to_owned(),
            bytes: bytes.to_vec(),
        },
    );
}

/// A plain file from the lock file's vendored copy, checked against its sha256.
pub fn vendored_file(
    url: &str,
    lock: Option<&Lock>,
    opts: &RemoteOptions,
) -> Result<Option<PathBuf>, String> {
    let Some(lock) = lock.filter(|_| opts.lock != LockUse::Ignore) else {
        return Ok(None);
    };
    let Some(entry) = lock.http(url) else {
        return Ok(None);
    };
    let path = lock.root.join(&entry.path);
    match verify(opts, &path, &entry.sha256, lock) {
        Ok(()) => Ok(Some(path)),
        Err(e) if opts.lock == LockUse::Verify => Err(e),
        Err(_) => Ok(None),
    }
}
