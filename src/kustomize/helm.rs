//! `helmCharts`: charts rendered by running a real `helm template`, as kustomize does, and
//! only when the build was asked to (`--enable-helm`).
//!
//! helm runs without a shell, with a time limit and a bound on its output, in a private
//! temporary `HELM_CONFIG_HOME`. kforge renders only charts vendored under `chartHome`
//! (it never pulls from a repository). Without a `releaseName` kustomize asks helm for a
//! random one (`--generate-name`); kforge passes helm's own placeholder, `release-name`,
//! so its output is the same on every build, and the same as kustomize's whenever the
//! chart does not print its release name.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use kforge_value::{Map, Value};

use super::accumulator::ResSet;
use super::exec::{self, Ran, RunError, TempDir};
use super::loader::{lexical_join, resources_from_text, KustomizationFile};
use super::resolve::resolve_file;
use super::BuildOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::model::HelmChart;
use crate::source::file::read_text;
use crate::source::yaml::parse_single;
use crate::source::Schema;

/// How to run helm.
#[derive(Clone, Debug)]
pub struct HelmConfig {
    /// The helm executable (kustomize's `--helm-command`).
    pub command: PathBuf,
    /// Longest time one helm run may take.
    pub timeout: Duration,
    /// Largest output accepted from one helm run, in bytes.
    pub max_output: usize,
    /// kustomize's `--helm-api-versions`: the `apiVersions` of a chart entry that has none.
    pub api_versions: Vec<String>,
    /// kustomize's `--helm-kube-version`: the `kubeVersion` of a chart entry that has none.
    pub kube_version: Option<String>,
}

impl HelmConfig {
    /// Run `command` with the default limits (5 minutes, 256 MiB).
    pub fn new(command: impl Into<PathBuf>) -> HelmConfig {
        HelmConfig {
            command: command.into(),
            timeout: Duration::from_secs(300),
            max_output: 256 << 20,
            api_versions: Vec::new(),
            kube_version: None,
        }
    }
}

/// Run helm (no shell) with the config's time and output limits.
fn run_helm(cfg: &HelmConfig, args: &[String], home: &Path) -> std::result::Result<Ran, String> {
    let mut cmd = Command::new(&cfg.command);
    cmd.args(args)
        .env("HELM_CONFIG_HOME", home.join("helm"))
        .env("HELM_CACHE_HOME", home.join("helm/.cache"))
        .env("HELM_DATA_HOME", home.join("helm/.data"));
    exec::run(cmd, cfg.timeout, cfg.max_output).map_err(|e| match e {
        RunError::Spawn(e) => format!(
            "cannot run helm command '{}': {e}; install helm or name it with --helm-command",
            cfg.command.display()
        ),
        RunError::Timeout(t) => format!(
            "helm did not finish within {} s and was stopped",
            t.as_secs()
        ),
        RunError::TooLarge(max) => {
            format!("helm printed more than {max} bytes; refusing the output")
        }
        RunError::Wait(e) => format!("waiting for helm failed: {e}"),
    })
}

/// kustomize accepts helm v3 and v4.
fn check_version(cfg: &HelmConfig, home: &Path) -> std::result::Result<(), String> {
    let ran = run_helm(cfg, &["version".into(), "--short".into()], home)?;
    let text = String::from_utf8_lossy(&ran.stdout);
    let version = text
        .trim()
        .trim_start_matches('v')
        .split(['.', '+'])
        .next()
        .unwrap_or("");
    if !ran.ok || !matches!(version, "3" | "4") {
        return Err(format!(
            "'{} version --short' printed '{}'; helm v3 or v4 is needed",
            cfg.command.display(),
            text.trim()
        ));
    }
    Ok(())
}

/// mergo's notion of an empty value (which does not override).
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// kustomize merges `valuesInline` into the values file with mergo: maps recursively;
/// elsewhere the inline value wins when `overwrite` (even an empty one: `false`, `0`)
/// or when the file's value is missing or empty.
fn merge_values(dst: &mut Map, src: &Map, overwrite: bool) {
    for (k, sv) in src {
        match (dst.get_mut(k), sv) {
            (Some(Value::Object(d)), Value::Object(s)) if !d.is_empty() => {
                merge_values(d, s, overwrite)
            }
            (Some(dv), _) => {
                if overwrite || is_empty(dv) {
                    *dv = sv.clone();
                }
            }
            (None, _) => {
                dst.insert(k.clone(), sv.clone());
            }
        }
    }
}

fn chart_error(kfile: &KustomizationFile, pointer: &str, msg: impl Into<String>) -> Error {
    Error::at(&kfile.path, kfile.pos(pointer), msg)
}

/// Render every `helmCharts` entry of `kfile` and add the objects to `set`.
///
/// As in kustomize v5.8, helm is told the namespace (the chart's own, else the nearest
/// `namespace:` of this kustomization or the ones including it), and the objects are
/// marked so that the `namespace` transformer leaves them alone.
pub fn run(
    kfile: &KustomizationFile,
    set: &mut ResSet,
    opts: &BuildOptions,
    inherited_namespace: Option<&str>,
) -> Result<()> {
    let k = &kfile.kustomization;
    let chart_home = k.helm_globals.as_ref().and_then(|g| g.chart_home.clone());
    inflate(
        kfile,
        &k.helm_charts,
        chart_home,
        "/helmCharts",
        set,
        opts,
        inherited_namespace,
    )
}

/// Render `charts` (listed in `kfile` at `base`/index) with `chart_home` (default
/// `charts`) and add their objects to `set`: the kustomization's `helmCharts`, or a
/// builtin `HelmChartInflationGenerator` plugin's one chart.
pub fn inflate(
    kfile: &KustomizationFile,
    charts: &[HelmChart],
    chart_home: Option<String>,
    base: &str,
    set: &mut ResSet,
    opts: &BuildOptions,
    inherited_namespace: Option<&str>,
) -> Result<()> {
    if charts.is_empty() {
        return Ok(());
    }
    let Some(cfg) = &opts.helm else {
        return Err(Error::at(
            &kfile.path,
            kfile.spans.get(base).and_then(|s| s.key),
            "helm charts need --enable-helm: kforge runs `helm template` only when asked to (as kustomize does)",
        ));
    };
    let chart_home = chart_home.unwrap_or_else(|| "charts".into());
    // Check every entry before running anything.
    for (i, chart) in charts.iter().enumerate() {
        check_entry(kfile, chart, &format!("{base}/{i}"), &chart_home)?;
    }
    let home = TempDir::new_in(&std::env::temp_dir(), "kforge-helm")
        .map_err(|e| Error::msg(format!("cannot create a temporary directory for helm: {e}")))?;
    check_version(cfg, home.path())
        .map_err(|m| chart_error(kfile, &format!("{base}/0"), m).kind(ErrorKind::External))?;
    for (i, chart) in charts.iter().enumerate() {
        let pointer = format!("{base}/{i}");
        let namespace = chart
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(inherited_namespace);
        let mut objects = template(
            kfile,
            chart,
            namespace,
            &pointer,
            &chart_home,
            cfg,
            home.path(),
            opts,
        )?;
        for o in &mut objects {
            o.helm_generated = true;
        }
        set.append_all(objects)?;
    }
    Ok(())
}

/// The checks that need no helm: name, values merge mode, a vendored chart.
fn check_entry(
    kfile: &KustomizationFile,
    chart: &HelmChart,
    pointer: &str,
    chart_home: &str,
) -> Result<()> {
    let err = |msg: String| chart_error(kfile, pointer, msg);
    if chart.name.is_empty() {
        return Err(err(
            "a helm chart needs a 'name' (its directory under chartHome)".into(),
        ));
    }
    let merge = chart.values_merge.as_deref().unwrap_or("override");
    if !matches!(merge, "override" | "merge" | "replace") {
        return Err(err(format!(
            "valuesMerge must be one of override, merge or replace, not '{merge}'"
        )));
    }
    let chart_rel = format!("{chart_home}/{}", chart.name);
    if !kfile.dir.join(&chart_rel).is_dir() {
        let shown = lexical_join(&kfile.display_dir, &chart_rel);
        return Err(err(if chart.repo.is_some() {
            format!(
                "no chart at '{}': kforge does not pull charts from repositories; vendor the chart there (helm pull --untar)",
                shown.display()
            )
        } else {
            format!("no chart found at '{}'", shown.display())
        }));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn template(
    kfile: &KustomizationFile,
    chart: &HelmChart,
    namespace: Option<&str>,
    pointer: &str,
    chart_home: &str,
    cfg: &HelmConfig,
    home: &Path,
    opts: &BuildOptions,
) -> Result<Vec<crate::resource::Resource>> {
    let err = |msg: String| chart_error(kfile, pointer, msg);
    // kustomize: `--generate-name` (random); kforge: helm's fixed placeholder.
    let release = chart
        .release_name
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or("release-name");
    let merge = chart.values_merge.as_deref().unwrap_or("override");
    let chart_rel = format!("{chart_home}/{}", chart.name);
    let chart_dir = resolve_file(kfile, &chart_rel, pointer, opts)?;
    let values_rel = chart
        .values_file
        .clone()
        .unwrap_or_else(|| format!("{chart_rel}/values.yaml"));
    let values_path = resolve_file(kfile, &values_rel, &format!("{pointer}/valuesFile"), opts)?;
    let values_text = read_text(&values_path, &opts.limits)?;
    let inline = chart.values_inline.as_ref().filter(|m| !m.is_empty());
    let values_out = match inline {
        None => values_text,
        Some(inline) => {
            let mut base = match merge {
                "replace" => Map::new(),
                _ => match parse_single(&values_text, Schema::Yaml11, opts.limits)
                    .map_err(|e| Error::at(&values_path, Some(e.pos), e.message))?
                {
                    Some(d) => match d.value {
                        Value::Object(m) => m,
                        Value::Null => Map::new(),
                        _ => {
                            return Err(Error::at(
                                &values_path,
                                Some(d.start),
                                "a values file must be a mapping",
                            ))
                        }
                    },
                    None => Map::new(),
                },
            };
            merge_values(&mut base, inline, merge == "override");
            serde_json::to_string(&Value::Object(base)).expect("values serialise")
        }
    };
    let values_file = home.join(format!("{}-kustomize-values.yaml", chart.name));
    std::fs::write(&values_file, values_out)
        .map_err(|e| Error::msg(format!("cannot write helm values: {e}")))?;

    let mut args: Vec<String> = vec!["template".into(), release.into()];
    if let Some(ns) = namespace {
        args.extend(["--namespace".into(), ns.into()]);
    }
    if let Some(t) = &chart.name_template {
        args.extend(["--name-template".into(), t.clone()]);
    }
    args.push(chart_dir.display().to_string());
    args.extend(["--values".into(), values_file.display().to_string()]);
    for (j, extra) in chart.additional_values_files.iter().enumerate() {
        let p = resolve_file(
            kfile,
            extra,
            &format!("{pointer}/additionalValuesFiles/{j}"),
            opts,
        )?;
        args.extend(["--values".into(), p.display().to_string()]);
    }
    // kustomize's --helm-api-versions and --helm-kube-version stand in for a chart entry's
    // own apiVersions and kubeVersion when it has none (its Config sets them before it
    // decodes the entry over them).
    let api_versions = match chart.api_versions.is_empty() {
        true => &cfg.api_versions,
        false => &chart.api_versions,
    };
    for v in api_versions {
        args.extend(["--api-versions".into(), v.clone()]);
    }
    let kube_version = chart
        .kube_version
        .as_ref()
        .or(cfg.kube_version.as_ref())
        .filter(|v| !v.is_empty());
    if let Some(v) = kube_version {
        args.extend(["--kube-version".into(), v.clone()]);
    }
    if chart.include_crds {
        args.push("--include-crds".into());
    }
    if chart.skip_tests {
        args.push("--skip-tests".into());
    }
    if chart.skip_hooks {
        args.push("--no-hooks".into());
    }
    let external = |msg: String| err(msg).kind(ErrorKind::External);
    let ran = run_helm(cfg, &args, home).map_err(external)?;
    if !ran.ok {
        let stderr = String::from_utf8_lossy(&ran.stderr);
        return Err(external(format!(
            "helm template failed for chart '{}': {}",
            chart.name,
            stderr.trim()
        )));
    }
    let text = String::from_utf8(ran.stdout).map_err(|_| {
        err(format!(
            "helm printed non-UTF-8 output for chart '{}'",
            chart.name
        ))
    })?;
    let display = lexical_join(&kfile.display_dir, &chart_rel).join("(helm template)");
    match resources_from_text(&text, &display, &opts.limits) {
        Ok(objects) => Ok(objects),
        // helm may print notes before the first document separator.
        Err(e) => match text.find("\n---\n") {
            Some(idx) => resources_from_text(&text[idx..], &display, &opts.limits),
            None => Err(e),
        },
    }
}
