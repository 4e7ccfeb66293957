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

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::exec::{self, RunError, TempDir};
use super::vendor::{self, Lock};

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

/// A repository, a ref and whether submodules are fetched: what a checkout depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GitKey {
    /// What `git fetch` is given.
    pub repo: String,
    /// The ref (`""`: the remote's HEAD).
    pub git_ref: String,
    /// Whether submodules are checked out.
    pub submodules: bool,
}

/// A Git URL taken apart as kustomize takes it apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitSpec {
    /// The repository, its ref and submodule choice.
    pub key: GitKey,
    /// The kustomization's directory inside the repository (`""`: its root).
    pub subdir: String,
    /// Time limit for each git command.
    pub timeout: Duration,
    /// Whether the URL marks itself as a repository (`//`, `.git`, `_git/`, a ref, or a
    /// GitHub host), so that an `http(s)` URL is not first tried as a file.
    pub explicit: bool,
}

/// What kind of ref a checkout was fetched at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    /// A tag (`refs/tags/...`).
    Tag,
    /// A full commit id.
    Commit,
    /// A branch (`refs/heads/...`).
    Branch,
    /// No ref: the remote's HEAD.
    Head,
    /// Any other ref (`refs/pull/1/head`, ...).
    Other,
}

impl RefKind {
    /// A tag or a commit: what `--require-pinned-remotes` accepts.
    pub fn is_pinned(self) -> bool {
        matches!(self, RefKind::Tag | RefKind::Commit)
    }

    /// The word written in `kforge.lock`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Tag => "tag",
            RefKind::Commit => "commit",
            RefKind::Branch => "branch",
            RefKind::Head => "head",
            RefKind::Other => "other",
        }
    }

    /// The kind named by `s` in `kforge.lock`.
    pub fn parse(s: &str) -> Option<RefKind> {
        Some(match s {
            "tag" => RefKind::Tag,
            "commit" => RefKind::Commit,
            "branch" => RefKind::Branch,
            "head" => RefKind::Head,
            "other" => RefKind::Other,
            _ => return None,
        })
    }
}

/// A repository's tree at one commit, on disk (in the cache or vendored).
#[derive(Clone, Debug)]
pub struct Checkout {
    /// The tree (no `.git`).
    pub root: PathBuf,
    /// The commit id.
    pub commit: String,
    /// What kind of ref it was fetched at.
    pub kind: RefKind,
}

/// What a resource entry names, when it is not a local path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteEntry {
    /// A Git repository (and a directory in it).
    Git(GitSpec),
    /// An `http(s)` URL: a file, unless fetching it fails or gives no objects and it also
    /// reads as a repository (kustomize's order).
    Http {
        /// The URL.
        url: String,
        /// The repository it names, if it reads as one.
        git: Option<GitSpec>,
    },
}

/// Classify `entry` as kustomize does: `http(s)` URLs are files first, other forms that
/// parse as a Git URL are repositories, anything else is local (`None`).
pub fn classify(entry: &str) -> Option<RemoteEntry> {
    let git = parse_git(entry);
    if is_http_url(entry) {
        return Some(match git {
            Some(spec) if spec.explicit => RemoteEntry::Git(spec),
            git => RemoteEntry::Http {
                url: entry.to_owned(),
                git,
            },
        });
    }
    git.map(RemoteEntry::Git)
}

/// An `http://` or `https://` URL with a host (what kustomize fetches as a file).
pub fn is_http_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &s[8..]
    } else if lower.starts_with("http://") {
        &s[7..]
    } else {
        return false;
    };
    !rest.is_empty() && !rest.starts_with('/')
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

const SCHEMES: [&str; 4] = ["ssh://", "https://", "http://", "file://"];

/// Parse a Git URL as kustomize's `NewRepoSpecFromURL` does; `None` when `n` is not one.
pub fn parse_git(n: &str) -> Option<GitSpec> {
    if n.starts_with('/') {
        return None;
    }
    let (n, query) = n.split_once('?').unwrap_or((n, ""));
    let q = parse_query(query);
    let n = strip_prefix_ignore_case(n, "git::").unwrap_or(n);
    let (scheme, n) = SCHEMES
        .iter()
        .find_map(|p| strip_prefix_ignore_case(n, p).map(|rest| (*p, rest)))
        .unwrap_or(("", n));
    let (user, n) = split_username(n);
    let github = {
        let l = n.get(..11).unwrap_or(n).to_ascii_lowercase();
        l == "github.com/" || l == "github.com:"
    };
    let scp = scheme.is_empty() && (!user.is_empty() || github);
    if scheme.is_empty() && !scp {
        return None;
    }
    let (host, rest) = if scheme == "file://" {
        ("file://".to_owned(), format!("{user}{n}"))
    } else {
        let slash = n.find('/');
        let sep = match (slash, scp.then(|| n.find(':')).flatten()) {
            (None, colon) => colon,
            (Some(s), Some(c)) if c > 0 && c < s => Some(c),
            (s, _) => s,
        };
        let (mut host, rest) = match sep {
            Some(i) => (n[..=i].to_owned(), n[i + 1..].to_owned()),
            None => (n.to_owned(), String::new()),
        };
        let (mut scheme, mut user) = (scheme, user);
        if github {
            if scheme == "ssh://" || !user.is_empty() {
                scheme = "";
                host = "github.com:".to_owned();
            } else {
                scheme = "https://";
                user = "";
                host = "github.com/".to_owned();
            }
        }
        if host.is_empty() {
            return None;
        }
        (format!("{scheme}{user}{host}"), rest)
    };
    let all = host.starts_with("file://");
    let (repo_path, subdir, marked) = split_repo_path(&rest, all)?;
    Some(GitSpec {
        key: GitKey {
            repo: format!("{host}{repo_path}"),
            git_ref: q.git_ref.clone(),
            submodules: q.submodules,
        },
        subdir,
        timeout: q.timeout,
        explicit: marked || !q.git_ref.is_empty() || github,
    })
}

/// `name@` at the start of `s` (a letter, then letters, digits and dashes).
fn split_username(s: &str) -> (&str, &str) {
    let mut chars = s.char_indices();
    if !chars.next().is_some_and(|(_, c)| c.is_ascii_alphabetic()) {
        return ("", s);
    }
    for (i, c) in chars {
        if c == '@' {
            return (&s[..=i], &s[i + 1..]);
        }
        if !(c.is_ascii_alphanumeric() || c == '-') {
            break;
        }
    }
    ("", s)
}

/// The repository path and the directory inside it; `marked` when an explicit marker
/// (`_git/`, `//`, `.git`) split them.
fn split_repo_path(n: &str, all_segments: bool) -> Option<(String, String, bool)> {
    let (repo, sub, marked) = if let Some(i) = n.find("_git/") {
        let after = &n[i + 5..];
        let (first, rest) = after.split_once('/').unwrap_or((after, ""));
        (format!("{}{first}", &n[..i + 5]), rest.to_owned(), true)
    } else if let Some(i) = n.find("//") {
        (n[..i].to_owned(), n[i + 2..].to_owned(), true)
    } else if let Some(i) = n.find(".git") {
        (n[..i + 4].to_owned(), n[i + 4..].to_owned(), true)
    } else if all_segments {
        (n.to_owned(), String::new(), false)
    } else {
        let parts: Vec<&str> = n.split('/').collect();
        if parts.len() < 2 {
            return None;
        }
        (parts[..2].join("/"), parts[2..].join("/"), false)
    };
    if repo.is_empty() {
        return None;
    }
    // A directory that climbs out of the repository is refused.
    let mut depth = 0i32;
    for seg in sub.trim_start_matches('/').split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => depth += 1,
        }
    }
    Some((repo, sub.trim_start_matches('/').to_owned(), marked))
}

struct Query {
    git_ref: String,
    timeout: Duration,
    submodules: bool,
}

/// The query of a Git URL, read as Go's `url.ParseQuery` reads it (any malformed part
/// gives every default, as in kustomize).
fn parse_query(query: &str) -> Query {
    let defaults = Query {
        git_ref: String::new(),
        timeout: DEFAULT_TIMEOUT,
        submodules: true,
    };
    let mut values: Vec<(String, String)> = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        if part.contains(';') {
            return defaults;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match (percent_decode(k), percent_decode(v)) {
            (Some(k), Some(v)) => values.push((k, v)),
            _ => return defaults,
        }
    }
    let get = |name: &str| {
        values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut q = defaults;
    q.git_ref = get("version").to_owned();
    if !get("ref").is_empty() {
        q.git_ref = get("ref").to_owned();
    }
    let t = get("timeout");
    if let Ok(secs) = t.parse::<i64>() {
        if secs > 0 {
            q.timeout = Duration::from_secs(secs as u64);
        }
    } else if let Some(d) = crate::text::parse_go_duration(t).filter(|d| !d.is_zero()) {
        q.timeout = d;
    }
    match get("submodules") {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => q.submodules = true,
        "0" | "f" | "F" | "FALSE" | "false" | "False" => q.submodules = false,
        _ => {}
    }
    q
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// kforge's cache directory.
pub fn cache_dir(opts: &RemoteOptions) -> Result<PathBuf, String> {
    if let Some(d) = &opts.cache_dir {
        return Ok(d.clone());
    }
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env(CACHE_ENV) {
        return Ok(d);
    }
    if let Some(d) = env("XDG_CACHE_HOME") {
        return Ok(d.join("kforge"));
    }
    if let Some(home) = env("HOME") {
        return Ok(home.join(".cache").join("kforge"));
    }
    Err(format!(
        "no cache directory for remote resources: set {CACHE_ENV} or HOME"
    ))
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_commit_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The checkout of `spec`'s repository at its ref: from the lock file's vendored copy,
/// the cache, or a fresh fetch. The error is a cause for the caller to place.
pub fn checkout(
    spec: &GitSpec,
    lock: Option<&Lock>,
    opts: &RemoteOptions,
) -> Result<Checkout, String> {
    let key = &spec.key;
    if opts.require_pinned && key.git_ref.is_empty() {
        return Err(format!(
            "'{}' has no ?ref=, and --require-pinned-remotes needs a tag or a commit; add ?ref=<tag or commit id>",
            key.repo
        ));
    }
    let cell = {
        let mut map = opts.state.git.lock().expect("not poisoned");
        map.entry(key.clone()).or_default().clone()
    };
    let result = cell.get_or_init(|| resolve(spec, lock, opts)).clone()?;
    if opts.require_pinned && !result.kind.is_pinned() {
        return Err(format!(
            "ref '{}' of '{}' is a {}, not a tag or a commit, and --require-pinned-remotes refuses it; pin ?ref= to a tag or a commit id",
            key.git_ref,
            key.repo,
            result.kind.as_str()
        ));
    }
    opts.state.record(
        format!("git {} {} {}", key.repo, key.git_ref, key.submodules),
        Used::Git {
            key: key.clone(),
            checkout: result.clone(),
        },
    );
    Ok(result)
}

fn resolve(spec: &GitSpec, lock: Option<&Lock>, opts: &RemoteOptions) -> Result<Checkout, String> {
    let key = &spec.key;
    if let Some(lock) = lock.filter(|_| opts.lock != LockUse::Ignore) {
        if let Some(entry) = lock.git(key) {
            match verify(opts, &lock.root.join(&entry.path), &entry.sha256, lock) {
                Ok(()) => {
                    return Ok(Checkout {
                        root: lock.root.join(&entry.path),
                        commit: entry.commit.clone(),
                        kind: entry.ref_kind,
                    })
                }
                Err(e) if opts.lock == LockUse::Verify => return Err(e),
                Err(_) => {}
            }
        }
    }
    let cache = cache_dir(opts)?;
    let repo_dir = cache
        .join("git")
        .join(&sha256_hex(key.repo.as_bytes())[..16]);
    let tree_name = |commit: &str| {
        if key.submodules {
            commit.to_owned()
        } else {
            format!("{commit}-nosubmodules")
        }
    };
    let index = repo_dir
        .join("refs")
        .join(&sha256_hex(format!("{}\0{}", key.git_ref, key.submodules).as_bytes())[..16]);
    // A commit, or a tag seen before: no need to ask the remote.
    if is_commit_id(&key.git_ref) {
        let root = repo_dir.join(tree_name(&key.git_ref));
        if root.is_dir() {
            return Ok(Checkout {
                root,
                commit: key.git_ref.clone(),
                kind: RefKind::Commit,
            });
        }
    } else if let Some((commit, RefKind::Tag)) = read_index(&index) {
        let root = repo_dir.join(tree_name(&commit));
        if root.is_dir() {
            return Ok(Checkout {
                root,
                commit,
                kind: RefKind::Tag,
            });
        }
    }
    let git = Git {
        timeout: spec.timeout,
    };
    let (remote_commit, kind) = if is_commit_id(&key.git_ref) {
        (Some(key.git_ref.clone()), RefKind::Commit)
    } else {
        git.ls_remote(&key.repo, &key.git_ref)?
    };
    if let Some(commit) = &remote_commit {
        let root = repo_dir.join(tree_name(commit));
        if root.is_dir() {
            write_index(&index, commit, kind);
            return Ok(Checkout {
                root,
                commit: commit.clone(),
                kind,
            });
        }
    }
    if opts.require_pinned && !kind.is_pinned() {
        // Refused by the caller; fetching it would be wasted.
        return Ok(Checkout {
            root: PathBuf::new(),
            commit: remote_commit.unwrap_or_default(),
            kind,
        });
    }
    remove_stale(&cache.join("tmp"));
    let tmp = TempDir::new_in(&cache.join("tmp"), "fetch")
        .map_err(|e| format!("cannot create a directory in {}: {e}", cache.display()))?;
    let commit = git.fetch(key, kind, tmp.path())?;
    let root = repo_dir.join(tree_name(&commit));
    std::fs::create_dir_all(&repo_dir)
        .map_err(|e| format!("cannot create {}: {e}", repo_dir.display()))?;
    let tree = tmp.path().join("tree");
    match std::fs::rename(&tree, &root) {
        Ok(()) => {}
        // Another run put the same commit in place first: it is the same tree.
        Err(_) if root.is_dir() => {}
        Err(e) => return Err(format!("cannot write {}: {e}", root.display())),
    }
    write_index(&index, &commit, kind);
    Ok(Checkout { root, commit, kind })
}

/// Remove what fetches killed more than an hour ago left in the cache's `tmp/`.
fn remove_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn read_index(path: &Path) -> Option<(String, RefKind)> {
    let text = std::fs::read_to_string(path).ok()?;
    let (commit, kind) = text.trim().split_once(' ')?;
    Some((commit.to_owned(), RefKind::parse(kind)?))
}

/// Record which commit a ref was found at (written beside and renamed into place).
fn write_index(path: &Path, commit: &str, kind: RefKind) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".tmp-{}", std::process::id()));
    if std::fs::write(&tmp, format!("{commit} {}\n", kind.as_str())).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

/// Check a vendored tree or file against its sha256 (once per run).
fn verify(opts: &RemoteOptions, path: &Path, sha256: &str, lock: &Lock) -> Result<(), String> {
    let mut map = opts.state.verified.lock().expect("not poisoned");
    map.entry(path.to_path_buf())
        .or_insert_with(|| {
            let actual = vendor::tree_sha256(path).map_err(|e| {
                format!(
                    "cannot read the vendored copy {} named in {}: {e}; run `kforge vendor` again",
                    path.display(),
                    lock.path.display()
                )
            })?;
            if actual != sha256 {
                return Err(format!(
                    "the vendored copy {} does not match its sha256 in {} (the files were changed); restore them or run `kforge vendor` again",
                    path.display(),
                    lock.path.display()
                ));
            }
            Ok(())
        })
        .clone()
}

/// Running the git program.
struct Git {
    timeout: Duration,
}

impl Git {
    fn run(&self, dir: Option<&Path>, args: &[&str]) -> Result<Vec<u8>, String> {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GCM_INTERACTIVE", "never")
            .env("LC_ALL", "C");
        // A repository the caller is in (a hook, a worktree) must not leak into ours.
        for var in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
        ] {
            cmd.env_remove(var);
        }
        if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
            cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let shown = format!("git {}", args.join(" "));
        match exec::run(cmd, self.timeout, 64 << 20) {
            Ok(ran) if ran.ok => Ok(ran.stdout),
            Ok(ran) => Err(format!(
                "'{shown}' failed: {}",
                exec::stderr_summary(&ran.stderr)
            )),
            Err(RunError::Spawn(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(
                "git is not installed (no 'git' program on PATH); install git, or vendor the remote with `kforge vendor` where git is available".to_owned(),
            ),
            Err(RunError::Spawn(e)) => Err(format!("cannot run git: {e}")),
            Err(RunError::Timeout(t)) => Err(format!(
                "'{shown}' did not finish within {:?} and was stopped; raise the limit with ?timeout= in the URL",
                t
            )),
            Err(RunError::TooLarge(n)) => {
                Err(format!("'{shown}' printed more than {n} bytes; refusing it"))
            }
            Err(RunError::Wait(e)) => Err(format!("waiting for git failed: {e}")),
        }
    }

    /// The commit `git_ref` names on the remote and what kind of ref it is (tags before
    /// branches, as git resolves a short name).
    fn ls_remote(&self, repo: &str, git_ref: &str) -> Result<(Option<String>, RefKind), String> {
        let pattern = if git_ref.is_empty() { "HEAD" } else { git_ref };
        let out = self
            .run(None, &["ls-remote", "--", repo, pattern])
            .map_err(|e| {
                format!("{e}; check the URL and your access to the repository (git runs without prompting for credentials)")
            })?;
        let text = String::from_utf8_lossy(&out);
        let refs: HashMap<&str, &str> = text
            .lines()
            .filter_map(|l| {
                let (id, name) = l.split_once('\t')?;
                Some((name.trim(), id.trim()))
            })
            .collect();
        if git_ref.is_empty() {
            return Ok((refs.get("HEAD").map(|s| s.to_string()), RefKind::Head));
        }
        let tag = format!("refs/tags/{git_ref}");
        let candidates = [
            (git_ref.to_owned(), None),
            (format!("refs/{git_ref}"), None),
            (tag.clone(), Some(RefKind::Tag)),
            (format!("refs/heads/{git_ref}"), Some(RefKind::Branch)),
        ];
        for (name, kind) in candidates {
            let Some(id) = refs.get(name.as_str()) else {
                continue;
            };
            let kind = kind.unwrap_or(if name.starts_with("refs/tags/") {
                RefKind::Tag
            } else if name.starts_with("refs/heads/") {
                RefKind::Branch
            } else {
                RefKind::Other
            });
            // An annotated tag: the commit it points at.
            let peeled = refs.get(format!("{name}^{{}}").as_str()).unwrap_or(id);
            return Ok((Some(peeled.to_string()), kind));
        }
        let _ = tag;
        Err(format!(
            "ref '{git_ref}' is not a branch or tag of '{repo}' (git ls-remote lists no such ref); check ?ref= in the URL"
        ))
    }

    /// Fetch `key` into `work/tree` (shallow; a commit the server will not serve shallowly
    /// is fetched with the branches and tags), and return the commit checked out.
    fn fetch(&self, key: &GitKey, kind: RefKind, work: &Path) -> Result<String, String> {
        let tree = work.join("tree");
        std::fs::create_dir_all(&tree)
            .map_err(|e| format!("cannot create {}: {e}", tree.display()))?;
        let at = Some(tree.as_path());
        self.run(at, &["init", "--quiet"])?;
        // Relative submodule URLs are resolved against `origin`.
        self.run(at, &["remote", "add", "origin", &key.repo])?;
        let git_ref = if key.git_ref.is_empty() {
            "HEAD"
        } else {
            &key.git_ref
        };
        let shallow = self.run(
            at,
            &["fetch", "--quiet", "--depth=1", "--", &key.repo, git_ref],
        );
        let checkout = |what: &str| {
            let quiet = ["-c", "advice.detachedHead=false", "checkout", "--quiet"];
            self.run(at, &[&quiet[..], &[what]].concat())
        };
        match shallow {
            Ok(_) => {
                checkout("FETCH_HEAD")?;
            }
            Err(_) if kind == RefKind::Commit => {
                let all = "+refs/heads/*:refs/remotes/origin/*";
                self.run(at, &["fetch", "--quiet", "--tags", "--", &key.repo, all])
                    .map_err(|e| format!("commit '{git_ref}' could not be fetched: {e}"))?;
                checkout(git_ref)
                    .map_err(|e| format!("commit '{git_ref}' is not in '{}': {e}", key.repo))?;
            }
            Err(e) => return Err(e),
        }
        if key.submodules && tree.join(".gitmodules").is_file() {
            self.run(at, &["submodule", "update", "--init", "--recursive"])?;
        }
        let head = self.run(at, &["rev-parse", "HEAD"])?;
        let commit = String::from_utf8_lossy(&head).trim().to_owned();
        vendor::remove_git_dirs(&tree)
            .map_err(|e| format!("cannot clean the checkout {}: {e}", tree.display()))?;
        Ok(commit)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_url_forms_split_as_kustomize_splits_them() {
        // URL, repository given to git, directory in it, ref.
        let cases = [
            (
                "https://github.com/org/repo//path/x?ref=v1.2.3",
                "https://github.com/org/repo",
                "path/x",
                "v1.2.3",
            ),
            (
                "github.com/org/repo/path?version=v1",
                "https://github.com/org/repo",
                "path",
                "v1",
            ),
            (
                "git@github.com:org/repo//path",
                "git@github.com:org/repo",
                "path",
                "",
            ),
            (
                "ssh://git@github.com/org/repo/sub",
                "git@github.com:org/repo",
                "sub",
                "",
            ),
            (
                "ssh://git@example.com/org/repo.git/sub?ref=main",
                "ssh://git@example.com/org/repo.git",
                "sub",
                "main",
            ),
            (
                "git::https://example.com/org/repo//a/b",
                "https://example.com/org/repo",
                "a/b",
                "",
            ),
            (
                "file:///tmp/repos/one//base?ref=v1",
                "file:///tmp/repos/one",
                "base",
                "v1",
            ),
            ("file:///tmp/repos/one", "file:///tmp/repos/one", "", ""),
            (
                "https://dev.azure.com/org/project/_git/repo/path/x",
                "https://dev.azure.com/org/project/_git/repo",
                "path/x",
                "",
            ),
            (
                "user@host.example:org/repo.git//x",
                "user@host.example:org/repo.git",
                "x",
                "",
            ),
        ];
        for (url, repo, subdir, git_ref) in cases {
            let g = parse_git(url).unwrap_or_else(|| panic!("{url} should be a git URL"));
            assert_eq!(
                (
                    g.key.repo.as_str(),
                    g.subdir.as_str(),
                    g.key.git_ref.as_str()
                ),
                (repo, subdir, git_ref),
                "{url}"
            );
        }
        // Not Git URLs: local paths, plain words, a directory leaving the repository.
        for s in [
            "base",
            "../base",
            "/abs/path",
            "s3://bucket/x",
            "https://example.com",
            "https://example.com/org/repo//../x",
        ] {
            assert_eq!(parse_git(s), None, "{s}");
        }
    }

    #[test]
    fn query_parameters_read_as_go_reads_them() {
        let g = parse_git("https://example.com/o/r//p?ref=a%2Fb&version=x&timeout=90&submodules=0")
            .expect("git");
        assert_eq!(g.key.git_ref, "a/b");
        assert_eq!(g.timeout, Duration::from_secs(90));
        assert!(!g.key.submodules);
        let g = parse_git("https://example.com/o/r//p?version=v2&timeout=1m30s").expect("git");
        assert_eq!(g.key.git_ref, "v2");
        assert_eq!(g.timeout, Duration::from_secs(90));
        // A malformed query gives every default.
        let g = parse_git("https://example.com/o/r//p?ref=v1&timeout=5;x").expect("git");
        assert_eq!(g.key.git_ref, "");
        assert_eq!(g.timeout, DEFAULT_TIMEOUT);
        assert!(g.key.submodules);
        let g = parse_git("https://example.com/o/r//p?timeout=-3&submodules=maybe").expect("git");
        assert_eq!(g.timeout, DEFAULT_TIMEOUT);
        assert!(g.key.submodules);
    }

    #[test]
    fn http_urls_are_files_first_unless_marked_as_repositories() {
        assert_eq!(
            classify("https://example.com/manifests/app.yaml"),
            Some(RemoteEntry::Http {
                url: "https://example.com/manifests/app.yaml".into(),
                git: parse_git("https://example.com/manifests/app.yaml"),
            })
        );
        assert!(matches!(
            classify("https://example.com/org/repo//dir?ref=v1"),
            Some(RemoteEntry::Git(_))
        ));
        assert!(matches!(
            classify("https://github.com/org/repo/dir"),
            Some(RemoteEntry::Git(_))
        ));
        assert!(matches!(
            classify("http://127.0.0.1:8080/x.yaml"),
            Some(RemoteEntry::Http { .. })
        ));
        assert_eq!(classify("base/x.yaml"), None);
    }
}
