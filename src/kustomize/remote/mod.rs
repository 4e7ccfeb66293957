//! Remote resources: Git repositories and plain HTTP(S) files named in `resources`,
//! `bases` and `components`, as kustomize v5.8.1 reads them.
//!
//! Which strings are remote follows kustomize's URL parser (`git::`, `https://`, `http://`,
//! `ssh://`, `file://`, `user@host:path`, `github.com/org/repo` short forms; `//` or
//! `.git` or `_git/` splitting the repository from the directory inside it; `?ref=`,
//! `?version=`, `?timeout=`, `?submodules=`). Repositories are fetched with the `git`
//! program (no shell, no prompts, a time limit per command) and kept under the user's
//! cache directory, one directory per repository and commit, written atomically. Plain
//! files are fetched over HTTP(S) with a time and size bound. A `kforge.lock` beside or
//! above the built directory (written by `kforge vendor`) points at copies kept in the
//! repository, which are used, after checking their sha256, instead of fetching.
//!
//! Nothing here is seen by `transform/`: the build turns a remote entry into a directory
//! (or a file's text) and reads it like a local one.

use crate::hash::HashMap;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

mod git;
mod http;
mod url;

pub use git::{cache_dir, checkout, sha256_hex, Checkout};
pub use http::{http_get, record_http, vendored_file, HttpError};
pub use url::{classify, is_http_url, parse_git, GitKey, GitSpec, RefKind, RemoteEntry};

/// kustomize's default time limit for one git command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(27);

/// Time limit for fetching one plain HTTP(S) file.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable naming kforge's cache directory (tests, CI caches).
pub const CACHE_ENV: &str = "KFORGE_CACHE_DIR";

/// How remote resources are resolved.
#[derive(Clone, Debug, Default)]
pub struct RemoteOptions {
    /// Refuse a Git resource whose ref is not a tag or a commit (`--require-pinned-remotes`).
    pub require_pinned: bool,
    /// Where checkouts are cached; `None`: `$KFORGE_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/kforge`, else `~/.cache/kforge`.
    pub cache_dir: Option<PathBuf>,
    /// How a `kforge.lock` is used.
    pub lock: LockUse,
    /// What this run fetched (shared by every build using these options).
    pub state: Arc<RemoteState>,
}

/// How a build uses the nearest `kforge.lock`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LockUse {
    /// Use the vendored copies it names; a copy whose sha256 differs is an error.
    #[default]
    Verify,
    /// Use the copies that match their sha256 and fetch the others (`kforge vendor`).
    Lenient,
    /// Fetch everything (`kforge vendor --update`).
    Ignore,
}

/// One repository's checkout, resolved once per run (other builds wait for it).
type CheckoutCell = OnceLock<Result<Checkout, String>>;

/// What the builds of one run fetched or read from a lock, shared between them (overlays
/// built in parallel fetch a repository once) and listed by `kforge vendor`.
#[derive(Debug, Default)]
pub struct RemoteState {
    git: Mutex<HashMap<GitKey, Arc<CheckoutCell>>>,
    verified: Mutex<HashMap<PathBuf, Result<(), String>>>,
    used: Mutex<BTreeMap<String, Used>>,
}

/// A remote this run read, for `kforge vendor`.
#[derive(Clone, Debug)]
pub enum Used {
    /// A repository at a commit: its tree is at `root`.
    Git {
        /// The spec's repository, ref and submodule choice.
        key: GitKey,
        /// The checkout.
        checkout: Checkout,
    },
    /// A plain file and its bytes.
    Http {
        /// The URL as written.
        url: String,
        /// Its content.
        bytes: Vec<u8>,
    },
}

impl RemoteState {
    /// Every remote read so far, in a stable order.
    pub fn used(&self) -> Vec<Used> {
        self.used
            .lock()
            .expect("not poisoned")
            .values()
            .cloned()
            .collect()
    }

    fn record(&self, key: String, used: Used) {
        self.used.lock().expect("not poisoned").insert(key, used);
    }
}
