//! Which resource entries are remote, and a Git URL taken apart, as kustomize v5.8.1's URL
//! parser does it.

use std::time::Duration;

use super::DEFAULT_TIMEOUT;

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
