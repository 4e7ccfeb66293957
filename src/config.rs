//! `kforge.yaml`: a repository's validation settings.
//!
//! ```yaml
//! kubernetesVersion: "1.37"        # must be the version kforge was built for
//! overlaysDir: overlays            # one directory per environment (default: overlays)
//! app: ml-serving                  # the directory each environment renders into
//! crdDirs: [ci/schemas/crds]       # CRDs installed by others (default: ci/schemas/crds)
//! gitopsDirs: [ci/gitops]          # Argo CD / Flux objects for repository rules (default)
//! exclude: [overlays/sandbox, "legacy/**"]   # overlays not checked, files not reported
//! rules:                           # severity per rule: error, warning, info or off
//!   KF509: off
//! environments:
//!   prod:
//!     rules: {KF503: error, KF511: error}
//! deployable: [clusters/*, apps/*/overlays/prod]   # kustomizations deployed side by side
//!                                  # (default: every kustomization no other includes)
//! gpuTaint: {key: nvidia.com/gpu, value: present, effect: NoSchedule}   # or `none`
//! platformObjects:                 # what exists without being in the output
//!   exists:
//!   - {kind: Secret, namespace: "*", names: [registry-pull], by: the cluster's bootstrap}
//! podTemplates:                    # pod templates of custom kinds, for the pod rules
//! - group: jobset.x-k8s.io
//!   kind: JobSet
//!   spec: spec/replicatedJobs/*/template/spec/template/spec
//!   labels: spec/replicatedJobs/*/template/spec/template/metadata/labels
//! ```
//!
//! Unknown fields, unknown rule ids and unknown severities are errors with the file and
//! line. Per-object suppression is an annotation, see [`crate::validate::suppress`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::source::yaml::{parse_single, Limits, Schema};
use crate::tables::platform::PlatformDef;
use crate::tables::pod_templates::{PodTemplateDef, PodTemplateLocation};
use crate::validate::{rules, Policy, Severity};

/// The file names looked for at the repository root, in order.
pub const FILE_NAMES: &[&str] = &["kforge.yaml", "kforge.yml"];

/// The overlays directory when `kforge.yaml` names none.
pub const DEFAULT_OVERLAYS: &str = "overlays";
/// The CRD directory read when `kforge.yaml` names none (and it exists).
pub const DEFAULT_CRD_DIR: &str = "ci/schemas/crds";
/// The GitOps directory the repository-level rules read when `kforge.yaml` names none (and
/// it exists).
pub const DEFAULT_GITOPS_DIR: &str = "ci/gitops";
/// The application directory each environment renders into when `kforge.yaml` names none.
pub const DEFAULT_APP: &str = "ml-serving";

/// Where a repository keeps things, relative to its root (from `kforge.yaml`, with defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoLayout {
    /// One directory with a kustomization per environment under here.
    pub overlays: PathBuf,
    /// CRD directories named by `crdDirs`; `None`: `ci/schemas/crds` when it exists.
    pub crd_dirs: Option<Vec<PathBuf>>,
    /// Directories of GitOps objects (Argo CD, Flux) read by the repository-level rules;
    /// missing ones are skipped.
    pub gitops_dirs: Vec<PathBuf>,
    /// The directory each environment renders into (`OUT/<env>/<app>/`).
    pub app: String,
}

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not run.
    Off,
    /// Reported as info.
    Info,
    /// Reported as a warning.
    Warning,
    /// Reported as an error.
    Error,
}

impl Level {
    fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawEnv {
    #[serde(default)]
    rules: BTreeMap<String, Level>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Raw {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    kubernetes_version: Option<String>,
    #[serde(default)]
    crd_dirs: Option<Vec<String>>,
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    overlays_dir: Option<String>,
    #[serde(default)]
    gitops_dirs: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, Level>,
    #[serde(default)]
    environments: BTreeMap<String, RawEnv>,
    #[serde(default)]
    pod_templates: Vec<PodTemplateDef>,
    #[serde(default)]
    platform_objects: Option<PlatformDef>,
    #[serde(default)]
    deployable: Option<Vec<String>>,
    #[serde(default)]
    gpu_taint: Option<kforge_value::Value>,
}

/// A repository's settings; [`Config::default`] when it has no `kforge.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    /// CRD directories, relative to the repository root.
    pub crd_dirs: Option<Vec<PathBuf>>,
    /// The directory each environment renders into (`OUT/<env>/<app>/`), the path the
    /// GitOps tools sync; `ml-serving` when not set.
    pub app: Option<String>,
    /// The directory holding one overlay per environment; `overlays` when not set.
    pub overlays_dir: Option<PathBuf>,
    /// Directories of GitOps objects (Argo CD, Flux) for the repository-level rules.
    pub gitops_dirs: Option<Vec<PathBuf>>,
    exclude: Vec<String>,
    exclude_set: globset::GlobSet,
    rules: BTreeMap<&'static str, Level>,
    environments: BTreeMap<String, BTreeMap<&'static str, Level>>,
    /// `podTemplates:` rows, read after the built-in table (`src/tables/pod_templates.yaml`).
    pub pod_templates: Vec<PodTemplateLocation>,
    /// `platformObjects:` rows, read after the built-in table (`src/tables/platform.yaml`).
    pub platform: Option<PlatformDef>,
    /// `deployable:` globs (relative to the root) naming the kustomizations deployed to
    /// the cluster; `None`: every kustomization that no other includes.
    pub deployable: Option<Vec<String>>,
    /// `gpuTaint:`, the taint of the cluster's GPU nodes.
    pub gpu_taint: crate::validate::GpuTaint,
}

impl Config {
    /// Read `root/kforge.yaml` (or `.yml`); the default configuration when neither exists.
    pub fn load(root: &Path) -> Result<Config> {
        for name in FILE_NAMES {
            let path = root.join(name);
            if path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Error::io(&path, format!("cannot read: {e}")))?;
                return Config::parse(&path, &text);
            }
        }
        Ok(Config::default())
    }

    /// Parse the text of a configuration file (`path` names it in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let doc = parse_single(text, Schema::Kyaml, Limits::default())
            .map_err(|e| Error::at(path, Some(e.pos), e.message))?;
        let Some(doc) = doc else {
            return Ok(Config {
                file: Some(path.to_path_buf()),
                ..Config::default()
            });
        };
        let at = |ptr: &str, key: bool| {
            doc.spans.nearest(ptr).map(|s| {
                if key {
                    s.key.unwrap_or(s.value)
                } else {
                    s.value
                }
            })
        };
        let raw: Raw = serde_path_to_error::deserialize(&doc.value).map_err(|e| {
            let ptr = crate::kustomize::loader::serde_path_to_pointer(e.path());
            let field = e.path().to_string();
            let inner = e.into_inner().to_string();
            let hint = if inner.contains("unknown variant") {
                "; a rule's level is one of error, warning, info, off"
            } else if inner.contains("unknown field") && !ptr.starts_with("/podTemplates/") {
                "; kforge.yaml has kubernetesVersion, overlaysDir, app, crdDirs, gitopsDirs, exclude, rules, environments, podTemplates"
            } else {
                ""
            };
            Error::at(path, at(&ptr, true), format!("{field}: {inner}{hint}"))
        })?;
        if let Some(api) = &raw.api_version {
            if api != "kforge.dev/v1alpha1" {
                return Err(Error::at(
                    path,
                    at("/apiVersion", false),
                    format!("unknown apiVersion '{api}'; use kforge.dev/v1alpha1 or leave it out"),
                ));
            }
        }
        if let Some(kind) = &raw.kind {
            if kind != "Config" {
                return Err(Error::at(
                    path,
                    at("/kind", false),
                    format!("unknown kind '{kind}'; use Config or leave it out"),
                ));
            }
        }
        if let Some(v) = &raw.kubernetes_version {
            let ours = crate::KUBERNETES_VERSION;
            let wanted = v.trim_start_matches('v');
            if wanted != ours && !ours.starts_with(&format!("{wanted}.")) {
                return Err(Error::at(
                    path,
                    at("/kubernetesVersion", false),
                    format!(
                        "kubernetesVersion {v} is not the version this kforge validates against ({ours}); \
                         use \"{ours}\" or a kforge built for {v}"
                    ),
                ));
            }
        }
        let rule_ids =
            |map: &BTreeMap<String, Level>, base: &str| -> Result<BTreeMap<&'static str, Level>> {
                let mut out = BTreeMap::new();
                for (id, level) in map {
                    let Some(rule) = rules::find(id) else {
                        let mut ptr = base.to_owned();
                        crate::source::pointer::push_token(&mut ptr, id);
                        return Err(Error::at(
                            path,
                            at(&ptr, true),
                            format!("unknown rule id '{id}'; `kforge rules` lists them"),
                        ));
                    };
                    out.insert(rule.meta.id, *level);
                }
                Ok(out)
            };
        let rules = rule_ids(&raw.rules, "/rules")?;
        let mut environments = BTreeMap::new();
        for (env, e) in &raw.environments {
            let mut base = "/environments".to_owned();
            crate::source::pointer::push_token(&mut base, env);
            base.push_str("/rules");
            environments.insert(env.clone(), rule_ids(&e.rules, &base)?);
        }
        let mut builder = globset::GlobSetBuilder::new();
        for (i, pattern) in raw.exclude.iter().enumerate() {
            let glob = globset::GlobBuilder::new(pattern.trim_end_matches('/'))
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    Error::at(
                        path,
                        at(&format!("/exclude/{i}"), false),
                        format!("invalid exclude pattern: {e}"),
                    )
                })?;
            builder.add(glob);
        }
        let exclude_set = builder
            .build()
            .map_err(|e| Error::at(path, at("/exclude", true), format!("{e}")))?;
        let inside = |dir: &str| {
            let p = Path::new(dir);
            !(p.is_absolute() || p.components().any(|c| c.as_os_str() == ".."))
        };
        for (i, dir) in raw.crd_dirs.iter().flatten().enumerate() {
            if !inside(dir) {
                return Err(Error::at(
                    path,
                    at(&format!("/crdDirs/{i}"), false),
                    format!("crdDirs entry '{dir}' leaves the repository; use a path inside it"),
                ));
            }
        }
        if let Some(dir) = raw
            .overlays_dir
            .as_deref()
            .filter(|d| d.is_empty() || !inside(d))
        {
            return Err(Error::at(
                path,
                at("/overlaysDir", false),
                format!("overlaysDir '{dir}' must be a directory inside the repository"),
            ));
        }
        let pod_templates = raw
            .pod_templates
            .iter()
            .enumerate()
            .map(|(i, def)| {
                PodTemplateLocation::new(def).map_err(|e| {
                    Error::at(
                        path,
                        at(&format!("/podTemplates/{i}/{}", e.field), false),
                        format!(
                            "podTemplates entry {} {}: {}",
                            def.group, def.kind, e.message
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some(def) = &raw.platform_objects {
            def.check().map_err(|e| {
                Error::at(
                    path,
                    at(
                        &format!("/platformObjects/{}/{}", e.section, e.index),
                        false,
                    ),
                    format!("platformObjects.{}[{}]: {}", e.section, e.index, e.message),
                )
            })?;
        }
        for (i, g) in raw.deployable.iter().flatten().enumerate() {
            if let Err(e) = globset::Glob::new(g) {
                return Err(Error::at(
                    path,
                    at(&format!("/deployable/{i}"), false),
                    format!("deployable entry '{g}' is not a glob: {e}"),
                ));
            }
        }
        let gpu_taint = match &raw.gpu_taint {
            None => crate::validate::GpuTaint::Unknown,
            Some(kforge_value::Value::String(s)) if s == "none" => {
                crate::validate::GpuTaint::Untainted
            }
            Some(t @ kforge_value::Value::Object(m))
                if m.keys()
                    .all(|k| ["key", "value", "effect"].contains(&k.as_str()))
                    && m.get("key")
                        .and_then(kforge_value::Value::as_str)
                        .is_some_and(|k| !k.is_empty())
                    && m.values().all(kforge_value::Value::is_string) =>
            {
                crate::validate::GpuTaint::Taint(t.clone())
            }
            Some(_) => return Err(Error::at(
                path,
                at("/gpuTaint", false),
                "gpuTaint must be `none` or a taint {key, value, effect} (strings; key required)",
            )),
        };
        Ok(Config {
            file: Some(path.to_path_buf()),
            crd_dirs: raw
                .crd_dirs
                .map(|d| d.into_iter().map(PathBuf::from).collect()),
            app: match raw.app {
                Some(a) if a.is_empty() || a.contains('/') || a.contains('\\') || a == ".." || a == "." => {
                    return Err(Error::at(
                        path,
                        at("/app", false),
                        format!("app '{a}' must be one directory name (it is the directory each environment renders into)"),
                    ))
                }
                other => other,
            },
            overlays_dir: raw.overlays_dir.map(PathBuf::from),
            gitops_dirs: raw
                .gitops_dirs
                .map(|d| d.into_iter().map(PathBuf::from).collect()),
            exclude: raw.exclude,
            exclude_set,
            rules,
            environments,
            pod_templates,
            platform: raw.platform_objects,
            deployable: raw.deployable,
            gpu_taint,
        })
    }

    /// Where the repository keeps its environments, CRDs and rendered application: the one
    /// answer `check`, `render`, `diff`, `init` and [`crate::Repo`] use.
    pub fn layout(&self) -> RepoLayout {
        RepoLayout {
            overlays: self
                .overlays_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_OVERLAYS)),
            crd_dirs: self.crd_dirs.clone(),
            gitops_dirs: self
                .gitops_dirs
                .clone()
                .unwrap_or_else(|| vec![PathBuf::from(DEFAULT_GITOPS_DIR)]),
            app: self.app.clone().unwrap_or_else(|| DEFAULT_APP.to_owned()),
        }
    }

    /// Whether `rel` (a path relative to the repository root), or a directory above it, is
    /// excluded.
    pub fn excluded(&self, rel: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let mut p = Some(rel);
        while let Some(q) = p {
            if q.as_os_str().is_empty() {
                break;
            }
            if self.exclude_set.is_match(q) {
                return true;
            }
            p = q.parent();
        }
        false
    }

    /// The rule levels for `env` (the overlay's directory name), or the repository-wide
    /// ones for `None`.
    pub fn policy(&self, env: Option<&str>) -> Policy {
        let mut policy = Policy::default();
        policy.pod_templates.clone_from(&self.pod_templates);
        policy.platform.extend(self.platform.iter().cloned());
        policy.gpu_taint = self.gpu_taint.clone();
        let env_rules = env.and_then(|e| self.environments.get(e));
        for (id, level) in self.rules.iter().chain(env_rules.into_iter().flatten()) {
            policy.set(id, level.severity());
        }
        policy
    }

    /// The environments the configuration names.
    pub fn environment_names(&self) -> impl Iterator<Item = &str> {
        self.environments.keys().map(String::as_str)
    }
}
