//! Git repositories: checkouts fetched with the `git` program into the cache (one
//! directory per repository and commit, written atomically) or read from the lock file's
//! vendored copies.

use crate::hash::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::super::exec::{self, RunError, TempDir};
use super::super::vendor::{self, Lock};
use super::url::{GitKey, GitSpec, RefKind};
use super::{LockUse, RemoteOptions, Used, CACHE_ENV};

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
pub(super) fn verify(
    opts: &RemoteOptions,
    path: &Path,
    sha256: &str,
    lock: &Lock,
) -> Result<(), String> {
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
