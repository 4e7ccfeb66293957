//! A repository's kustomizations and how they relate, so that validating one of them knows
//! what the others deploy beside it.
//!
//! - The **root** is the Git top level above the validated directory (a `.git` directory
//!   or file), else the nearest directory above it holding `kforge.yaml`.
//! - A kustomization **includes** the local directories its `resources`, `bases` and
//!   `components` name. One that no other includes is **deployable** (unless it is a
//!   `kind: Component`); one that others include is a **part** (a base or a component).
//!   `deployable:` in `kforge.yaml` names the deployable ones explicitly instead.
//! - Two deployable kustomizations that include a common base (through `resources` or
//!   `bases`, at any depth) are **alternatives** (`overlays/dev` and `overlays/prod`):
//!   they are not deployed side by side, so one's objects never satisfy the other's
//!   references. The others are **neighbours**, deployed beside each other (cluster-wide
//!   objects beside an application, one kustomization per application).
//!
//! Directories named `test`, `tests`, `testdata`, `fixtures`, `e2e`, `vendor`,
//! `node_modules`, `target` and hidden ones are not searched: what they hold is not
//! deployed. Remote (URL) entries include nothing here.

use crate::hash::HashMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kforge_value::Value;

use crate::config::Config;
use crate::error::Result;
use crate::kustomize::loader::find_kustomization;
use crate::kustomize::BuildOptions;
use crate::resource::Resource;
use crate::source::file::read_text;
use crate::source::{Limits, Schema};
use crate::validate::outside::Outside;
use crate::validate::Policy;

/// Directory names not searched for kustomizations.
const SKIPPED: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "fixtures",
    "e2e",
    "vendor",
    "node_modules",
    "target",
];

/// At most this many directories are searched (a safety bound for huge trees).
const MAX_DIRS: usize = 50_000;

/// One kustomization of the repository.
#[derive(Debug)]
struct Node {
    dir: PathBuf,
    component: bool,
    /// Kustomizations it names in `resources`/`bases` (indexes).
    bases: Vec<usize>,
    /// Kustomizations it names in `components` (indexes).
    components: Vec<usize>,
    /// It names a remote (URL or Git) resource or component.
    remote: bool,
}

/// What a validated kustomization is within its repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Deployed on its own.
    Deployable,
    /// A base or component of these kustomizations (directories relative to the root).
    Part(Vec<PathBuf>),
    /// Not found in the repository's search (outside it, or under a skipped directory).
    Unknown,
}

/// The kustomizations of a repository.
#[derive(Debug)]
pub struct Workspace {
    root: PathBuf,
    nodes: Vec<Node>,
    by_dir: HashMap<PathBuf, usize>,
    included_by: Vec<Vec<usize>>,
    deployable: Vec<bool>,
}

/// The repository root above `start` (a directory or file): the Git top level, else the
/// nearest directory holding `kforge.yaml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    if let Some(git) = start.ancestors().find(|d| d.join(".git").exists()) {
        return Some(git.to_path_buf());
    }
    start
        .ancestors()
        .find(|d| {
            crate::config::FILE_NAMES
                .iter()
                .any(|n| d.join(n).is_file())
        })
        .map(Path::to_path_buf)
}

/// The directories of the tree at `root` a repository search looks in, `root` first, then
/// depth first in name order: hidden directories and the [`SKIPPED`] names left out, at
/// most [`MAX_DIRS`].
pub(crate) fn searched_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if out.len() >= MAX_DIRS {
            break;
        }
        let Ok(read) = std::fs::read_dir(&dir) else {
            out.push(dir);
            continue;
        };
        let mut subs: Vec<PathBuf> = read
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                !name.starts_with('.') && !SKIPPED.contains(&name.as_ref())
            })
            .map(|e| e.path())
            .collect();
        subs.sort();
        stack.extend(subs.into_iter().rev());
        out.push(dir);
    }
    out
}

/// The string entries of the kustomization field `name` (matched ignoring case, as
/// kustomize matches field names; the last spelling wins).
fn entries<'v>(doc: &'v Value, name: &str) -> Vec<&'v str> {
    let Some(map) = doc.as_object() else {
        return Vec::new();
    };
    map.iter()
        .rfind(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_array())
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether an entry is a remote (URL or Git) location.
fn is_remote(entry: &str) -> bool {
    entry.contains("://") || entry.starts_with("git@") || entry.starts_with("github.com/")
}

impl Workspace {
    /// Every kustomization under `root`, with `deployable` globs (relative to the root)
    /// naming the deployable ones, or `None` for the default (included by no other).
    pub fn scan(root: &Path, deployable: Option<&[String]>) -> Workspace {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut dirs: Vec<PathBuf> = searched_dirs(&root)
            .into_iter()
            .filter(|d| find_kustomization(d).is_ok())
            .collect();
        dirs.sort();
        let by_dir: HashMap<PathBuf, usize> = dirs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), i))
            .collect();
        let limits = Limits::default();
        let mut nodes: Vec<Node> = Vec::with_capacity(dirs.len());
        for dir in &dirs {
            let doc = find_kustomization(dir)
                .ok()
                .and_then(|f| read_text(&f, &limits).ok())
                .and_then(|t| crate::source::yaml::parse_single(&t, Schema::Yaml11, limits).ok())
                .flatten()
                .map(|d| d.value)
                .unwrap_or(Value::Null);
            let resolve = |entry: &str| -> Option<usize> {
                if is_remote(entry) {
                    return None;
                }
                let p = std::fs::canonicalize(dir.join(entry)).ok()?;
                by_dir.get(&p).copied()
            };
            let remote = ["resources", "bases", "components"]
                .iter()
                .any(|f| entries(&doc, f).into_iter().any(is_remote));
            let mut bases: Vec<usize> = entries(&doc, "resources")
                .into_iter()
                .chain(entries(&doc, "bases"))
                .filter_map(resolve)
                .collect();
            let mut components: Vec<usize> = entries(&doc, "components")
                .into_iter()
                .filter_map(resolve)
                .collect();
            bases.sort_unstable();
            bases.dedup();
            components.sort_unstable();
            components.dedup();
            let component = entries_kind(&doc) == Some("Component");
            nodes.push(Node {
                dir: dir.clone(),
                component,
                bases,
                components,
                remote,
            });
        }
        let mut included_by = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            for &j in n.bases.iter().chain(&n.components) {
                if j != i {
                    included_by[j].push(i);
                }
            }
        }
        let globs = deployable.map(|gs| {
            let mut b = globset::GlobSetBuilder::new();
            for g in gs {
                if let Ok(g) = globset::Glob::new(g.trim_end_matches('/')) {
                    b.add(g);
                }
            }
            b.build().unwrap_or_else(|_| globset::GlobSet::empty())
        });
        let deployable = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| match &globs {
                Some(set) => set.is_match(n.dir.strip_prefix(&root).unwrap_or(&n.dir)),
                None => !n.component && included_by[i].is_empty(),
            })
            .collect();
        Workspace {
            root,
            nodes,
            by_dir,
            included_by,
            deployable,
        }
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn index(&self, dir: &Path) -> Option<usize> {
        let dir = std::fs::canonicalize(dir).ok()?;
        self.by_dir.get(&dir).copied()
    }

    fn rel(&self, i: usize) -> PathBuf {
        let d = &self.nodes[i].dir;
        d.strip_prefix(&self.root).unwrap_or(d).to_path_buf()
    }

    /// What `dir` is in this repository.
    pub fn role(&self, dir: &Path) -> Role {
        let Some(i) = self.index(dir) else {
            return Role::Unknown;
        };
        if self.deployable[i] {
            return Role::Deployable;
        }
        let mut tops: Vec<PathBuf> = self.tops(i).into_iter().map(|j| self.rel(j)).collect();
        tops.sort();
        Role::Part(tops)
    }

    /// The bases `i` includes through `resources`/`bases`, at any depth, itself included.
    fn base_closure(&self, i: usize) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            if out.insert(j) {
                stack.extend(self.nodes[j].bases.iter().copied());
            }
        }
        out
    }

    /// The deployable kustomizations deployed beside `dir`, as directories: for a
    /// deployable one, those sharing no base with it; for a part, those deployed beside
    /// the deployable kustomizations that include it; none when `dir` is not a
    /// kustomization of this repository.
    pub fn neighbours(&self, dir: &Path) -> Vec<PathBuf> {
        let Some(i) = self.index(dir) else {
            return Vec::new();
        };
        let tops: Vec<usize> = if self.deployable[i] {
            vec![i]
        } else {
            self.tops(i)
        };
        let mut out = BTreeSet::new();
        for &t in &tops {
            let mine = self.base_closure(t);
            out.extend(
                (0..self.nodes.len())
                    .filter(|&j| !tops.contains(&j) && self.deployable[j])
                    .filter(|&j| self.base_closure(j).is_disjoint(&mine)),
            );
        }
        out.into_iter().map(|j| self.nodes[j].dir.clone()).collect()
    }

    /// The deployable kustomizations that include `i`, at any depth (in index order).
    fn tops(&self, i: usize) -> Vec<usize> {
        let mut tops = BTreeSet::new();
        let mut stack = vec![i];
        let mut seen = vec![false; self.nodes.len()];
        while let Some(j) = stack.pop() {
            if std::mem::replace(&mut seen[j], true) {
                continue;
            }
            if j != i && self.deployable[j] {
                tops.insert(j);
            }
            stack.extend(self.included_by[j].iter().copied());
        }
        tops.into_iter().collect()
    }

    /// Whether building `dir` reads a remote resource (itself or a kustomization it
    /// includes): its neighbours are not fetched for it.
    pub fn uses_remote(&self, dir: &Path) -> bool {
        let Some(i) = self.index(dir) else {
            return false;
        };
        let mut stack = vec![i];
        let mut seen = vec![false; self.nodes.len()];
        while let Some(j) = stack.pop() {
            if std::mem::replace(&mut seen[j], true) {
                continue;
            }
            if self.nodes[j].remote {
                return true;
            }
            stack.extend(self.nodes[j].bases.iter().chain(&self.nodes[j].components));
        }
        false
    }

    /// A directory relative to the root, for messages.
    pub fn relative<'p>(&self, dir: &'p Path) -> &'p Path {
        dir.strip_prefix(&self.root).unwrap_or(dir)
    }
}

/// The repository around the kustomizations being validated: its [`Workspace`] and the
/// built objects of their neighbours, built once (in parallel) and shared by every target.
pub struct Surroundings {
    workspace: Workspace,
    /// Neighbour directory → its objects, or why it could not be built.
    built: HashMap<PathBuf, std::result::Result<Vec<Resource>, String>>,
}

/// How one validated kustomization is judged within its repository.
pub struct Judgement {
    /// Deployable, a part of others, or unknown to the repository's search.
    pub role: Role,
    /// The objects of its neighbours (and what their controllers make).
    pub outside: Outside,
    /// What to tell the reader about it (see [`crate::report::Target::notes`]).
    pub notes: Vec<String>,
}

/// At most this many neighbours are named in a note.
const NAMED: usize = 5;

fn listed(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > NAMED {
        s.push_str(&format!(", and {} more", items.len() - NAMED));
    }
    s
}

impl Surroundings {
    /// Scan the repository at `root` and build the neighbours of the kustomization
    /// directories `targets` with `options` (a neighbour that does not build is noted,
    /// not fatal: it is not the one being validated).
    pub fn new(
        root: &Path,
        deployable: Option<&[String]>,
        targets: &[PathBuf],
        options: &BuildOptions,
    ) -> Surroundings {
        let workspace = Workspace::scan(root, deployable);
        let dirs: Vec<PathBuf> = targets
            .iter()
            .flat_map(|t| workspace.neighbours(t))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // A neighbour with remote bases is not fetched just to validate another
        // kustomization (no network behind the user's back).
        let results = crate::parallel::map(&dirs, |d| {
            if workspace.uses_remote(d) {
                return Err("it reads remote resources, not fetched for its neighbours".to_owned());
            }
            crate::build_dir(d, options)
                .map(|o| o.resources)
                .map_err(|e| e.to_string())
        });
        Surroundings {
            workspace,
            built: dirs.into_iter().zip(results).collect(),
        }
    }

    /// The surroundings of the kustomization directories among `paths`, in the repository
    /// of the first one ([`find_root`]), with the `deployable:` globs of `config` (else of
    /// the root's `kforge.yaml`); `None` when no path is a kustomization in a repository.
    pub fn discover(
        paths: &[PathBuf],
        config: Option<&Config>,
        options: &BuildOptions,
    ) -> Result<Option<Surroundings>> {
        let dirs: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.is_dir() && find_kustomization(p).is_ok())
            .cloned()
            .collect();
        let Some(root) = dirs.first().and_then(|d| find_root(d)) else {
            return Ok(None);
        };
        let loaded;
        let config = match config {
            Some(c) => c,
            None => {
                loaded = Config::load(&root)?;
                &loaded
            }
        };
        Ok(Some(Surroundings::new(
            &root,
            config.deployable.as_deref(),
            &dirs,
            options,
        )))
    }

    /// How `dir` is judged: its role, what its neighbours hold (their pod templates found
    /// with `policy`'s extra rows, what their controllers make by its platform rows), and
    /// the notes saying so.
    pub fn judge(&self, dir: &Path, policy: &Policy) -> Judgement {
        let role = self.workspace.role(dir);
        let mut notes = Vec::new();
        match &role {
            Role::Part(tops) if tops.is_empty() => notes.push(
                "not deployed on its own (a Component, or not listed under `deployable:` in \
                 kforge.yaml): references to objects outside it are reported as info"
                    .to_owned(),
            ),
            Role::Part(tops) => {
                let tops: Vec<String> = tops.iter().map(|t| t.display().to_string()).collect();
                notes.push(format!(
                    "a part of {}, not deployed on its own: references to objects outside it \
                     are reported as info (validate {} for the whole environment)",
                    listed(&tops),
                    tops[0]
                ));
            }
            Role::Deployable | Role::Unknown => {}
        }
        let mut outside = Outside::default();
        let mut used = Vec::new();
        let mut failed = Vec::new();
        for n in self.workspace.neighbours(dir) {
            let rel = self.workspace.relative(&n).display().to_string();
            match self.built.get(&n) {
                Some(Ok(resources)) => {
                    let defs =
                        std::iter::once(crate::tables::platform::builtin()).chain(&policy.platform);
                    outside.add_neighbour(resources, defs, &policy.pod_templates, &rel);
                    used.push(rel);
                }
                Some(Err(e)) => failed.push(format!("{rel} ({})", e.lines().next().unwrap_or(""))),
                None => {}
            }
        }
        if !used.is_empty() {
            notes.push(format!(
                "references are also looked up in {} kustomization(s) deployed beside it: {}",
                used.len(),
                listed(&used)
            ));
        }
        if !failed.is_empty() {
            notes.push(format!(
                "{} kustomization(s) beside it could not be built and were not consulted: {}",
                failed.len(),
                listed(&failed)
            ));
        }
        Judgement {
            role,
            outside,
            notes,
        }
    }
}

/// The `kind:` of a kustomization document.
fn entries_kind(doc: &Value) -> Option<&str> {
    doc.as_object()?
        .iter()
        .rfind(|(k, _)| k.eq_ignore_ascii_case("kind"))
        .and_then(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn deployables_parts_alternatives_and_neighbours() {
        let tmp = std::env::temp_dir().join(format!("kforge-ws-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let k = "kustomization.yaml";
        write(&tmp, &format!("app/base/{k}"), "resources: [deploy.yaml]\n");
        write(
            &tmp,
            &format!("app/overlays/dev/{k}"),
            "resources: [../../base]\ncomponents: [../../../components/x]\n",
        );
        write(
            &tmp,
            &format!("app/overlays/prod/{k}"),
            "RESOURCES: [../../base]\n",
        );
        write(&tmp, &format!("components/x/{k}"), "kind: Component\n");
        write(&tmp, &format!("components/unused/{k}"), "kind: Component\n");
        write(
            &tmp,
            &format!("infra/{k}"),
            "resources: [ns.yaml, https://example.com/x.yaml]\n",
        );
        write(&tmp, &format!("tests/case/{k}"), "resources: []\n");
        let ws = Workspace::scan(&tmp, None);
        let root = ws.root().to_path_buf();
        assert_eq!(ws.role(&root.join("app/overlays/prod")), Role::Deployable);
        assert_eq!(ws.role(&root.join("infra")), Role::Deployable);
        assert_eq!(
            ws.role(&root.join("app/base")),
            Role::Part(vec![
                PathBuf::from("app/overlays/dev"),
                PathBuf::from("app/overlays/prod")
            ])
        );
        assert_eq!(ws.role(&root.join("components/unused")), Role::Part(vec![]));
        assert_eq!(ws.role(&root.join("tests/case")), Role::Unknown);
        // A part sees what is deployed beside the kustomizations including it.
        assert_eq!(
            ws.neighbours(&root.join("app/base")),
            vec![root.join("infra")]
        );
        assert!(ws.neighbours(&root.join("components/unused")).is_empty());
        // dev and prod share the base: alternatives; infra is deployed beside each.
        assert_eq!(
            ws.neighbours(&root.join("app/overlays/prod")),
            vec![root.join("infra")]
        );
        assert_eq!(
            ws.neighbours(&root.join("infra")),
            vec![
                root.join("app/overlays/dev"),
                root.join("app/overlays/prod")
            ]
        );
        // kforge.yaml's `deployable:` decides instead.
        let ws = Workspace::scan(&tmp, Some(&["app/overlays/*".to_owned()]));
        assert_eq!(ws.role(&root.join("infra")), Role::Part(vec![]));
        assert!(ws.neighbours(&root.join("app/overlays/prod")).is_empty());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
