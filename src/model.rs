//! The `kustomization.yaml` file as data: the fields kforge reads and the ones it refuses.
//! Plain values, no I/O: the kustomize layer loads them, the transformers take them.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A kustomization (or a `kind: Component`), as written.
///
/// Unknown fields are rejected, as kustomize rejects them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kustomization {
    /// `kustomize.config.k8s.io/v1beta1` or `v1alpha1` (components).
    pub api_version: Option<String>,
    /// `Kustomization` or `Component`.
    pub kind: Option<String>,
    /// Not used by the build, but checked as kustomize decodes it (only `name`,
    /// `namespace`, `labels` and `annotations`).
    pub metadata: Option<ObjectMeta>,
    /// Files and directories to include.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Component directories to apply.
    #[serde(default)]
    pub components: Vec<String>,
    /// Deprecated form of `resources`.
    #[serde(default)]
    pub bases: Vec<String>,
    /// Namespace for every namespaced object.
    pub namespace: Option<String>,
    /// Prefix for object names.
    pub name_prefix: Option<String>,
    /// Suffix for object names.
    pub name_suffix: Option<String>,
    /// Deprecated: labels on metadata and selectors.
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    /// Labels with options.
    #[serde(default)]
    pub labels: Vec<Label>,
    /// Annotations on metadata and pod templates.
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    /// Patches (JSON 6902 or strategic merge).
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// Deprecated: JSON 6902 patches.
    #[serde(default)]
    pub patches_json6902: Vec<Patch>,
    /// Deprecated: strategic-merge patches.
    #[serde(default)]
    pub patches_strategic_merge: Vec<String>,
    /// Image rewrites.
    #[serde(default)]
    pub images: Vec<Image>,
    /// Deprecated form of `images`.
    #[serde(default)]
    pub image_tags: Vec<Image>,
    /// Replica counts.
    #[serde(default)]
    pub replicas: Vec<Replica>,
    /// Output order.
    pub sort_options: Option<SortOptions>,

    /// ConfigMaps to generate.
    #[serde(default)]
    pub config_map_generator: Vec<GeneratorArgs>,
    /// Secrets to generate.
    #[serde(default)]
    pub secret_generator: Vec<GeneratorArgs>,
    /// Options for every generator of this kustomization.
    pub generator_options: Option<GeneratorOptions>,
    /// Helm charts rendered with `helm template` (only with `--enable-helm`).
    #[serde(default)]
    pub helm_charts: Vec<HelmChart>,
    /// Settings for every chart of this kustomization.
    pub helm_globals: Option<HelmGlobals>,
    /// Deprecated chart list, converted into `helmCharts`/`helmGlobals` on load
    /// ([`Kustomization::convert_legacy_helm`]), as kustomize does.
    #[serde(default)]
    pub helm_chart_inflation_generator: Vec<HelmChartArgs>,
    /// Values copied from one object's field into others' (inline or `path:` files).
    #[serde(default)]
    pub replacements: Vec<ReplacementEntry>,
    /// Deprecated: `$(NAME)` values read from an object's field.
    pub vars: Option<Vec<Var>>,
    /// OpenAPI definition files adding field specs for custom kinds.
    #[serde(default)]
    pub crds: Vec<String>,
    /// Transformer configuration files (or inline text) extending the field-spec tables.
    #[serde(default)]
    pub configurations: Vec<String>,
    /// Builtin generator plugin configurations: inline, files, or directories.
    #[serde(default)]
    pub generators: Vec<String>,
    /// Builtin transformer plugin configurations: inline, files, or directories.
    #[serde(default)]
    pub transformers: Vec<String>,
    /// Builtin plugin configurations run as validators (they must not change anything).
    #[serde(default)]
    pub validators: Vec<String>,
    /// `path:` a custom OpenAPI document, or `version:` a builtin one, for strategic merges.
    #[serde(rename = "openapi", default)]
    pub open_api: std::collections::BTreeMap<String, String>,
    /// `originAnnotations`, `transformerAnnotations`, `managedByLabel` (only the top
    /// kustomization's list counts).
    #[serde(default)]
    pub build_metadata: Vec<String>,
}

/// A kustomization's `metadata` (kustomize's `ObjectMeta`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMeta {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: String,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// One `replacements` entry: a replacement written inline, or `path:` to a file holding
/// one replacement or a list of them.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReplacementEntry {
    /// File with the replacement(s).
    #[serde(default)]
    pub path: String,
    /// The object and field the value is read from.
    pub source: Option<SourceSelector>,
    /// A literal value instead of a source.
    pub source_value: Option<String>,
    /// Where the value is written.
    pub targets: Option<Vec<TargetSelector>>,
}

/// A replacement: where the value comes from and where it goes.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    /// The object and field the value is read from.
    pub source: Option<SourceSelector>,
    /// A literal value instead of a source.
    pub source_value: Option<String>,
    /// Where the value is written.
    pub targets: Option<Vec<TargetSelector>>,
}

/// A replacement's source.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceSelector {
    /// Group.
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: String,
    /// Dotted path of the field (default `metadata.name`).
    #[serde(default)]
    pub field_path: String,
    /// Part of a delimited value.
    pub options: Option<FieldOptions>,
}

/// A replacement's target.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetSelector {
    /// Objects to write into.
    pub select: Option<Selector>,
    /// Objects to leave alone.
    #[serde(default)]
    pub reject: Vec<Selector>,
    /// Dotted paths to write (default `metadata.name`).
    #[serde(default)]
    pub field_paths: Vec<String>,
    /// Delimiter, index and create.
    pub options: Option<FieldOptions>,
}

/// Options of a replacement source or target.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldOptions {
    /// Split the value at this text.
    #[serde(default)]
    pub delimiter: String,
    /// Which part of the split value.
    #[serde(default)]
    pub index: i64,
    /// Accepted, as by kustomize, and not used.
    #[serde(default)]
    pub encoding: String,
    /// Create missing target fields.
    #[serde(default)]
    pub create: bool,
}

/// One `vars` entry (deprecated by kustomize in favour of `replacements`).
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Var {
    /// The name used as `$(NAME)`.
    #[serde(default)]
    pub name: String,
    /// The object the value is read from.
    #[serde(default, alias = "objRef", alias = "ObjRef")]
    pub objref: VarTarget,
    /// The field the value is read from (default `metadata.name`).
    #[serde(default, alias = "fieldRef", alias = "FieldRef")]
    pub fieldref: Option<VarField>,
}

/// A var's object.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VarTarget {
    /// `group/version` or `version`.
    #[serde(default, alias = "apiversion")]
    pub api_version: String,
    /// Group (when `apiVersion` does not give it).
    #[serde(default)]
    pub group: String,
    /// Version (when `apiVersion` does not give it).
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace (empty: any).
    #[serde(default)]
    pub namespace: String,
}

/// A var's field.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct VarField {
    /// Dotted path.
    #[serde(
        default,
        rename = "fieldPath",
        alias = "fieldpath",
        alias = "FieldPath"
    )]
    pub field_path: String,
}

/// One `labels` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    /// The labels.
    #[serde(default)]
    pub pairs: BTreeMap<String, String>,
    /// Also write selectors.
    #[serde(default)]
    pub include_selectors: bool,
    /// Also write pod-template labels.
    #[serde(default)]
    pub include_templates: bool,
    /// Extra fields to write.
    #[serde(default)]
    pub fields: Vec<FieldSpecDef>,
}

/// A field location for a transformer, as written in a kustomization.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSpecDef {
    /// Group filter.
    #[serde(default)]
    pub group: String,
    /// Version filter.
    #[serde(default)]
    pub version: String,
    /// Kind filter.
    #[serde(default)]
    pub kind: String,
    /// Slash-separated path.
    #[serde(default)]
    pub path: String,
    /// Create the field when missing.
    #[serde(default)]
    pub create: bool,
}

/// One `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    /// Object name (before prefix, suffix and hash).
    #[serde(default)]
    pub name: String,
    /// Object namespace.
    #[serde(default)]
    pub namespace: String,
    /// `create` (default), `merge` or `replace`.
    #[serde(default)]
    pub behavior: String,
    /// `key=value` entries.
    #[serde(default)]
    pub literals: Vec<String>,
    /// Files (`path` or `key=path`).
    #[serde(default)]
    pub files: Vec<String>,
    /// Env files (`KEY=value` lines).
    #[serde(default)]
    pub envs: Vec<String>,
    /// Deprecated single env file.
    #[serde(default)]
    pub env: String,
    /// Secret type (secrets only).
    #[serde(rename = "type", default)]
    pub secret_type: String,
    /// Per-generator options.
    pub options: Option<GeneratorOptions>,
}

/// Generator options.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    /// Labels for generated objects.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations for generated objects.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Do not append the content hash to the name.
    pub disable_name_suffix_hash: Option<bool>,
    /// Mark the generated object immutable.
    #[serde(default)]
    pub immutable: bool,
}

/// One patch entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    /// File holding the patch.
    pub path: Option<String>,
    /// Inline patch text.
    pub patch: Option<String>,
    /// Which objects to patch.
    pub target: Option<Selector>,
    /// Options.
    #[serde(default)]
    pub options: PatchOptions,
}

/// One `helmCharts` entry (kustomize's `HelmChart`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmChart {
    /// Chart name: the directory `<chartHome>/<name>`.
    #[serde(default)]
    pub name: String,
    /// Chart version (only for pulling from `repo`, which kforge refuses).
    pub version: Option<String>,
    /// Chart repository URL (kforge refuses to pull; vendor the chart).
    pub repo: Option<String>,
    /// Release name passed to `helm template`.
    pub release_name: Option<String>,
    /// Namespace passed to `helm template --namespace`.
    pub namespace: Option<String>,
    /// `--name-template`.
    pub name_template: Option<String>,
    /// Values file (default `<chartHome>/<name>/values.yaml`).
    pub values_file: Option<String>,
    /// More values files, after `valuesFile`.
    #[serde(default)]
    pub additional_values_files: Vec<String>,
    /// Values written in the kustomization.
    pub values_inline: Option<kforge_value::Map>,
    /// How `valuesInline` combines with `valuesFile`: override (default), merge, replace.
    pub values_merge: Option<String>,
    /// `--include-crds`.
    #[serde(default, rename = "includeCRDs")]
    pub include_crds: bool,
    /// `--no-hooks`.
    #[serde(default)]
    pub skip_hooks: bool,
    /// `--skip-tests`.
    #[serde(default)]
    pub skip_tests: bool,
    /// `--api-versions`, one per entry.
    #[serde(default)]
    pub api_versions: Vec<String>,
    /// `--kube-version`.
    pub kube_version: Option<String>,
}

/// One deprecated `helmChartInflationGenerator` entry (kustomize's `HelmChartArgs`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmChartArgs {
    /// Becomes `name`.
    #[serde(default)]
    pub chart_name: String,
    /// Becomes `version`.
    pub chart_version: Option<String>,
    /// Becomes `repo`.
    #[serde(rename = "chartRepoUrl")]
    pub chart_repo_url: Option<String>,
    /// Becomes `helmGlobals.chartHome`.
    pub chart_home: Option<String>,
    /// Ignored by kustomize's conversion.
    pub chart_repo_name: Option<String>,
    /// Ignored by kustomize's conversion.
    pub helm_bin: Option<String>,
    /// Becomes `helmGlobals.configHome`.
    pub helm_home: Option<String>,
    /// Becomes `valuesFile`.
    pub values: Option<String>,
    /// Becomes `valuesInline`.
    pub values_local: Option<kforge_value::Map>,
    /// Becomes `valuesMerge`.
    pub values_merge: Option<String>,
    /// Becomes `releaseName`.
    pub release_name: Option<String>,
    /// Ignored by kustomize's conversion.
    pub release_namespace: Option<String>,
    /// Ignored by kustomize's conversion.
    #[serde(default)]
    pub extra_args: Vec<String>,
}

/// `helmGlobals`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmGlobals {
    /// Directory holding the charts (default `charts`).
    pub chart_home: Option<String>,
    /// Helm's config directory (default: a temporary directory).
    pub config_home: Option<String>,
}

/// Patch options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchOptions {
    /// Allow the patch to rename its target.
    #[serde(default)]
    pub allow_name_change: bool,
    /// Allow the patch to change its target's kind.
    #[serde(default)]
    pub allow_kind_change: bool,
}

/// A patch target selector.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    /// Group regex.
    #[serde(default)]
    pub group: String,
    /// Version regex.
    #[serde(default)]
    pub version: String,
    /// Kind regex.
    #[serde(default)]
    pub kind: String,
    /// Name regex.
    #[serde(default)]
    pub name: String,
    /// Namespace regex.
    #[serde(default)]
    pub namespace: String,
    /// Kubernetes label selector.
    #[serde(default)]
    pub label_selector: String,
    /// Kubernetes label selector over annotations.
    #[serde(default)]
    pub annotation_selector: String,
}

/// One image rewrite.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    /// Image name to match.
    #[serde(default)]
    pub name: String,
    /// Replacement name.
    #[serde(default)]
    pub new_name: String,
    /// Replacement tag.
    #[serde(default)]
    pub new_tag: String,
    /// Appended to the current tag (when neither `newTag` nor `digest` is given).
    #[serde(default)]
    pub tag_suffix: String,
    /// Replacement digest.
    #[serde(default)]
    pub digest: String,
}

/// One replica count.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replica {
    /// Workload name (current or original).
    #[serde(default)]
    pub name: String,
    /// Replica count.
    #[serde(default)]
    pub count: i64,
}

/// Output order options.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    /// `legacy` or `fifo`.
    #[serde(default)]
    pub order: String,
    /// Custom kind lists for `legacy`.
    pub legacy_sort_options: Option<LegacySortOptions>,
}

/// Kind lists for the legacy order.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    /// Kinds first, in this order.
    #[serde(default)]
    pub order_first: Vec<String>,
    /// Kinds last, in this order.
    #[serde(default)]
    pub order_last: Vec<String>,
}

/// Every field name a kustomization may have, for "did you mean" hints.
pub const FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "components",
    "bases",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patches",
    "patchesJson6902",
    "patchesStrategicMerge",
    "images",
    "imageTags",
    "replicas",
    "sortOptions",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "replacements",
    "vars",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "openapi",
    "buildMetadata",
];

impl Kustomization {
    /// kustomize's conversion of the deprecated `helmChartInflationGenerator`: each entry
    /// becomes a `helmCharts` entry after the written ones, and its `chartHome`/`helmHome`
    /// become `helmGlobals` when the kustomization has none (the last entry naming one wins).
    pub fn convert_legacy_helm(&mut self) {
        let legacy = std::mem::take(&mut self.helm_chart_inflation_generator);
        let mut globals = HelmGlobals::default();
        for old in legacy {
            if old.helm_home.as_deref().is_some_and(|h| !h.is_empty()) {
                globals.config_home = old.helm_home.clone();
            }
            if old.chart_home.as_deref().is_some_and(|h| !h.is_empty()) {
                globals.chart_home = old.chart_home.clone();
            }
            self.helm_charts.push(HelmChart {
                name: old.chart_name,
                version: old.chart_version,
                repo: old.chart_repo_url,
                values_file: old.values,
                values_inline: old.values_local,
                values_merge: old.values_merge,
                release_name: old.release_name,
                ..HelmChart::default()
            });
        }
        if self.helm_globals.is_none()
            && (globals.chart_home.is_some() || globals.config_home.is_some())
        {
            self.helm_globals = Some(globals);
        }
    }
}

/// An entry of a kustomization that the build found to have no effect (a `patches` target,
/// an `images` entry, a `labels[].fields` spec or a `replacements` target that selects
/// nothing). kustomize builds such a kustomization without a word; kforge prints a warning
/// and hands the notice to validation (rule KF002), so a mistyped selector can fail CI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ineffective {
    /// The file the entry is written in (the kustomization, or a replacements file).
    pub file: std::path::PathBuf,
    /// The entry's position there, when known.
    pub pos: Option<crate::source::Pos>,
    /// The entry, as a field path (`patches[1]`, `images[0]`,
    /// `replacements[0].targets[2]`).
    pub entry: String,
    /// What it fails to do.
    pub message: String,
    /// What to check.
    pub help: String,
}

/// Where a kustomization entry is written, for a notice about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryAt {
    /// The file.
    pub file: std::path::PathBuf,
    /// The entry's position there, when known.
    pub pos: Option<crate::source::Pos>,
    /// The entry, as a field path (`patches[1]`).
    pub entry: String,
}

impl EntryAt {
    /// The entry at JSON `pointer` of a kustomization file (`/patches/1` is `patches[1]`).
    pub fn in_kustomization(
        file: &std::path::Path,
        spans: &crate::source::SpanIndex,
        pointer: &str,
    ) -> EntryAt {
        let mut entry = String::new();
        for token in pointer.split('/').skip(1) {
            if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
                entry.push_str(&format!("[{token}]"));
            } else {
                if !entry.is_empty() {
                    entry.push('.');
                }
                entry.push_str(&token.replace("~1", "/").replace("~0", "~"));
            }
        }
        EntryAt {
            file: file.to_path_buf(),
            pos: spans.nearest(pointer).map(|s| s.key.unwrap_or(s.value)),
            entry,
        }
    }

    /// A notice that this entry does nothing: why, and what to check.
    pub fn ineffective(&self, message: impl Into<String>, help: impl Into<String>) -> Ineffective {
        Ineffective {
            file: self.file.clone(),
            pos: self.pos,
            entry: self.entry.clone(),
            message: message.into(),
            help: help.into(),
        }
    }
}

impl std::fmt::Display for Ineffective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(pos) = self.pos {
            write!(f, ":{pos}")?;
        }
        write!(f, ": {}: {}; {}", self.entry, self.message, self.help)
    }
}
