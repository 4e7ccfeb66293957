//! `generators:`, `transformers:` and `validators:` entries: configurations of kustomize's builtin
//! plugins (`apiVersion: builtin`), read into [`Step`] values. The configurations
//! themselves are objects (inline text, files, or the output of a kustomization
//! directory) that the overlay builder collects; this module checks each one and reads the
//! files it names (patches, replacements) relative to the kustomization, as kustomize's
//! plugin loader does. External plugins (exec, Go, KRM functions) are refused, as
//! `kubectl kustomize` refuses them without its alpha-plugin flags.

use std::collections::BTreeMap;

use kforge_value::{Map, Value};

use super::loader::KustomizationFile;
use super::BuildOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{self, FieldSpecDef, Image, Replica};
use crate::resource::Resource;
use crate::transform::build_metadata::{self, ConfiguredBy, Provenance};
use crate::transform::fieldspec::FieldSpec;
use crate::transform::namespace::{self, Subjects};
use crate::transform::plugins::Step;
use crate::transform::replacements::Located;

/// A plugin configuration's field, matched case-insensitively as Go's JSON decoding does.
fn field<'a>(map: &'a Map, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn string(map: &Map, name: &str) -> String {
    match field(map, name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn decode<T: serde::de::DeserializeOwned + Default>(
    map: &Map,
    name: &str,
) -> std::result::Result<T, String> {
    match field(map, name) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => kforge_value::from_value(v.clone()).map_err(|e| format!("'{name}': {e}")),
    }
}

/// `fieldSpecs`, or `None` when the configuration has none.
fn specs(map: &Map) -> std::result::Result<Option<Vec<FieldSpec>>, String> {
    match field(map, "fieldSpecs") {
        None | Some(Value::Null) => Ok(None),
        Some(_) => {
            let defs: Vec<FieldSpecDef> = decode(map, "fieldSpecs")?;
            Ok(Some(defs.iter().map(FieldSpec::from_def).collect()))
        }
    }
}

fn pairs(map: &Map, name: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(m)) = field(map, name) {
        for (k, v) in m {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            out.insert(k.to_string(), text);
        }
    }
    out
}

/// One plugin configuration and where to point errors about it (the kustomization's entry
/// for inline text, else the configuration's file).
pub struct PluginConfig {
    /// The configuration object.
    pub object: Resource,
    /// File and position for errors.
    pub at: Option<(std::path::PathBuf, Option<crate::source::Pos>)>,
    /// With `buildMetadata`: the plugin as kustomize records it.
    pub provenance: Option<Provenance>,
}

/// How `buildMetadata` records a plugin configured by `config` in `file`.
pub fn provenance(config: &Resource, file: String) -> Provenance {
    let text = |p: &str| {
        config
            .value
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Provenance {
        path: String::new(),
        configured_in: file,
        configured_by: Some(ConfiguredBy {
            api_version: text("/apiVersion"),
            kind: text("/kind"),
            name: text("/metadata/name"),
            namespace: text("/metadata/namespace"),
        }),
    }
}

/// The steps of the builtin plugin configurations `configs`, listed in `kfile` at
/// `field` (`transformers` or `validators`).
pub fn steps(
    kfile: &KustomizationFile,
    field_name: &str,
    configs: &[PluginConfig],
    opts: &BuildOptions,
) -> Result<Vec<Step>> {
    let pointer = format!("/{field_name}");
    configs
        .iter()
        .map(|c| {
            step(kfile, &pointer, c, opts).map_err(|e| match &c.at {
                Some((file, pos)) if e.file.is_none() => e.in_file(file, *pos),
                _ => e,
            })
        })
        .collect()
}

fn step(
    kfile: &KustomizationFile,
    pointer: &str,
    plugin: &PluginConfig,
    opts: &BuildOptions,
) -> Result<Step> {
    let config = &plugin.object;
    let kind = builtin_kind(config)?;
    let Some(map) = config.value.as_object() else {
        return Err(Error::msg("a plugin configuration must be a mapping"));
    };
    let fail = |m: String| Error::msg(format!("{kind} '{}': {m}", config.name()));
    let needed = |s: Option<Vec<FieldSpec>>| s.unwrap_or_default();
    // The affix plugins refuse a configuration without fieldSpecs, as kustomize's do.
    let required = |s: Option<Vec<FieldSpec>>| {
        s.ok_or_else(|| "fieldSpecs is not expected to be nil".to_owned())
    };
    let step = match kind.as_str() {
        "PrefixSuffixTransformer" => {
            let specs = required(specs(map).map_err(fail)?).map_err(fail)?;
            Step::PrefixSuffix {
                prefix: string(map, "prefix"),
                suffix: string(map, "suffix"),
                specs,
            }
        }
        "HashTransformer" => Step::Hash,
        "PrefixTransformer" | "SuffixTransformer" => {
            let specs = required(specs(map).map_err(fail)?).map_err(fail)?;
            if kind == "PrefixTransformer" {
                Step::Prefix {
                    text: string(map, "prefix"),
                    specs,
                }
            } else {
                Step::Suffix {
                    text: string(map, "suffix"),
                    specs,
                }
            }
        }
        "LabelTransformer" | "AnnotationsTransformer" => {
            let name = if kind == "LabelTransformer" {
                "labels"
            } else {
                "annotations"
            };
            Step::Pairs {
                pairs: pairs(map, name),
                specs: needed(specs(map).map_err(fail)?),
            }
        }
        "NamespaceTransformer" => {
            let namespace = config
                .value
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let subjects = match string(map, "setRoleBindingSubjects").as_str() {
                "" | "defaultOnly" => Subjects::NamedDefault,
                "allServiceAccounts" => Subjects::AllServiceAccounts,
                "none" => Subjects::None,
                other => {
                    return Err(fail(format!(
                        "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
                    )))
                }
            };
            let unset_only = matches!(field(map, "unsetOnly"), Some(Value::Bool(true)));
            Step::Namespace {
                namespace,
                specs: needed(specs(map).map_err(fail)?),
                options: namespace::Options {
                    unset_only,
                    subjects,
                },
            }
        }
        "ImageTagTransformer" => Step::Image {
            image: decode::<Image>(map, "imageTag").map_err(fail)?,
            specs: needed(specs(map).map_err(fail)?),
        },
        "ReplicaCountTransformer" => Step::Replicas {
            replica: decode::<Replica>(map, "replica").map_err(fail)?,
            specs: needed(specs(map).map_err(fail)?),
        },
        "PatchTransformer" => {
            let patch = string(map, "patch").trim().to_owned();
            let path = string(map, "path");
            if patch.is_empty() == path.is_empty() {
                return Err(fail(if patch.is_empty() {
                    "must specify one of patch and path".into()
                } else {
                    "patch and path can't be set at the same time".into()
                }));
            }
            let entry = model::Patch {
                path: (!path.is_empty()).then_some(path),
                patch: (!patch.is_empty()).then_some(patch),
                target: decode(map, "target").map_err(fail)?,
                options: decode(map, "options").map_err(fail)?,
            };
            Step::Patches(vec![super::patches::entry(
                kfile, &entry, pointer, opts, false,
            )?])
        }
        "PatchJson6902Transformer" => {
            let path = string(map, "path");
            let op = string(map, "jsonOp");
            if path.is_empty() && op.is_empty() {
                return Err(fail("empty file path and empty jsonOp".into()));
            }
            if !path.is_empty() && !op.is_empty() {
                return Err(fail("must specify a file path or jsonOp, not both".into()));
            }
            let entry = model::Patch {
                path: (!path.is_empty()).then_some(path),
                patch: (!op.is_empty()).then_some(op),
                target: decode(map, "target").map_err(fail)?,
                options: Default::default(),
            };
            Step::Patches(vec![super::patches::entry(
                kfile, &entry, pointer, opts, true,
            )?])
        }
        "PatchStrategicMergeTransformer" => {
            let paths: Vec<String> = decode(map, "paths").map_err(fail)?;
            let inline = string(map, "patches");
            if paths.is_empty() && inline.is_empty() {
                return Err(fail("empty file path and empty patch content".into()));
            }
            let mut list = super::patches::strategic_merge_entries(kfile, &paths, pointer, opts)?;
            if !inline.is_empty() {
                list.extend(super::patches::strategic_merge_entries(
                    kfile,
                    &[inline],
                    pointer,
                    opts,
                )?);
            }
            Step::Patches(list)
        }
        "ReplacementTransformer" => {
            let items: Vec<Value> = decode(map, "replacements").map_err(fail)?;
            let mut list = Vec::new();
            for item in items {
                let path = item.get("path").and_then(Value::as_str).unwrap_or("");
                if path.is_empty() {
                    let spec = super::replacements::decode(item)
                        .map_err(|m| fail(format!("invalid replacement: {m}")))?;
                    list.push(Located {
                        spec,
                        file: config.origin.file.clone(),
                        pos: None,
                    });
                } else if item.get("source").is_some() || item.get("targets").is_some() {
                    return Err(fail(
                        "cannot specify both path and inline replacement".into(),
                    ));
                } else {
                    list.extend(super::replacements::from_file(kfile, path, pointer, opts)?);
                }
            }
            Step::Replacements(list)
        }
        "SortOrderTransformer" => {
            return Err(fail(
                "SortOrderTransformer is not a builtin plugin (kustomize wires it only as the top-level sortOptions field); use sortOptions".into(),
            ))
        }
        "ValueAddTransformer" => value_add(kfile, pointer, map, plugin, opts).map_err(|e| match e {
            e if e.file.is_some() => e,
            e => fail(e.message),
        })?,
        "ConfigMapGenerator"
        | "SecretGenerator"
        | "HelmChartInflationGenerator"
        | "IAMPolicyGenerator" => {
            return Err(fail(format!(
                "plugin {kind} is a generator, not a transformer; list it under 'generators'"
            )))
        }
        _ => {
            return Err(fail(format!(
                "'{kind}' is not one of kustomize's builtin plugins"
            )))
        }
    };
    Ok(step)
}

/// `generators:`: run the builtin generator configurations `configs` (ConfigMapGenerator,
/// SecretGenerator) into `set`, after the kustomization's own generators, as kustomize does.
pub fn generate(
    kfile: &KustomizationFile,
    configs: &[PluginConfig],
    set: &mut super::accumulator::ResSet,
    opts: &BuildOptions,
) -> Result<()> {
    for (i, c) in configs.iter().enumerate() {
        let config = &c.object;
        let locate = |e: Error| match &c.at {
            Some((file, pos)) if e.file.is_none() => e.in_file(file, *pos),
            _ => e,
        };
        let kind = builtin_kind(config).map_err(locate)?;
        let before = set.items().len();
        let mark_new = |set: &mut super::accumulator::ResSet| {
            if let Some(by) = &c.provenance {
                for r in &mut set.items_mut()[before..] {
                    build_metadata::set_origin_if_missing(r, by);
                }
            }
        };
        let secret = match kind.as_str() {
            "ConfigMapGenerator" => false,
            "SecretGenerator" => true,
            "HelmChartInflationGenerator" => {
                inflate_chart(kfile, config, set, opts).map_err(locate)?;
                mark_new(set);
                continue;
            }
            "IAMPolicyGenerator" => {
                let sa = iam_policy(config).map_err(locate)?;
                set.append_all(vec![sa]).map_err(locate)?;
                mark_new(set);
                continue;
            }
            _ => {
                return Err(locate(Error::msg(format!(
                    "'{kind}' is not one of kustomize's builtin generators (ConfigMapGenerator, SecretGenerator, HelmChartInflationGenerator, IAMPolicyGenerator)"
                ))))
            }
        };
        let Some(map) = config.value.as_object() else {
            continue;
        };
        let mut args = Map::new();
        for name in [
            "behavior", "literals", "files", "envs", "env", "type", "options",
        ] {
            if let Some(v) = field(map, name).filter(|v| !v.is_null()) {
                args.insert(name, v.clone());
            }
        }
        args.insert("name", Value::String(config.name().to_owned()));
        if let Some(ns) = config.value.pointer("/metadata/namespace") {
            args.insert("namespace", ns.clone());
        }
        let g: model::GeneratorArgs =
            kforge_value::from_value(Value::Object(args)).map_err(|e| {
                locate(Error::msg(format!(
                    "{kind} '{}': invalid configuration: {e}",
                    config.name()
                )))
            })?;
        let options = g.options.clone().unwrap_or_default();
        let at = super::generator::At {
            pointer: "/generators",
            doc: i,
            origin: c.provenance.as_ref(),
        };
        super::generator::generate(kfile, set, secret, &g, &options, &at, opts).map_err(locate)?;
    }
    Ok(())
}

/// The kind of a builtin plugin configuration (`apiVersion: builtin`); any other plugin is
/// external, and refused as `kubectl kustomize` refuses it.
fn builtin_kind(config: &Resource) -> Result<String> {
    let kind = config.kind().to_owned();
    let api = config.value.get("apiVersion").and_then(Value::as_str);
    if api != Some("builtin") {
        return Err(Error::msg(format!(
            "external plugins disabled; unable to load external plugin '{kind}': kforge runs only kustomize's builtin plugins (apiVersion: builtin); run other transformers in your pipeline before or after kforge"
        ))
        .kind(ErrorKind::Unsupported));
    }
    Ok(kind)
}

/// A `HelmChartInflationGenerator` configuration: the fields of a `helmCharts` entry plus
/// `chartHome` (kustomize's HelmGlobals inline), rendered like a `helmCharts` entry.
fn inflate_chart(
    kfile: &KustomizationFile,
    config: &Resource,
    set: &mut super::accumulator::ResSet,
    opts: &BuildOptions,
) -> Result<()> {
    let Some(map) = config.value.as_object() else {
        return Ok(());
    };
    let mut chart = Map::new();
    let mut chart_home = None;
    for (k, v) in map {
        match k.as_str() {
            "apiVersion" | "kind" | "metadata" => {}
            "chartHome" => chart_home = v.as_str().map(str::to_owned),
            "configHome" => {}
            _ => {
                chart.insert(k.clone(), v.clone());
            }
        }
    }
    let chart: model::HelmChart = kforge_value::from_value(Value::Object(chart)).map_err(|e| {
        Error::msg(format!(
            "HelmChartInflationGenerator '{}': invalid configuration: {e}",
            config.name()
        ))
    })?;
    super::helm::inflate(
        kfile,
        std::slice::from_ref(&chart),
        chart_home,
        "/generators",
        set,
        opts,
        None,
    )
}

/// A `ValueAddTransformer` configuration: `value` (the kustomization directory's name when
/// empty), `targets` plus those of the `targetFilePath` file.
fn value_add(
    kfile: &KustomizationFile,
    pointer: &str,
    map: &Map,
    plugin: &PluginConfig,
    opts: &BuildOptions,
) -> Result<Step> {
    use crate::transform::value_add::Target;
    let mut value = string(map, "value").trim().to_owned();
    if value.is_empty() {
        value = kfile
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    let target_list = |v: Option<&Value>| -> std::result::Result<Vec<Target>, String> {
        let Some(Value::Array(items)) = v else {
            return match v {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(_) => Err("'targets' must be a list".into()),
            };
        };
        let mut out = Vec::new();
        for item in items {
            let Some(t) = item.as_object() else {
                return Err("each target must be a mapping".into());
            };
            let selector: Option<model::Selector> = decode(t, "selector")?;
            let position = match field(t, "filePathPosition") {
                None | Some(Value::Null) => 0,
                Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or(0),
                Some(_) => return Err("'filePathPosition' must be an integer".into()),
            };
            if position < 0 {
                return Err(format!(
                    "value of FilePathPosition ({position}) cannot be negative"
                ));
            }
            out.push(Target {
                selector,
                field_path: string(t, "fieldPath"),
                file_path_position: position as usize,
            });
        }
        Ok(out)
    };
    let mut targets = target_list(field(map, "targets")).map_err(Error::msg)?;
    let file = string(map, "targetFilePath");
    if !file.is_empty() {
        let path = super::resolve::resolve_file(kfile, &file, pointer, opts)?;
        let shown = super::loader::lexical_join(&kfile.display_dir, &file);
        let text = crate::source::file::read_text(&path, &opts.limits)?;
        let doc =
            crate::source::yaml::parse_single(&text, crate::source::Schema::Kyaml, opts.limits)
                .map_err(|e| {
                    Error::at(
                        &shown,
                        Some(e.pos),
                        format!("invalid target file: {}", e.message),
                    )
                })?;
        let listed = match doc.as_ref().map(|d| &d.value) {
            Some(Value::Object(m)) => field(m, "targets"),
            _ => None,
        };
        targets.extend(target_list(listed).map_err(|m| Error::at(&shown, None, m))?);
    }
    if targets.is_empty() {
        return Err(Error::msg("must specify at least one target"));
    }
    if targets.iter().any(|t| t.field_path.is_empty()) {
        return Err(Error::msg("fieldPath cannot be empty"));
    }
    let at = plugin
        .at
        .clone()
        .unwrap_or_else(|| (kfile.path.clone(), kfile.pos(pointer)));
    Ok(Step::ValueAdd { value, targets, at })
}

/// An `IAMPolicyGenerator` configuration: the GKE workload-identity ServiceAccount it
/// describes (kustomize knows no other cloud).
fn iam_policy(config: &Resource) -> Result<Resource> {
    let kind = "IAMPolicyGenerator";
    let map = config.value.as_object().cloned().unwrap_or_default();
    let cloud = string(&map, "cloud");
    if cloud != "gke" {
        return Err(Error::msg(format!(
            "{kind} '{}': cloud provider {cloud} not supported yet (kustomize knows only 'gke')",
            config.name()
        )));
    }
    let part = |name: &str| match field(&map, name) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let (ksa, gsa) = (part("kubernetesService"), part("serviceAccount"));
    // kustomize writes the object as YAML text and parses it: values read as plain scalars.
    let plain = |s: String| crate::source::scalar::plain_value(&s);
    let mut metadata = Map::new();
    let mut annotations = Map::new();
    annotations.insert(
        "iam.gke.io/gcp-service-account",
        Value::String(format!(
            "{}@{}.iam.gserviceaccount.com",
            string(&gsa, "name"),
            string(&gsa, "projectId")
        )),
    );
    metadata.insert("annotations", Value::Object(annotations));
    metadata.insert("name", plain(string(&ksa, "name")));
    let namespace = string(&ksa, "namespace");
    if !namespace.is_empty() {
        metadata.insert("namespace", plain(namespace));
    }
    let mut object = Map::new();
    object.insert("apiVersion", Value::String("v1".into()));
    object.insert("kind", Value::String("ServiceAccount".into()));
    object.insert("metadata", Value::Object(metadata));
    Ok(Resource::new(
        Value::Object(object),
        config.origin.clone(),
        Default::default(),
    ))
}
