//! `kforge diff`: what a change does to every environment, object by object.
//!
//! Both sides are built from a repository tree (a directory, or a Git ref exported with
//! `git archive`); objects are matched by id, with generated ConfigMaps/Secrets matched
//! across a change of their content-hash suffix (reported as noise, not as remove + add).
//! Secret values never appear: they are replaced by a short hash before diffing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kforge_value::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::{BuildOptions, Resource};

/// One object's change.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the new build.
    Added(String),
    /// Only in the old build.
    Removed(String),
    /// In both, with a unified diff of the rendered YAML.
    Changed(String, String),
    /// A generated object whose name hash changed, with the diff of its content (names
    /// aside) when the content changed too.
    Rehashed(String, String, Option<String>),
}

/// The changes of one environment.
pub struct EnvDiff {
    /// Environment name.
    pub env: String,
    /// Changes, sorted by object id.
    pub changes: Vec<Change>,
    /// The edges of the architecture picture the change adds, removes or leaves dangling
    /// ([`crate::graph::changes`]), when asked for ([`diff_trees_with`]).
    pub graph: Option<crate::graph::Graph>,
}

/// Replace Secret values with a short content hash, so diffs show that, not what, changed.
pub fn redact(r: &Resource) -> Value {
    let mut v = r.value.clone();
    if r.kind() == "Secret" {
        for field in ["data", "stringData"] {
            if let Some(Value::Object(m)) = v.get_mut(field) {
                for (_, val) in m.iter_mut() {
                    let text = val.as_str().unwrap_or_default();
                    let digest = Sha256::digest(text.as_bytes());
                    let short: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
                    *val = Value::String(format!("<redacted sha256:{short}>"));
                }
            }
        }
    }
    v
}

/// A generated object's name without kustomize's 10-character hash suffix.
fn unhashed(r: &Resource) -> Option<String> {
    if !matches!(r.kind(), "ConfigMap" | "Secret") {
        return None;
    }
    let name = r.name();
    let (stem, suffix) = name.rsplit_once('-')?;
    (suffix.len() == 10
        && suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    .then(|| format!("{}/{}/{stem}", r.kind(), r.namespace()))
}

fn render_one(r: &Resource) -> String {
    crate::emit::yaml::to_string(&redact(r))
}

/// Diff two builds of one environment.
pub fn diff_resources(old: &[Resource], new: &[Resource]) -> Vec<Change> {
    let index = |rs: &[Resource]| -> BTreeMap<String, usize> {
        rs.iter()
            .enumerate()
            .map(|(i, r)| (r.cur_id_ref().to_string(), i))
            .collect()
    };
    let (oi, ni) = (index(old), index(new));
    let mut changes = Vec::new();
    let mut removed: Vec<&String> = Vec::new();
    for (id, &i) in &oi {
        match ni.get(id) {
            Some(&j) => {
                let (a, b) = (render_one(&old[i]), render_one(&new[j]));
                if a != b {
                    let d = similar::TextDiff::from_lines(&a, &b)
                        .unified_diff()
                        .context_radius(3)
                        .header(id, id)
                        .to_string();
                    changes.push(Change::Changed(id.clone(), d));
                }
            }
            None => removed.push(id),
        }
    }
    let mut added: Vec<&String> = ni.keys().filter(|id| !oi.contains_key(*id)).collect();
    // A generated object whose hash suffix changed: pair it up instead of remove + add.
    let mut paired = Vec::new();
    for r in removed.iter() {
        let Some(key) = unhashed(&old[oi[*r]]) else {
            continue;
        };
        if let Some(pos) = added
            .iter()
            .position(|a| unhashed(&new[ni[*a]]).as_deref() == Some(&key))
        {
            paired.push((*r, added.remove(pos)));
        }
    }
    for (a, b) in &paired {
        let strip = |r: &Resource| {
            let mut r = r.clone();
            if let Some(stem) = unhashed(&r).and_then(|k| k.rsplit('/').next().map(str::to_owned)) {
                r.set_name(&stem);
            }
            render_one(&r)
        };
        let (x, y) = (strip(&old[oi[*a]]), strip(&new[ni[*b]]));
        let content = (x != y).then(|| {
            similar::TextDiff::from_lines(&x, &y)
                .unified_diff()
                .context_radius(3)
                .header(a, b)
                .to_string()
        });
        changes.push(Change::Rehashed((*a).clone(), (*b).clone(), content));
    }
    for r in removed
        .into_iter()
        .filter(|r| !paired.iter().any(|(a, _)| a == r))
    {
        changes.push(Change::Removed(r.clone()));
    }
    for a in added {
        changes.push(Change::Added(a.clone()));
    }
    changes.sort_by(|x, y| key(x).cmp(key(y)));
    changes
}

fn key(c: &Change) -> &str {
    match c {
        Change::Added(s)
        | Change::Removed(s)
        | Change::Changed(s, _)
        | Change::Rehashed(s, _, _) => s,
    }
}

/// Diff every environment of two repository trees.
pub fn diff_trees(old_root: &Path, new_root: &Path, opts: &BuildOptions) -> Result<Vec<EnvDiff>> {
    diff_trees_with(old_root, new_root, opts, false)
}

/// What a repository tree says about drawing an environment: its `kforge.yaml` and the
/// CRDs it declares installed (the old side of a diff may predate either: it then has
/// none).
struct Side {
    config: crate::Config,
    crds: Vec<Resource>,
}

impl Side {
    fn read(root: &Path, opts: &BuildOptions, lenient: bool) -> Result<Side> {
        let config = match crate::Config::load(root) {
            Ok(c) => c,
            Err(_) if lenient => crate::Config::default(),
            Err(e) => return Err(e),
        };
        let crds = match crate::repo_crds(root, &config, opts) {
            Ok(c) => c,
            Err(_) if lenient => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(Side { config, crds })
    }

    fn graph(&self, env: &str, resources: &[Resource]) -> crate::graph::Graph {
        crate::graph::of_resources(
            env,
            resources,
            &self.crds,
            &self.config.policy(Some(env)),
            crate::validate::outside::Outside::empty(),
        )
    }
}

/// [`diff_trees`], with each environment's [`EnvDiff::graph`] when `graph` is set.
pub fn diff_trees_with(
    old_root: &Path,
    new_root: &Path,
    opts: &BuildOptions,
    graph: bool,
) -> Result<Vec<EnvDiff>> {
    let sides = if graph {
        Some((
            Side::read(old_root, opts, true)?,
            Side::read(new_root, opts, false)?,
        ))
    } else {
        None
    };
    // A side without overlays (e.g. a ref before the repository had them) has no objects.
    let envs = |root: &Path| -> Result<BTreeMap<String, PathBuf>> {
        Ok(crate::environments(root)
            .unwrap_or_default()
            .into_iter()
            .collect())
    };
    let (old, new) = (envs(old_root)?, envs(new_root)?);
    let opts = &opts.sharing_parses();
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for env in names {
        let build = |m: &BTreeMap<String, PathBuf>| -> Result<Vec<Resource>> {
            match m.get(env) {
                Some(dir) => Ok(crate::build_dir(dir, opts)?.resources),
                None => Ok(Vec::new()),
            }
        };
        let (old_objects, new_objects) = (build(&old)?, build(&new)?);
        let changes = diff_resources(&old_objects, &new_objects);
        let graph = sides.as_ref().map(|(o, n)| {
            crate::graph::changes::changes(&o.graph(env, &old_objects), &n.graph(env, &new_objects))
        });
        out.push(EnvDiff {
            env: env.clone(),
            changes,
            graph,
        });
    }
    Ok(out)
}

/// Export Git ref `rev` of the repository at `repo` into `dest` (no shell, `git archive`).
pub fn export_ref(repo: &Path, rev: &str, dest: &Path) -> Result<()> {
    std::fs::create_dir_all(dest).map_err(|e| Error::at(dest, None, e.to_string()))?;
    let archive = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["archive", "--format=tar", rev])
        .output()
        .map_err(|e| Error::msg(format!("cannot run git: {e}")))?;
    if !archive.status.success() {
        return Err(Error::msg(format!(
            "git archive {rev} failed: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        )));
    }
    let mut tar = std::process::Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dest)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| Error::msg(format!("cannot run tar: {e}")))?;
    use std::io::Write;
    tar.stdin
        .take()
        .expect("piped")
        .write_all(&archive.stdout)
        .map_err(|e| Error::msg(format!("tar: {e}")))?;
    let status = tar.wait().map_err(|e| Error::msg(format!("tar: {e}")))?;
    if !status.success() {
        return Err(Error::msg("tar could not unpack the git archive"));
    }
    Ok(())
}

/// Plain text: a summary line per environment and the unified diffs.
pub fn to_text(diffs: &[EnvDiff]) -> String {
    let mut out = String::new();
    for d in diffs {
        let _ = writeln!(out, "== {}: {}", d.env, summary(&d.changes));
        for c in &d.changes {
            match c {
                Change::Added(id) => {
                    let _ = writeln!(out, "+ {id}");
                }
                Change::Removed(id) => {
                    let _ = writeln!(out, "- {id}");
                }
                Change::Rehashed(a, b, content) => {
                    let _ = writeln!(out, "~ {a} -> {b} (generated name hash)");
                    out.push_str(content.as_deref().unwrap_or_default());
                }
                Change::Changed(_, diff) => out.push_str(diff),
            }
        }
    }
    out
}

fn summary(changes: &[Change]) -> String {
    let n = |f: fn(&Change) -> bool| changes.iter().filter(|c| f(c)).count();
    if changes.is_empty() {
        return "no changes".into();
    }
    format!(
        "{} changed, {} added, {} removed, {} renamed by content hash",
        n(|c| matches!(c, Change::Changed(..))),
        n(|c| matches!(c, Change::Added(_))),
        n(|c| matches!(c, Change::Removed(_))),
        n(|c| matches!(c, Change::Rehashed(..)))
    )
}

/// Markdown for a pull-request comment, at most `limit` characters (GitHub allows 65,536):
/// when the diffs do not fit, the summary table stays and the diffs are cut with a note.
pub fn to_markdown(diffs: &[EnvDiff], limit: usize) -> String {
    let mut head =
        String::from("### kforge: rendered changes\n\n| environment | changes |\n|---|---|\n");
    for d in diffs {
        let _ = writeln!(head, "| {} | {} |", d.env, summary(&d.changes));
    }
    let mut body = String::new();
    for d in diffs.iter().filter(|d| !d.changes.is_empty()) {
        let _ = writeln!(
            body,
            "\n<details><summary>{} ({})</summary>\n",
            d.env,
            summary(&d.changes)
        );
        for c in &d.changes {
            match c {
                Change::Added(id) => {
                    let _ = writeln!(body, "- added `{id}`");
                }
                Change::Removed(id) => {
                    let _ = writeln!(body, "- removed `{id}`");
                }
                Change::Rehashed(a, b, content) => {
                    let _ = writeln!(body, "- `{a}` → `{b}` (generated name hash)");
                    if let Some(d) = content {
                        let _ = writeln!(body, "```diff\n{d}```");
                    }
                }
                Change::Changed(id, diff) => {
                    let _ = writeln!(body, "\n`{id}`\n```diff\n{}```", diff);
                }
            }
        }
        body.push_str("\n</details>\n");
    }
    for d in diffs {
        let Some(g) = d.graph.as_ref().filter(|g| !g.edges.is_empty()) else {
            continue;
        };
        let _ = writeln!(
            body,
            "\n<details><summary>{}: the references the change moves ({})</summary>\n\n```mermaid\n{}```\n\n</details>",
            d.env,
            crate::graph::changes::summary(g),
            g.render(crate::graph::Format::Mermaid)
        );
    }
    let note = "\n_Diff truncated to fit a comment; run `kforge diff` locally for all of it._\n";
    if head.len() + body.len() <= limit {
        return head + &body;
    }
    let room = limit.saturating_sub(head.len() + note.len());
    let mut cut = room.min(body.len());
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut cut_body = body[..cut].to_owned();
    if cut_body.matches("```").count() % 2 == 1 {
        cut_body.push_str("\n```");
    }
    let mut s = head + &cut_body + note;
    s.truncate(limit.max(1));
    s
}
