//! `kforge check --flux DIR`: the Flux Kustomizations (`kustomize.toolkit.fluxcd.io/v1`)
//! under DIR, built and substituted as Flux's kustomize-controller builds and substitutes
//! them, then validated as the cluster gets them.
//!
//! - [`discover`] reads the files: the Flux Kustomizations under DIR, the ConfigMaps and
//!   Secrets of the repository. The repository (the source every `spec.path` is relative
//!   to) is the nearest directory at or above DIR holding `.git` or `kforge.yaml`.
//! - [`build`] builds each `spec.path` with the Flux spec set on its kustomization.
//! - The Kustomizations form trees: one whose build applies another (the bootstrap
//!   `flux-system` applying `clusters/production/apps.yaml`) is its parent, and the child is
//!   checked as the parent applies it, substituted (a child's `spec.path: ./apps/${env}`
//!   works). A root is one no other applies; the trees of the roots written in one
//!   directory (`clusters/production/*.yaml` when the bootstrap Kustomization is not in
//!   the repository) are a cluster.
//! - [`substitute`] runs `postBuild` (variables from `substitute`, and from the
//!   `substituteFrom` ConfigMaps and Secrets the same cluster's Kustomizations apply, else
//!   the repository's files; Secret values as placeholders) and `commonMetadata`.
//! - Each Kustomization is a target, validated with the others of its cluster as
//!   neighbours (a reference satisfied by another Kustomization of the cluster is not
//!   reported) and the CRDs the cluster installs; substitution failures are KF601.

pub mod build;
pub mod discover;
pub mod sourceignore;
pub mod sources;
pub mod spec;
pub mod substitute;

use crate::hash::HashMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kforge_value::Value;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::kustomize::loader::lexical_join;
use crate::kustomize::{BuildOptions, BuildOutput};
use crate::report::Target;
use crate::resource::Resource;
use crate::validate::outside::Outside;
use crate::validate::StageProblem;

use sources::SourceRoots;
use spec::{is_flux_kustomization, FluxKustomization};

/// The repository of `dir` for Flux: the nearest directory at or above it holding `.git`
/// or `kforge.yaml` (else `dir`), as displayed (relative when `dir` is).
pub fn source_root(dir: &Path) -> PathBuf {
    let Ok(canonical) = std::fs::canonicalize(dir) else {
        return dir.to_path_buf();
    };
    let found = canonical.ancestors().find(|d| {
        d.join(".git").exists()
            || crate::config::FILE_NAMES
                .iter()
                .any(|n| d.join(n).is_file())
    });
    let Some(root) = found else {
        return dir.to_path_buf();
    };
    let ups = canonical
        .strip_prefix(root)
        .map_or(0, |rel| rel.components().count());
    if dir.is_absolute() {
        return root.to_path_buf();
    }
    lexical_join(dir, &vec![".."; ups].join("/"))
}

/// The identity of an object read from a file: the file (canonical), document and item.
type Identity = (PathBuf, usize, Option<usize>);

fn identity(r: &Resource, canon: &mut HashMap<PathBuf, PathBuf>) -> Identity {
    let file = canon
        .entry(r.origin.file.clone())
        .or_insert_with(|| {
            std::fs::canonicalize(&r.origin.file).unwrap_or_else(|_| r.origin.file.clone())
        })
        .clone();
    (file, r.origin.doc, r.origin.item)
}

/// One Flux Kustomization as one cluster applies it: built, substituted, with
/// `commonMetadata` set.
pub struct Applied {
    /// The object as read from its file (its position and file name the target).
    pub object: Resource,
    /// Its cluster: the same number for the Kustomizations of one tree (one root).
    pub cluster: usize,
    /// The Kustomization that applies it (`namespace/name`), when not a root.
    pub parent: Option<String>,
    /// Its spec, as applied.
    pub spec: FluxKustomization,
    /// The objects Flux applies.
    pub resources: Vec<Resource>,
    /// The build's notices (entries that change nothing, KF002).
    pub notices: Vec<crate::model::Ineffective>,
    /// Why the substitution would fail (KF601).
    pub problems: Vec<StageProblem>,
    /// What to tell the reader (not built, suspended).
    pub notes: Vec<String>,
    raw: usize,
}

/// Every Flux Kustomization under a directory, as its cluster applies it.
pub struct Plan {
    /// The repository (the root every `spec.path` is relative to), as displayed.
    pub root: PathBuf,
    /// Its `kforge.yaml`.
    pub config: Config,
    /// The Kustomizations, clusters in file order, each tree depth first.
    pub kustomizations: Vec<Applied>,
}

/// What a first pass over every Kustomization as read gives: its build (unsubstituted),
/// or nothing when it failed or its path is not here.
struct FirstPass {
    outputs: Vec<Option<BuildOutput>>,
}

/// Build `fk` (read from `raw`) without substituting: `Ok(None)` when its path is not here.
fn build_one(
    roots: &SourceRoots,
    fk: &FluxKustomization,
    raw: &Resource,
    opts: &BuildOptions,
) -> Result<Option<BuildOutput>> {
    match roots.dir(fk) {
        Ok(dir) => {
            let (root, ignore) = roots.ignore(fk);
            build::build(fk, raw, &dir, (&root, &ignore), opts).map(Some)
        }
        Err(_) => Ok(None),
    }
}

struct Run<'a> {
    roots: SourceRoots,
    opts: &'a BuildOptions,
    raws: Vec<Resource>,
    ids: Vec<Identity>,
    first: FirstPass,
    /// Raw index → the raws of its tree (itself and what it applies, at any depth); for
    /// the first root of a cluster, of every tree of the cluster.
    trees: Vec<BTreeSet<usize>>,
    files: Vec<Resource>,
    instances: Vec<Applied>,
    seen: BTreeSet<(usize, String)>,
    canon: HashMap<PathBuf, PathBuf>,
    texts: substitute::Texts,
}

impl Run<'_> {
    /// The raw whose identity `r` has.
    fn raw_of(&mut self, r: &Resource) -> Option<usize> {
        let id = identity(r, &mut self.canon);
        self.ids.iter().position(|i| *i == id)
    }

    /// Check `raw` as `value` (applied by `parent`, or as read), then what it applies.
    fn process(
        &mut self,
        raw: usize,
        value: Value,
        root: usize,
        parent: Option<String>,
        ancestors: &[usize],
    ) -> Result<()> {
        if !self.seen.insert((raw, value.to_string())) || ancestors.len() > 16 {
            return Ok(());
        }
        let r = self.raws[raw].clone();
        let fk = FluxKustomization::read(&r, &value)?;
        let mut notes = Vec::new();
        if fk.spec.suspend {
            notes.push("suspended (spec.suspend: true): Flux does not apply it now".to_owned());
        }
        let output = match &self.first.outputs[raw] {
            Some(o) if value == r.value => Ok(Some(BuildOutput {
                resources: o.resources.clone(),
                warnings: Vec::new(),
                notices: o.notices.clone(),
            })),
            _ => build_one(&self.roots, &fk, &r, self.opts),
        };
        let output = match output? {
            Some(o) => o,
            None => {
                notes.push(self.roots.dir(&fk).err().unwrap_or_default());
                BuildOutput::default()
            }
        };
        let mut resources = output.resources;
        let mut problems = Vec::new();
        let applied: Vec<&Resource> = self.trees[root]
            .iter()
            .filter_map(|&t| self.first.outputs[t].as_ref())
            .flat_map(|o| o.resources.iter())
            .chain(self.instances.iter().flat_map(|i| i.resources.iter()))
            .filter(|o| matches!(o.kind(), "ConfigMap" | "Secret"))
            .collect();
        let sources = substitute::Sources {
            applied,
            files: &self.files,
        };
        if let Some(vars) = substitute::variables(&fk, &r, &sources, &mut problems) {
            substitute::substitute(
                &mut resources,
                &fk,
                &r,
                &vars,
                &mut self.texts,
                &mut problems,
            );
        }
        substitute::common_metadata(&mut resources, &fk, &r);
        let children: Vec<(usize, Value)> = resources
            .iter()
            .filter(|o| is_flux_kustomization(o))
            .map(|o| (o, o.value.clone()))
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|(o, v)| Some((self.raw_of(o)?, v)))
            .filter(|(c, _)| *c != raw && !ancestors.contains(c))
            .collect();
        let id = fk.id();
        self.instances.push(Applied {
            object: r,
            cluster: root,
            parent,
            spec: fk,
            resources,
            notices: output.notices,
            problems,
            notes,
            raw,
        });
        let mut chain = ancestors.to_vec();
        chain.push(raw);
        for (c, v) in children {
            self.process(c, v, root, Some(id.clone()), &chain)?;
        }
        Ok(())
    }
}

/// `kforge check --flux DIR`: every Flux Kustomization under `dir`, built, substituted and
/// validated with the repository's `kforge.yaml` and CRDs (plus `extra_crds`); one target
/// each.
pub fn check(dir: &Path, options: &BuildOptions, extra_crds: &[Resource]) -> Result<Vec<Target>> {
    let plan = plan(dir, options)?;
    let mut crds = crate::repo_crds(&plan.root, &plan.config, options)?;
    crds.extend(extra_crds.iter().cloned());
    Ok(validate(&plan, &crds))
}

/// Every Flux Kustomization under `dir`, built and substituted as its cluster applies it.
pub fn plan(dir: &Path, options: &BuildOptions) -> Result<Plan> {
    if !dir.is_dir() {
        return Err(Error::at(dir, None, "not a directory"));
    }
    let root = source_root(dir);
    let config = Config::load(&root)?;
    let opts = options.sharing_parses();
    let found = discover::scan(&root, dir, &opts.limits);
    let raws: Vec<Resource> = found
        .kustomizations
        .into_iter()
        .filter(|r| !config.excluded(r.origin.file.strip_prefix(&root).unwrap_or(&r.origin.file)))
        .collect();
    if raws.is_empty() {
        return Err(Error::at(
            dir,
            None,
            "no Flux Kustomization (apiVersion kustomize.toolkit.fluxcd.io/v1) in the YAML files under this directory",
        ));
    }
    let roots = SourceRoots {
        root: root.clone(),
        generators: found.generators,
        repositories: found.repositories,
        ignores: Default::default(),
    };
    let mut canon = HashMap::default();
    let ids: Vec<Identity> = raws.iter().map(|r| identity(r, &mut canon)).collect();
    // First pass: every Kustomization as read, built without substitution (in parallel),
    // to learn which applies which.
    let outputs: Vec<Option<BuildOutput>> = crate::parallel::map(&raws, |r| {
        FluxKustomization::read(r, &r.value)
            .and_then(|fk| build_one(&roots, &fk, r, &opts))
            .ok()
            .flatten()
    });
    let n = raws.len();
    let mut children: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut has_parent = vec![false; n];
    for (p, out) in outputs.iter().enumerate() {
        let Some(out) = out else { continue };
        for o in out.resources.iter().filter(|o| is_flux_kustomization(o)) {
            let id = identity(o, &mut canon);
            if let Some(c) = ids.iter().position(|i| *i == id).filter(|&c| c != p) {
                children[p].insert(c);
                has_parent[c] = true;
            }
        }
    }
    let trees: Vec<BTreeSet<usize>> = (0..n)
        .map(|r| {
            let mut set = BTreeSet::new();
            let mut stack = vec![r];
            while let Some(x) = stack.pop() {
                if set.insert(x) {
                    stack.extend(children[x].iter().copied());
                }
            }
            set
        })
        .collect();
    let mut run = Run {
        roots,
        opts: &opts,
        raws,
        ids,
        first: FirstPass { outputs },
        trees,
        files: found.sources,
        instances: Vec::new(),
        seen: BTreeSet::new(),
        canon,
        texts: substitute::Texts::default(),
    };
    // Roots written in one directory (clusters/production/*.yaml, applied by a bootstrap
    // Kustomization the repository may not hold) are one cluster.
    let roots: Vec<usize> = (0..n).filter(|&r| !has_parent[r]).collect();
    let dir_of = |r: usize| run.raws[r].origin.file.parent().map(Path::to_path_buf);
    let cluster_of: Vec<usize> = roots
        .iter()
        .map(|&r| {
            roots
                .iter()
                .copied()
                .find(|&o| dir_of(o) == dir_of(r))
                .unwrap_or(r)
        })
        .collect();
    for (k, &r) in roots.iter().enumerate() {
        let c = cluster_of[k];
        if c != r {
            let mine = run.trees[r].clone();
            run.trees[c].extend(mine);
        }
    }
    for (k, &r) in roots.iter().enumerate() {
        let value = run.raws[r].value.clone();
        run.process(r, value, cluster_of[k], None, &[])?;
    }
    // Kustomizations applied only by one another (a cycle), or whose parents were not
    // built: checked as read.
    for r in 0..n {
        if !run.instances.iter().any(|i| i.raw == r) {
            let value = run.raws[r].value.clone();
            run.process(r, value, r, None, &[])?;
        }
    }
    let kustomizations = std::mem::take(&mut run.instances);
    Ok(Plan {
        root,
        config,
        kustomizations,
    })
}

/// Validate every Kustomization of `plan`, with the others of its cluster as neighbours
/// and the CRDs its cluster installs.
/// The group and kind a CustomResourceDefinition defines.
fn crd_kind(crd: &Resource) -> Option<(String, String)> {
    let text = |p: &str| {
        crd.value
            .pointer(p)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some((text("/spec/group")?, text("/spec/names/kind")?))
}

fn validate(plan: &Plan, crds: &[Resource]) -> Vec<Target> {
    let (root, config) = (&plan.root, &plan.config);
    let all = &plan.kustomizations;
    let mut policy = config.policy(None);
    policy.variables_substituted = true;
    policy.whole_environment = Some(true);
    // `clusters/production/apps.yaml#flux-system/apps`: the file and the Kustomization (and
    // which one applies it, when several clusters apply it differently).
    let label = |a: &Applied| {
        let file = a
            .object
            .origin
            .file
            .strip_prefix(root)
            .unwrap_or(&a.object.origin.file);
        let via = match &a.parent {
            Some(p) if all.iter().filter(|b| b.raw == a.raw).count() > 1 => {
                format!(" (applied by {p})")
            }
            _ => String::new(),
        };
        format!("{}#{}{via}", file.display(), a.spec.id())
    };
    let indexes: Vec<usize> = (0..all.len()).collect();
    crate::parallel::map(&indexes, |&k| {
        let a = &all[k];
        let mut outside = Outside::default();
        let mut cluster_crds = crds.to_vec();
        let mut neighbours = 0;
        for (j, other) in all.iter().enumerate() {
            if other.cluster != a.cluster {
                continue;
            }
            cluster_crds.extend(
                other
                    .resources
                    .iter()
                    .filter(|r| r.kind() == "CustomResourceDefinition")
                    .cloned(),
            );
            if j == k || other.raw == a.raw {
                continue;
            }
            let defs = std::iter::once(crate::tables::platform::builtin()).chain(&policy.platform);
            outside.add_neighbour(
                &other.resources,
                defs,
                &policy.pod_templates,
                &other.spec.id(),
            );
            neighbours += 1;
        }
        // Flux's own kinds exist where Flux applies the repository: its CRDs as the table
        // has them, for the kinds no CRD of the repository or of the cluster defines.
        let defined: crate::hash::HashSet<(String, String)> =
            cluster_crds.iter().filter_map(crd_kind).collect();
        cluster_crds.extend(
            crate::tables::flux_kinds::crds()
                .iter()
                .filter(|c| crd_kind(c).is_some_and(|k| !defined.contains(&k)))
                .cloned(),
        );
        let mut notes = a.notes.clone();
        if neighbours > 0 {
            notes.push(format!(
                "references are also looked up in the {neighbours} other Flux Kustomization(s) of its cluster"
            ));
        }
        let mut findings = crate::validate::validate_staged(
            &a.resources,
            &a.notices,
            &a.problems,
            &cluster_crds,
            &policy,
            &outside,
        );
        findings.retain(|f| !config.excluded(f.file.strip_prefix(root).unwrap_or(&f.file)));
        Target {
            name: label(a),
            objects: a.resources.len(),
            findings,
            notes,
        }
    })
}
