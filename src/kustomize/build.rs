//! The overlay graph: resources, bases and components, accumulated depth first, with
//! each kustomization's transformers applied in kustomize's fixed order.

use std::path::{Path, PathBuf};

use super::accumulator::Accumulator;
use super::loader::{
    lexical_join, load_kustomization, resources_from_text, KustomizationFile, LoadRestrictor,
};
use super::plugins::PluginConfig;
use super::remote::{self, RemoteEntry, RemoteOptions};
use super::source_filter::SourceFilter;
use super::vendor::Lock;
use crate::error::{Error, ErrorKind, Result};
use crate::resource::Resource;
use crate::source::Limits;
use crate::transform;
use crate::transform::build_metadata::{self, Provenance};
use std::sync::Arc;

/// Objects finished on all cores when each thread gets at least this many.
const PER_THREAD: usize = 64;

/// Options for a build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Which files kustomizations may read.
    pub load_restrictor: LoadRestrictor,
    /// Limits for every YAML file read.
    pub limits: Limits,
    /// How `helmCharts` are rendered; `None` refuses them (kustomize's `--enable-helm`).
    pub helm: Option<super::helm::HelmConfig>,
    /// Resource files parsed once and shared by the builds using these options; `None`
    /// reads every file on each build. See [`BuildOptions::sharing_parses`].
    pub cache: Option<std::sync::Arc<super::cache::ParseCache>>,
    /// How remote (Git and HTTP) resources are fetched, cached and pinned.
    pub remote: RemoteOptions,
    /// kustomize's deprecated `--reorder` flag (a `sortOptions` field wins over it).
    pub reorder: Reorder,
    /// kustomize's deprecated `--enable-managedby-label` flag: every object gets the
    /// `app.kubernetes.io/managed-by` label, as with `buildMetadata: [managedByLabel]`.
    pub managed_by_label: bool,
    /// The files a packaged source holds, when the build reads one (`kforge check --flux`:
    /// a GitRepository's artifact): a file it leaves out cannot be read.
    pub source: Option<SourceFilter>,
}

/// kustomize's `--reorder`: the final order when the kustomization has no `sortOptions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reorder {
    /// Not given: the legacy order.
    #[default]
    Unspecified,
    /// `--reorder legacy`.
    Legacy,
    /// `--reorder none`: the objects in the order the build made them.
    None,
}

impl BuildOptions {
    /// These options with a fresh [`ParseCache`](super::cache::ParseCache), for one run
    /// that builds several overlays over shared bases (the files must not change during it).
    pub fn sharing_parses(&self) -> BuildOptions {
        BuildOptions {
            cache: Some(std::sync::Arc::default()),
            ..self.clone()
        }
    }
}

/// The result of a build.
#[derive(Debug, Default)]
pub struct BuildOutput {
    /// The objects, in output order.
    pub resources: Vec<Resource>,
    /// Warnings (deprecated fields), as kustomize prints them on stderr.
    pub warnings: Vec<String>,
    /// Kustomization entries that had no effect (kustomize says nothing about them):
    /// `kforge build` prints them as warnings, validation reports them (KF002).
    pub notices: Vec<crate::model::Ineffective>,
}

pub(super) struct Builder<'a> {
    pub(super) opts: &'a BuildOptions,
    stack: Vec<(PathBuf, PathBuf)>,
    /// `namespace:` of each kustomization on the stack (helm charts inherit the nearest).
    namespaces: Vec<Option<String>>,
    warnings: Vec<String>,
    /// The directory built (where the search for `kforge.lock` starts).
    top: PathBuf,
    /// The nearest `kforge.lock`, read when the first remote is met.
    lock: Option<Option<Arc<Lock>>>,
    /// kyaml's process-wide OpenAPI schema, as this build changes it.
    pub(super) openapi: super::openapi::OpenApi,
    /// Entries that had no effect, in build order.
    notices: Vec<crate::model::Ineffective>,
    /// Patches applied after the top kustomization's own (a Flux Kustomization's).
    top_patches: Vec<transform::patches::Patch>,
}

/// What a remote resource entry turned out to be.
pub(super) enum Opened {
    /// A file's objects.
    Objects(Vec<Resource>),
    /// A kustomization directory.
    Base(Box<KustomizationFile>),
}

/// Build the kustomization in `dir`, as `kubectl kustomize DIR` does.
pub fn build(dir: &Path, opts: &BuildOptions) -> Result<BuildOutput> {
    build_file(load_kustomization(dir, &opts.limits)?, Vec::new(), opts)
}

/// Build a kustomization already read (and perhaps changed, or made in memory, as Flux's
/// kustomize-controller changes and makes them), applying `top_patches` after its own
/// `patches` (patches whose text and positions come from elsewhere).
pub fn build_file(
    mut kfile: KustomizationFile,
    top_patches: Vec<transform::patches::Patch>,
    opts: &BuildOptions,
) -> Result<BuildOutput> {
    let mut b = Builder {
        opts,
        stack: Vec::new(),
        namespaces: Vec::new(),
        warnings: Vec::new(),
        top: kfile.display_dir.clone(),
        lock: None,
        openapi: Default::default(),
        notices: Vec::new(),
        top_patches,
    };
    // A Component built on its own is built like a Kustomization, as kustomize does.
    // Only the top kustomization's buildMetadata counts; any non-empty list makes the
    // whole build track provenance (kept or removed at the end).
    let metadata = &kfile.kustomization.build_metadata;
    let tracking = (!metadata.is_empty()).then(|| build_metadata::Options::from_list(metadata));
    if tracking.is_some() {
        kfile.origin = Some(String::new());
    }
    let mut acc = Accumulator::default();
    b.accumulate(&kfile, &mut acc)?;
    let config = acc.config;
    let mut resources = acc.set.into_items();
    transform::hash::apply(&mut resources);
    transform::nameref::apply(&mut resources, &config).map_err(|e| e.in_file(&kfile.path, None))?;
    transform::vars::resolve(&mut resources, &acc.vars, &config)
        .map_err(|e| e.in_file(&kfile.path, kfile.pos("/vars")))?;
    resources.retain(|r| {
        r.value
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("config.kubernetes.io/local-config"))
            .and_then(|v| v.as_str())
            != Some("true")
    });
    // Each object on its own (on all cores for large builds; the first failure in order
    // is the one reported).
    crate::parallel::try_each_mut(&mut resources, PER_THREAD, |_, r| super::finish::object(r))?;
    if let Some(o) = &kfile.kustomization.sort_options {
        transform::sort::check(o).map_err(|(field, m)| {
            Error::at(&kfile.path, kfile.pos(&format!("/sortOptions{field}")), m)
        })?;
    }
    let sort_options = kfile.kustomization.sort_options.as_ref();
    if sort_options.is_some() && opts.reorder != Reorder::Unspecified {
        b.warnings.push(
            "Warning: Sorting order is set both in 'kustomization.yaml' ('sortOptions') and in a CLI flag ('--reorder'). Using the kustomization file over the CLI flag.".into(),
        );
    }
    if sort_options.is_some() || opts.reorder != Reorder::None {
        transform::sort::apply(&mut resources, sort_options);
    }
    if let Some(mut m) = tracking {
        m.managed_by |= opts.managed_by_label;
        build_metadata::finish(&mut resources, m);
    } else if opts.managed_by_label {
        let m = build_metadata::Options {
            managed_by: true,
            ..Default::default()
        };
        build_metadata::finish(&mut resources, m);
    }
    Ok(BuildOutput {
        resources,
        warnings: b.warnings,
        notices: b.notices,
    })
}

impl Builder<'_> {
    fn enter(&mut self, kfile: &KustomizationFile) -> Result<()> {
        if let Some(i) = self.stack.iter().position(|(d, _)| *d == kfile.dir) {
            let chain: Vec<String> = self.stack[i..]
                .iter()
                .map(|(_, shown)| shown.display().to_string())
                .chain(std::iter::once(kfile.display_dir.display().to_string()))
                .collect();
            return Err(Error::at(
                &kfile.path,
                None,
                format!(
                    "cycle detected: {}; a kustomization may not include itself",
                    chain.join(" -> ")
                ),
            ));
        }
        self.stack
            .push((kfile.dir.clone(), kfile.display_dir.clone()));
        Ok(())
    }

    pub(super) fn load_sub(
        &mut self,
        parent: &KustomizationFile,
        entry: &str,
        pointer: &str,
        dir: &Path,
    ) -> Result<KustomizationFile> {
        // kustomize opens a base or component directory only by a relative path.
        if Path::new(entry).is_absolute() {
            return Err(Error::at(
                &parent.path,
                parent.pos(pointer),
                format!("'{entry}' is an absolute path: a base or component directory must be named relative to the kustomization"),
            ));
        }
        if let Some(source) = &self.opts.source {
            // The directory as the artifact has it, and its kustomization file.
            let lexical = super::loader::lexical_join(&parent.dir, entry);
            let why = source.left_out(&lexical).or_else(|| {
                let kustomization = super::loader::find_kustomization(&lexical).ok()?;
                source.left_out(&kustomization)
            });
            if let Some(why) = why {
                return Err(Error::at(
                    &parent.path,
                    parent.pos(pointer),
                    format!(
                        "the source artifact holds no kustomization for '{entry}': {why}; Flux cannot build it"
                    ),
                ));
            }
        }
        let mut sub = load_kustomization(dir, &self.opts.limits).map_err(|e| {
            if e.kind == ErrorKind::NoKustomization {
                Error::at(
                    &parent.path,
                    parent.pos(pointer),
                    format!(
                        "'{entry}' is a directory without a kustomization.yaml, kustomization.yml or Kustomization file"
                    ),
                )
            } else {
                e
            }
        })?;
        if let Some(root) = &parent.remote_root {
            if !sub.dir.starts_with(root) {
                return Err(Error::at(
                    &parent.path,
                    parent.pos(pointer),
                    format!(
                        "security: base '{entry}' of a remote kustomization is outside its repository '{}'",
                        root.display()
                    ),
                )
                .kind(ErrorKind::Restricted));
            }
            sub.remote_root = Some(root.clone());
        }
        sub.origin = parent.origin_of(entry);
        Ok(sub)
    }

    /// The nearest `kforge.lock` above the built directory (read once per build).
    fn lock(&mut self) -> Result<Option<Arc<Lock>>> {
        if self.lock.is_none() {
            self.lock = Some(Lock::find(&self.top)?.map(Arc::new));
        }
        Ok(self.lock.clone().flatten())
    }

    /// The kustomization of a Git URL entry: fetched (or from the cache or the lock
    /// file's vendored copy), its directory checked, and read with the checkout as its
    /// load-restrictor bound.
    fn open_git(
        &mut self,
        kfile: &KustomizationFile,
        entry: &str,
        pointer: &str,
        spec: &remote::GitSpec,
        tried_as_file: Option<String>,
    ) -> Result<KustomizationFile> {
        let at = |msg: String| {
            let msg = match &tried_as_file {
                Some(file) => format!(
                    "remote resource '{entry}': as a file: {file}; as a Git repository: {msg}"
                ),
                None => format!("remote resource '{entry}': {msg}"),
            };
            Error::at(&kfile.path, kfile.pos(pointer), msg).kind(ErrorKind::External)
        };
        let lock = self.lock()?;
        let checkout = remote::checkout(spec, lock.as_deref(), &self.opts.remote).map_err(at)?;
        let root = checkout.root.canonicalize().map_err(|e| {
            at(format!(
                "cannot read the checkout {}: {e}",
                checkout.root.display()
            ))
        })?;
        let dir = root.join(&spec.subdir);
        let described = format!(
            "'{}' at {} (commit {})",
            spec.key.repo,
            if spec.key.git_ref.is_empty() {
                "HEAD"
            } else {
                &spec.key.git_ref
            },
            checkout.commit
        );
        let inside = dir.canonicalize().ok().filter(|d| d.is_dir());
        let Some(dir) = inside else {
            return Err(at(format!(
                "the repository {described} has no directory '{}'; check the path after '//' in the URL",
                spec.subdir
            )));
        };
        if !dir.starts_with(&root) {
            return Err(at(format!(
                "'{}' leaves the repository {described} through a symbolic link",
                spec.subdir
            )));
        }
        let mut sub = load_kustomization(&dir, &self.opts.limits).map_err(|e| {
            if e.kind == ErrorKind::NoKustomization {
                let place = if spec.subdir.is_empty() {
                    "the root".to_owned()
                } else {
                    format!("directory '{}'", spec.subdir)
                };
                at(format!(
                    "{place} of the repository {described} has no kustomization.yaml, kustomization.yml or Kustomization; name a directory with one after '//' in the URL"
                ))
            } else {
                e
            }
        })?;
        sub.remote_root = Some(root);
        Ok(sub)
    }

    /// A remote entry of `resources:`: a plain HTTP(S) file, else a Git repository.
    pub(super) fn open_remote(
        &mut self,
        kfile: &KustomizationFile,
        entry: &str,
        pointer: &str,
        remote: RemoteEntry,
    ) -> Result<Opened> {
        let (url, git) = match remote {
            RemoteEntry::Git(spec) => {
                return self
                    .open_git(kfile, entry, pointer, &spec, None)
                    .map(|k| Opened::Base(Box::new(k)))
            }
            RemoteEntry::Http { url, git } => (url, git),
        };
        let at = |msg: String| {
            Error::at(
                &kfile.path,
                kfile.pos(pointer),
                format!("remote resource '{entry}': {msg}"),
            )
            .kind(ErrorKind::External)
        };
        let opts = self.opts;
        let lock = self.lock()?;
        // Vendored earlier as a repository: no need to ask the server again.
        if let (Some(spec), Some(lock)) = (&git, &lock) {
            if opts.remote.lock != remote::LockUse::Ignore && lock.git(&spec.key).is_some() {
                return self
                    .open_git(kfile, entry, pointer, spec, None)
                    .map(|k| Opened::Base(Box::new(k)));
            }
        }
        let vendored = remote::vendored_file(&url, lock.as_deref(), &opts.remote).map_err(at)?;
        let (bytes, display) = match vendored {
            Some(path) => {
                let bytes = std::fs::read(&path)
                    .map_err(|e| Error::io(&path, format!("cannot read: {e}")))?;
                (Ok(bytes), path)
            }
            None => (
                remote::http_get(&url, opts.limits.max_bytes),
                PathBuf::from(&url),
            ),
        };
        let failed = match bytes {
            Ok(bytes) => {
                let parsed = String::from_utf8(bytes.clone())
                    .map_err(|_| Error::at(&display, None, "file is not valid UTF-8"))
                    .and_then(|text| resources_from_text(&text, &display, &opts.limits));
                match parsed {
                    Ok(objects) => {
                        remote::record_http(&opts.remote, &url, &bytes);
                        return Ok(Opened::Objects(objects));
                    }
                    Err(e) if git.is_none() => return Err(e),
                    Err(e) => e.to_string(),
                }
            }
            Err(e) if git.is_none() => return Err(at(format!("{e}; check the URL"))),
            Err(e) => e.to_string(),
        };
        let spec = git.expect("checked above");
        self.open_git(kfile, entry, pointer, &spec, Some(failed))
            .map(|k| Opened::Base(Box::new(k)))
    }

    /// Append the objects of a base (a kustomization directory named under `resources:`).
    pub(super) fn add_base(
        &mut self,
        kfile: &KustomizationFile,
        entry: &str,
        pointer: &str,
        sub: KustomizationFile,
        acc: &mut Accumulator,
    ) -> Result<()> {
        if sub.kustomization.kind.as_deref() == Some("Component") {
            return Err(Error::at(
                &kfile.path,
                kfile.pos(pointer),
                format!("'{entry}' is a Component; list it under 'components', not 'resources'"),
            ));
        }
        let mut sub_acc = Accumulator::default();
        self.accumulate(&sub, &mut sub_acc)?;
        acc.set.append_all(sub_acc.set.into_items())?;
        acc.merge_config(&sub_acc.config)
            .map_err(|e| e.in_file(&kfile.path, kfile.pos(pointer)))?;
        transform::vars::merge(&mut acc.vars, &sub_acc.vars)
            .map_err(|e| e.in_file(&kfile.path, kfile.pos(pointer)))
    }

    fn warn_deprecated(&mut self, k: &crate::model::Kustomization) {
        let mut warn = |used: bool, field: &str, instead: &str| {
            if used {
                self.warnings.push(format!(
                    "# Warning: '{field}' is deprecated. Please use '{instead}' instead. Run 'kustomize edit fix' to update your Kustomization automatically."
                ));
            }
        };
        warn(!k.bases.is_empty(), "bases", "resources");
        warn(!k.common_labels.is_empty(), "commonLabels", "labels");
        warn(!k.image_tags.is_empty(), "imageTags", "images");
        warn(!k.patches_json6902.is_empty(), "patchesJson6902", "patches");
        warn(
            !k.patches_strategic_merge.is_empty(),
            "patchesStrategicMerge",
            "patches",
        );
        if k.vars.is_some() {
            self.warnings.push("# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.".to_owned());
        }
    }

    /// The plugin configurations listed under `field` (`transformers` or `validators`):
    /// inline ones first, then files and kustomization directories, as kustomize reads them.
    fn plugin_configs(
        &mut self,
        kfile: &KustomizationFile,
        field: &str,
        list: &[String],
    ) -> Result<Vec<PluginConfig>> {
        let mut inline: Vec<PluginConfig> = Vec::new();
        let mut acc = Accumulator::default();
        let mut paths = Vec::new();
        for (i, entry) in list.iter().enumerate() {
            let pointer = format!("/{field}/{i}");
            match resources_from_text(entry, &kfile.path, &self.opts.limits) {
                Ok(objects) if !objects.is_empty() => {
                    // kustomize reads inline configurations as objects, as it reads files.
                    self.openapi.saw(&objects)?;
                    let at = kfile.pos(&pointer);
                    inline.extend(objects.into_iter().map(|object| {
                        PluginConfig {
                            provenance: kfile
                                .configured_in()
                                .map(|file| super::plugins::provenance(&object, file)),
                            object,
                            at: Some((kfile.path.clone(), at)),
                        }
                    }));
                }
                _ => paths.push((entry, pointer)),
            }
        }
        self.accumulate_entries(kfile, paths.into_iter(), &mut acc)?;
        let from_files = acc.set.into_items().into_iter().map(|object| {
            let at = object.spans.get("").map(|s| s.value);
            let provenance = kfile.origin.as_ref().map(|_| {
                let annotation = object
                    .value
                    .pointer("/metadata/annotations")
                    .and_then(|a| a.get(build_metadata::ORIGIN))
                    .and_then(kforge_value::Value::as_str)
                    .unwrap_or("");
                super::plugins::provenance(&object, Provenance::path_of(annotation))
            });
            PluginConfig {
                at: Some((object.origin.file.clone(), at)),
                object,
                provenance,
            }
        });
        Ok(inline.into_iter().chain(from_files).collect())
    }

    /// `validators:`: builtin plugins run on a copy of the objects; kustomize fails the
    /// build when one changes anything.
    fn validate(&mut self, kfile: &KustomizationFile, objects: &[Resource]) -> Result<()> {
        let list = &kfile.kustomization.validators;
        if list.is_empty() {
            return Ok(());
        }
        let configs = self.plugin_configs(kfile, "validators", list)?;
        for step in super::plugins::steps(kfile, "validators", &configs, self.opts)? {
            let mut copy = objects.to_vec();
            transform::plugins::apply(&mut copy, &step, &self.openapi.schemas())?;
            let changed = copy
                .iter()
                .zip(objects)
                .find(|(after, before)| after.value != before.value);
            if let Some((after, _)) = changed {
                return Err(Error::at(
                    &kfile.path,
                    kfile.pos("/validators"),
                    format!(
                        "validator shouldn't modify the resource map: it changed {}",
                        after.cur_id()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn accumulate(&mut self, kfile: &KustomizationFile, acc: &mut Accumulator) -> Result<()> {
        self.enter(kfile)?;
        let k = &kfile.kustomization;
        self.warn_deprecated(k);
        let top = self.stack.len() == 1;
        self.openapi.enter(kfile, top, self.opts)?;
        self.namespaces
            .push(k.namespace.clone().filter(|n| !n.is_empty()));

        // `~` or '' in the list (Go reads a null entry as ""): kustomize fails on it.
        for (field, list) in [("resources", &k.resources), ("bases", &k.bases)] {
            if let Some(i) = list.iter().position(|e| e.trim().is_empty()) {
                return Err(Error::at(
                    &kfile.path,
                    kfile.pos(&format!("/{field}/{i}")),
                    format!("'{field}' entry {i} is empty (`~` or ''); name a file or directory, or remove the entry"),
                ));
            }
        }
        let entries = k
            .resources
            .iter()
            .enumerate()
            .map(|(i, e)| (e, format!("/resources/{i}")))
            .chain(
                k.bases
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e, format!("/bases/{i}"))),
            );
        self.accumulate_entries(kfile, entries, acc)?;
        if let Some(own) = super::configurations::load(kfile, self.opts)? {
            acc.merge_config(&Arc::new(own))
                .map_err(|e| e.in_file(&kfile.path, kfile.pos("/configurations")))?;
        }
        if let Some(crds) = super::crds::load(kfile, self.opts)? {
            acc.merge_config(&Arc::new(crds))
                .map_err(|e| e.in_file(&kfile.path, kfile.pos("/crds")))?;
        }
        let set = &mut acc.set;
        let generated_from = set.items().len();

        super::generator::run(kfile, set, self.opts)?;
        let inherited = self.namespaces.iter().rev().flatten().next().cloned();
        let before = set.items().len();
        super::helm::run(kfile, set, self.opts, inherited.as_deref())?;
        if let Some(file) = kfile.configured_in() {
            let by = Provenance::builtin(&file, "HelmChartInflationGenerator");
            for r in &mut set.items_mut()[before..] {
                build_metadata::set_origin_if_missing(r, &by);
            }
        }
        if !k.generators.is_empty() {
            let configs = self.plugin_configs(kfile, "generators", &k.generators)?;
            super::plugins::generate(kfile, &configs, &mut acc.set, self.opts)?;
        }
        self.openapi.saw(&acc.set.items()[generated_from..])?;

        for (i, entry) in k.components.iter().enumerate() {
            let pointer = format!("/components/{i}");
            let joined = lexical_join(&kfile.display_dir, entry);
            let sub = if kfile.dir.join(entry).is_dir() {
                self.load_sub(kfile, entry, &pointer, &joined)?
            } else {
                // A component may be a Git URL (never a plain file).
                match remote::classify(entry) {
                    Some(RemoteEntry::Git(spec))
                    | Some(RemoteEntry::Http {
                        git: Some(spec), ..
                    }) => self.open_git(kfile, entry, &pointer, &spec, None)?,
                    _ => {
                        return Err(Error::at(
                            &kfile.path,
                            kfile.pos(&pointer),
                            format!("component '{entry}' is not a directory with a kustomization"),
                        ))
                    }
                }
            };
            if sub.kustomization.kind.as_deref() != Some("Component") {
                return Err(Error::at(
                    &kfile.path,
                    kfile.pos(&pointer),
                    format!(
                        "'{entry}' is listed under 'components' but its kind is not 'Component'"
                    ),
                ));
            }
            self.accumulate(&sub, acc)?;
        }

        let config = acc.config.clone();
        let mut patches = super::patches::load(kfile, self.opts)?;
        if top {
            patches.first.append(&mut self.top_patches);
        }
        let replacements = super::replacements::load(kfile, self.opts)?;
        let configs = self.plugin_configs(kfile, "transformers", &k.transformers)?;
        let plugins = super::plugins::steps(kfile, "transformers", &configs, self.opts)?;
        let configured_in = kfile.configured_in();
        // A strategic merge reads the schema (kyaml reads it on first use).
        let smp =
            |p: &transform::patches::Patch| matches!(p.body, transform::patches::Body::Smp(_));
        let merges = patches.first.iter().any(smp)
            || plugins.iter().any(|s| match s {
                transform::plugins::Step::Patches(list) => list.iter().any(smp),
                _ => false,
            });
        if merges {
            self.openapi.init()?;
        }
        let schemas = self.openapi.schemas();
        let plugin_origins: Vec<Provenance> = configs
            .iter()
            .filter_map(|c| c.provenance.clone())
            .collect();
        let steps = transform::Steps {
            kustomization: k,
            file: &kfile.path,
            spans: &kfile.spans,
            patches: &patches.first,
            patches_json6902: &patches.json6902,
            replacements: &replacements,
            config: &config,
            plugins: &plugins,
            strategic_merge: patches.strategic_merge,
            schemas: &schemas,
            trace: configured_in.as_deref().map(|file| transform::Trace {
                configured_in: file,
                plugins: &plugin_origins,
            }),
        };
        let notices = transform::run_pipeline(&steps, acc.set.items_mut())?;
        self.notices.extend(notices);
        self.validate(kfile, acc.set.items())?;
        if let Some(vars) = &k.vars {
            transform::vars::bind(acc.set.items_mut(), vars, &mut acc.vars)
                .map_err(|e| e.in_file(&kfile.path, kfile.pos("/vars")))?;
        }
        self.stack.pop();
        self.namespaces.pop();
        Ok(())
    }
}
