//! What a source artifact leaves out of the repository: source-controller's `.sourceignore`
//! files and a source's `spec.ignore`, matched as Flux matches them (go-git's gitignore
//! patterns, as copied into fluxcd/pkg `sourceignore/gitignore`).
//!
//! A GitRepository's artifact: the `.sourceignore` of every directory (except `.git`), each
//! file's patterns scoped to its directory, parents before their subdirectories; then the
//! source's `spec.ignore` lines at the root. With no pattern at all the default exclusions
//! apply (version control files, images and archives, CI files, `.goreleaser.yml`,
//! `.sops.yaml`, `.flux.yaml`); with any pattern, only the version control ones are kept
//! below them.
//!
//! The last pattern that matches a path decides (`!` includes again). Files are matched one
//! by one, never pruned with their directory, so `!` can bring back a file of an excluded
//! directory. A pattern without `/` matches a name at any depth; one with `/` (a leading
//! one too) is anchored to its file's directory; `**` stands for any directories; a
//! trailing `/` matches directories only (a file below one).

use std::path::Path;

use crate::kustomize::edit::glob::matches as go_match;

/// The file that lists patterns.
pub const IGNORE_FILE: &str = ".sourceignore";

const VCS: &[&str] = &[".git/", ".gitignore", ".gitmodules", ".gitattributes"];
const DEFAULTS: &[&str] = &[
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
];

/// One pattern, scoped to the directory (`domain`, path components) of its file.
#[derive(Clone, Debug)]
struct Pattern {
    domain: Vec<String>,
    parts: Vec<String>,
    include: bool,
    dir_only: bool,
    /// Has a `/`: matched part by part from the domain, rather than as a name anywhere.
    anchored: bool,
}

/// Whether a pattern part matches a name (a malformed part matches nothing).
fn part_matches(part: &str, name: &str) -> bool {
    go_match(part, name).unwrap_or(false)
}

impl Pattern {
    fn parse(line: &str, domain: &[String]) -> Pattern {
        let (include, mut p) = match line.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        if !p.ends_with("\\ ") {
            p = p.trim_end_matches(' ');
        }
        let dir_only = p.ends_with('/');
        if dir_only {
            p = &p[..p.len() - 1];
        }
        Pattern {
            domain: domain.to_vec(),
            parts: p.split('/').map(str::to_owned).collect(),
            include,
            dir_only,
            anchored: p.contains('/'),
        }
    }

    /// `Some(true)` when the pattern excludes `path`, `Some(false)` when it includes it
    /// again, `None` when it does not match.
    fn decide(&self, path: &[&str], is_dir: bool) -> Option<bool> {
        if path.len() <= self.domain.len() || self.domain.iter().zip(path).any(|(d, p)| d != p) {
            return None;
        }
        let rest = &path[self.domain.len()..];
        let hit = if self.anchored {
            self.anchored_match(rest, is_dir)
        } else {
            self.name_match(rest, is_dir)
        };
        hit.then_some(!self.include)
    }

    /// A name anywhere on the path (for a directory-only pattern, not the file's own name).
    fn name_match(&self, path: &[&str], is_dir: bool) -> bool {
        let last = path.len() - 1;
        path.iter()
            .position(|name| part_matches(&self.parts[0], name))
            .is_some_and(|i| !(self.dir_only && !is_dir && i == last))
    }

    /// The parts from the domain on, `**` taking any number of directories.
    fn anchored_match(&self, mut path: &[&str], is_dir: bool) -> bool {
        let mut matched = false;
        let mut any_depth = false;
        for (i, part) in self.parts.iter().enumerate() {
            if part.is_empty() {
                any_depth = false;
                continue;
            }
            if part == "**" {
                if i == self.parts.len() - 1 {
                    break;
                }
                any_depth = true;
                continue;
            }
            if part.contains("**") || path.is_empty() {
                return false;
            }
            if any_depth {
                any_depth = false;
                // The first name from here on that the part matches; none fails the pattern.
                match path.iter().position(|name| part_matches(part, name)) {
                    Some(k) => {
                        matched = true;
                        path = &path[k + 1..];
                    }
                    None => {
                        matched = false;
                        path = &[];
                    }
                }
            } else {
                if !part_matches(part, path[0]) {
                    return false;
                }
                matched = true;
                path = &path[1..];
            }
        }
        matched && !(self.dir_only && !is_dir && path.is_empty())
    }
}

/// The patterns of one artifact.
#[derive(Clone, Debug, Default)]
pub struct Ignore {
    patterns: Vec<Pattern>,
}

/// The pattern lines of a text: every line but blank ones and `#` comments (a line's `\r`
/// before its line break dropped).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
}

/// The `.sourceignore` patterns of `dir` and, depth first in name order, of its
/// subdirectories (not `.git`, not through symbolic links).
fn load_tree(dir: &Path, domain: &mut Vec<String>, out: &mut Vec<Pattern>) {
    if let Ok(text) = std::fs::read_to_string(dir.join(IGNORE_FILE)) {
        out.extend(lines(&text).map(|l| Pattern::parse(l, domain)));
    }
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<String> = read
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".git")
        .collect();
    subdirs.sort();
    for name in subdirs {
        domain.push(name);
        load_tree(&dir.join(domain.last().expect("pushed")), domain, out);
        domain.pop();
    }
}

impl Ignore {
    /// The patterns of the artifact a GitRepository makes from the directory `root`, with
    /// the source's `spec.ignore` text when it has one.
    pub fn load(root: &Path, spec_ignore: Option<&str>) -> Ignore {
        let mut user = Vec::new();
        load_tree(root, &mut Vec::new(), &mut user);
        user.extend(
            spec_ignore
                .into_iter()
                .flat_map(lines)
                .map(|l| Pattern::parse(l, &[])),
        );
        let defaults = VCS
            .iter()
            .chain(if user.is_empty() { DEFAULTS } else { &[] });
        let mut patterns: Vec<Pattern> = defaults.map(|p| Pattern::parse(p, &[])).collect();
        patterns.extend(user);
        Ignore { patterns }
    }

    /// Whether the artifact leaves out the file at `path` (its components from the root).
    pub fn excludes(&self, path: &[&str]) -> bool {
        self.patterns
            .iter()
            .rev()
            .find_map(|p| p.decide(path, false))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(patterns: &[(&str, &[&str])]) -> Ignore {
        Ignore {
            patterns: patterns
                .iter()
                .flat_map(|(text, domain)| {
                    let domain: Vec<String> = domain.iter().map(|d| d.to_string()).collect();
                    lines(text)
                        .map(|l| Pattern::parse(l, &domain))
                        .collect::<Vec<_>>()
                })
                .collect(),
        }
    }

    fn ex(i: &Ignore, path: &str) -> bool {
        i.excludes(&path.split('/').collect::<Vec<_>>())
    }

    #[test]
    fn names_anywhere_and_anchored_paths() {
        let i = ignore(&[("*.md\n# a comment\n\n/scripts\ndocs/\n", &[])]);
        assert!(ex(&i, "README.md"));
        assert!(ex(&i, "apps/x/NOTES.md"));
        assert!(ex(&i, "scripts/run.yaml"));
        assert!(
            !ex(&i, "apps/scripts/run.yaml"),
            "a leading / anchors at the root"
        );
        assert!(ex(&i, "apps/docs/a.yaml"), "a directory at any depth");
        assert!(
            !ex(&i, "apps/docs"),
            "a directory-only pattern is not the file itself"
        );
        assert!(!ex(&i, "apps/x/deploy.yaml"));
    }

    #[test]
    fn the_last_match_decides_and_files_are_not_pruned() {
        let i = ignore(&[("/*\n!/deploy\n", &[])]);
        assert!(ex(&i, "README.md"));
        assert!(ex(&i, "infra/a.yaml"));
        assert!(!ex(&i, "deploy/a.yaml"));
        let i = ignore(&[("tests/\n!tests/keep.yaml\n", &[])]);
        assert!(ex(&i, "tests/drop.yaml"));
        assert!(
            !ex(&i, "tests/keep.yaml"),
            "no pruning: a negation reaches inside"
        );
    }

    #[test]
    fn double_stars_and_domains() {
        let i = ignore(&[("**/secret-*.yaml\napps/**/test\nabc/**\n", &[])]);
        assert!(ex(&i, "secret-a.yaml"));
        assert!(ex(&i, "x/y/secret-a.yaml"));
        assert!(ex(&i, "apps/a/b/test"));
        assert!(ex(&i, "apps/test"));
        assert!(!ex(&i, "apps/a/b/test2"));
        assert!(ex(&i, "abc"), "`abc/**` also matches `abc`");
        assert!(ex(&i, "abc/d/e.yaml"));
        // `**` inside a part: as two stars in a name pattern, nothing in an anchored one.
        let i = ignore(&[("foo**\n", &[])]);
        assert!(ex(&i, "x/foobar"));
        let i = ignore(&[("/foo**\n", &[])]);
        assert!(!ex(&i, "foobar"));
        // A subdirectory's file: its patterns are relative to it.
        let i = ignore(&[("/local.yaml\n*.tmp\n", &["apps"])]);
        assert!(ex(&i, "apps/local.yaml"));
        assert!(!ex(&i, "local.yaml"));
        assert!(!ex(&i, "apps/x/local.yaml"));
        assert!(ex(&i, "apps/x/a.tmp"));
        assert!(!ex(&i, "a.tmp"));
    }

    #[test]
    fn defaults_only_without_patterns() {
        let dir = std::env::temp_dir().join(format!("kforge-sourceignore-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("apps/.git")).unwrap();
        let none = Ignore::load(&dir, None);
        assert!(ex(&none, ".sops.yaml"));
        assert!(ex(&none, "apps/.sops.yaml"));
        assert!(ex(&none, ".github/workflows/ci.yaml"));
        assert!(ex(&none, ".git/config"));
        assert!(!ex(&none, "apps/a.yaml"));
        // Any pattern (here from a subdirectory's file) keeps only the version control
        // defaults; `.git` directories are not searched for files.
        std::fs::write(dir.join("apps/.sourceignore"), "tmp/\n").unwrap();
        std::fs::write(dir.join("apps/.git/.sourceignore"), "*.yaml\n").unwrap();
        let some = Ignore::load(&dir, None);
        assert!(!ex(&some, ".sops.yaml"));
        assert!(ex(&some, ".git/config"));
        assert!(ex(&some, "apps/tmp/a.yaml"));
        assert!(!ex(&some, "apps/a.yaml"));
        // spec.ignore comes last and wins.
        let spec = Ignore::load(&dir, Some("!apps/tmp/keep.yaml\r\n"));
        assert!(!ex(&spec, "apps/tmp/keep.yaml"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
