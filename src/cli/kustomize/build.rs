//! `kustomize build [DIR]` with kustomize v5.8.1's flags (kustomize/commands/build): the
//! objects on standard output, in a file, or one file per object in an existing directory.

use std::path::{Path, PathBuf};

use super::go_bool;
use crate::cli::io::{output, print, write_atomically};
use crate::cli::{Failure, Outcome, Status};

#[derive(clap::Args)]
#[command(
    after_help = "Flags kforge accepts without effect: --network, --network-name, \
    --mount, --env, --as-current-user and --enable-exec configure KRM functions, which kforge \
    refuses when a kustomization uses one. --enable-alpha-plugins enables helm, as in \
    kustomize; external plugins stay refused. --helm-debug is refused."
)]
pub struct BuildArgs {
    /// The directory holding the kustomization (default `.`).
    #[arg(value_name = "DIR")]
    dirs: Vec<String>,
    /// Write the output to this file, or one file per object into this existing directory.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// LoadRestrictionsRootOnly (default) or LoadRestrictionsNone (files outside the root).
    #[arg(
        long,
        default_value = "LoadRestrictionsRootOnly",
        value_name = "RESTRICTOR"
    )]
    load_restrictor: String,
    /// Render `helmCharts` with `helm template`.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    enable_helm: bool,
    /// The helm executable.
    #[arg(long, default_value = "helm", value_name = "PATH")]
    helm_command: PathBuf,
    /// Kubernetes API versions for helm's Capabilities.APIVersions (charts that list none).
    #[arg(long, value_name = "VERSION")]
    helm_api_versions: Vec<String>,
    /// Kubernetes version for helm's Capabilities.KubeVersion (charts that set none).
    #[arg(long, value_name = "VERSION")]
    helm_kube_version: Option<String>,
    /// Refused: kforge does not run helm with --debug.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    helm_debug: bool,
    /// Enable kustomize plugins (kforge: enables helm; external plugins stay refused).
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    enable_alpha_plugins: bool,
    /// Deprecated: `legacy` or `none` (no final sort) when the kustomization has no sortOptions.
    #[arg(long, hide = true)]
    reorder: Option<String>,
    /// Deprecated: add the app.kubernetes.io/managed-by label.
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    enable_managedby_label: bool,
    /// KRM functions: network access (no effect in kforge).
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    network: bool,
    /// KRM functions: the docker network (no effect in kforge).
    #[arg(long, default_value = "bridge", value_name = "NAME")]
    network_name: String,
    /// KRM functions: storage mounts (no effect in kforge).
    #[arg(long, value_name = "MOUNT")]
    mount: Vec<String>,
    /// KRM functions: environment variables (no effect in kforge).
    #[arg(short, long, value_name = "VAR")]
    env: Vec<String>,
    /// KRM functions: run as the current user (no effect in kforge).
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    as_current_user: bool,
    /// Exec KRM functions (no effect in kforge, which refuses them).
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = go_bool, action = clap::ArgAction::Set)]
    enable_exec: bool,
}

/// The build options the flags ask for, after kustomize's checks of them.
fn options(args: &BuildArgs) -> Result<kforge::BuildOptions, Failure> {
    let restrictor = match args.load_restrictor.as_str() {
        "LoadRestrictionsRootOnly" | "" => kforge::LoadRestrictor::RootOnly,
        "LoadRestrictionsNone" => kforge::LoadRestrictor::None,
        other => {
            return Err(Failure::Message(format!(
                "illegal flag value --load-restrictor {other}; legal values: [LoadRestrictionsRootOnly LoadRestrictionsNone]"
            )))
        }
    };
    let reorder = match args.reorder.as_deref() {
        None => kforge::kustomize::Reorder::Unspecified,
        Some(r) => {
            eprintln!("Flag --reorder has been deprecated, use the new 'sortOptions' field in kustomization.yaml instead.");
            match r {
                "legacy" => kforge::kustomize::Reorder::Legacy,
                "none" => kforge::kustomize::Reorder::None,
                other => {
                    return Err(Failure::Message(format!(
                        "illegal flag value --reorder {other}; legal values: [legacy none]"
                    )))
                }
            }
        }
    };
    if args.enable_managedby_label {
        eprintln!("Flag --enable-managedby-label has been deprecated, The flag `enable-managedby-label` has been deprecated. Use the `managedByLabel` option in the `buildMetadata` field instead.");
    }
    if args.helm_debug {
        return Err(Failure::Message(
            "--helm-debug is not supported: kforge does not run helm with --debug; leave the flag out".into(),
        ));
    }
    let helm = (args.enable_helm || args.enable_alpha_plugins).then(|| {
        let mut h = kforge::HelmConfig::new(args.helm_command.clone());
        h.api_versions = args.helm_api_versions.clone();
        h.kube_version = args.helm_kube_version.clone().filter(|v| !v.is_empty());
        h
    });
    let managed_by_env = std::env::var("KUSTOMIZE_ENABLE_MANAGEDBY_LABEL").is_ok_and(|v| v == "on");
    Ok(kforge::BuildOptions {
        load_restrictor: restrictor,
        helm,
        reorder,
        managed_by_label: args.enable_managedby_label || managed_by_env,
        ..Default::default()
    })
}

pub fn run(args: BuildArgs) -> Outcome {
    let dir = match args.dirs.as_slice() {
        [] => ".",
        [one] => one.as_str(),
        _ => {
            return Err(Failure::Message(
                "specify one path to kustomization.yaml".into(),
            ))
        }
    };
    let options = options(&args)?;
    if kforge::kustomize::remote::parse_git(dir).is_some() && !Path::new(dir).exists() {
        return Err(Failure::Message(format!(
            "{dir}: kforge builds a local directory; clone the repository (or name it under `resources:` of a local kustomization) and build that"
        )));
    }
    let out = kforge::build_dir(Path::new(dir), &options)?;
    for w in &out.warnings {
        eprintln!("{w}");
    }
    match &args.output {
        Some(path) if path.is_dir() => write_each(path, &out.resources)?,
        Some(path) => output(write_atomically(
            path,
            kforge::to_yaml(&out.resources).as_bytes(),
        ))?,
        None => print(kforge::to_yaml(&out.resources).as_bytes())?,
    }
    Ok(Status::Clean)
}

/// kustomize's `-o DIR`: one file per object, `<group>_<version>_<kind>_<name>.yaml` (empty
/// parts left out, lower case), prefixed with `<namespace>_` when the objects span more than
/// one namespace (no namespace counts as `default`); cluster-scoped objects never prefixed
/// and written last. A later object with the same file name replaces an earlier one.
fn write_each(dir: &Path, resources: &[kforge::Resource]) -> Result<(), Failure> {
    let namespace = |r: &kforge::Resource| -> Option<String> {
        let id = r.cur_id();
        (!id.gvk.is_cluster_scoped()).then(|| id.effective_namespace().to_owned())
    };
    let mut namespaces: Vec<String> = resources.iter().filter_map(namespace).collect();
    namespaces.sort();
    namespaces.dedup();
    let namespaced = resources.iter().filter(|r| namespace(r).is_some());
    let cluster = resources.iter().filter(|r| namespace(r).is_none());
    for r in namespaced.chain(cluster) {
        let gvk = r.gvk();
        let parts: Vec<&str> = [gvk.group.as_str(), &gvk.version, &gvk.kind]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        let mut name = format!("{}_{}.yaml", parts.join("_"), r.name()).to_lowercase();
        if let (Some(ns), true) = (namespace(r), namespaces.len() > 1) {
            name = format!("{}_{name}", ns.to_lowercase());
        }
        let text = kforge::to_yaml(std::slice::from_ref(r));
        output(write_atomically(&dir.join(name), text.as_bytes()))?;
    }
    Ok(())
}
