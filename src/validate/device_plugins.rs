//! What the NVIDIA device plugins of the output advertise, per node pool: the resource
//! names a GPU pod can ask for on the nodes a plugin DaemonSet runs on. The plugin
//! advertises `nvidia.com/gpu` unless its configuration says otherwise: the MIG strategy
//! (`MIG_STRATEGY`, `--mig-strategy` or `flags.migStrategy` in its config file; `mixed`
//! advertises one `nvidia.com/mig-<g>g.<memory>gb` resource per profile) and GPU sharing
//! (`sharing.timeSlicing` or `sharing.mps`: a resource renamed with `rename`, or to
//! `<name>.shared` with `renameByDefault`). The config file is found through `CONFIG_FILE`
//! or `--config-file`, the container's volume mounts and a ConfigMap of the output; a
//! plugin whose configuration is not in the output is left out (nothing is judged for it).

use std::collections::BTreeSet;

use kforge_value::{Map, Value};

use super::Context;
use crate::source::{Limits, Schema};

/// One NVIDIA device plugin DaemonSet and what it advertises.
pub struct Plugin<'a> {
    /// Index of the DaemonSet in the context.
    pub object: usize,
    /// The nodes it runs on: its pods' nodeSelector (empty: every node).
    pub selector: Option<&'a Map>,
    /// The resource names it advertises (MIG profiles aside, see `mig_mixed`).
    pub advertised: BTreeSet<String>,
    /// It advertises every MIG profile (`mixed` strategy).
    pub mig_mixed: bool,
    /// Why it advertises what it does, for messages (empty for the plain default).
    pub how: Vec<String>,
}

impl Plugin<'_> {
    /// Whether it advertises `name`.
    pub fn advertises(&self, name: &str) -> bool {
        self.advertised.contains(name) || (self.mig_mixed && name.starts_with("nvidia.com/mig-"))
    }

    /// Whether it runs on the nodes a pod with this nodeSelector lands on.
    pub fn serves(&self, pod_selector: Option<&Map>) -> bool {
        let Some(sel) = self.selector.filter(|s| !s.is_empty()) else {
            return true;
        };
        let Some(pod) = pod_selector else {
            return false;
        };
        sel.iter().all(|(k, v)| pod.get(k) == Some(v))
    }
}

/// The NVIDIA device plugins of the output whose configuration is known.
pub fn nvidia_plugins<'a>(cx: &Context<'a>) -> Vec<Plugin<'a>> {
    let mut out = Vec::new();
    for i in cx.of_kind("DaemonSet").iter().copied() {
        let r = cx.objects[i].resource;
        let Some(spec) = r
            .value
            .pointer("/spec/template/spec")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let Some(container) = spec
            .get("containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| {
                c.get("image")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.contains("k8s-device-plugin"))
            })
        else {
            continue;
        };
        let Some(settings) = settings(cx, i, spec, container) else {
            continue;
        };
        out.push(Plugin {
            object: i,
            selector: spec.get("nodeSelector").and_then(Value::as_object),
            advertised: settings.advertised,
            mig_mixed: settings.mig_mixed,
            how: settings.how,
        });
    }
    out
}

struct Settings {
    advertised: BTreeSet<String>,
    mig_mixed: bool,
    how: Vec<String>,
}

/// A flag's value from the container's env or its `--flag=value` / `--flag value` args.
fn flag<'v>(container: &'v Value, env: &str, arg: &str) -> Option<&'v str> {
    let from_env = container
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(env))
        .and_then(|e| e.get("value"))
        .and_then(Value::as_str);
    let args: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|f| container.get(*f).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let from_args = args.iter().enumerate().find_map(|(k, a)| {
        let rest = a.strip_prefix(arg)?;
        match rest.strip_prefix('=') {
            Some(v) => Some(v),
            None if rest.is_empty() => args.get(k + 1).copied(),
            None => None,
        }
    });
    from_args.or(from_env)
}

fn settings(cx: &Context, ds: usize, spec: &Map, container: &Value) -> Option<Settings> {
    let mut mig = flag(container, "MIG_STRATEGY", "--mig-strategy").map(str::to_owned);
    let mut sharing = None;
    if let Some(path) = flag(container, "CONFIG_FILE", "--config-file") {
        // A config file must come from the output, else what the plugin does is unknown.
        let config = config_file(cx, ds, spec, container, path)?;
        if let Some(m) = config.pointer("/flags/migStrategy").and_then(Value::as_str) {
            mig = Some(m.to_owned());
        }
        sharing = config.get("sharing").cloned();
    }
    let mut s = Settings {
        advertised: BTreeSet::from(["nvidia.com/gpu".to_owned()]),
        mig_mixed: mig.as_deref() == Some("mixed"),
        how: Vec::new(),
    };
    if let Some(m) = &mig {
        if m != "none" {
            s.how.push(format!("MIG strategy {m}"));
        }
    }
    for kind in ["timeSlicing", "mps"] {
        let Some(share) = sharing.as_ref().and_then(|v| v.get(kind)) else {
            continue;
        };
        let by_default = share.get("renameByDefault").and_then(Value::as_bool) == Some(true);
        for res in share
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = res.get("name").and_then(Value::as_str) else {
                continue;
            };
            let renamed = match res.get("rename").and_then(Value::as_str) {
                Some(r) => r.to_owned(),
                None if by_default => format!("{name}.shared"),
                None => continue,
            };
            s.advertised.remove(name);
            s.how.push(format!("{kind} renames {name} to {renamed}"));
            s.advertised.insert(renamed);
        }
    }
    Some(s)
}

/// The parsed config file at `path` in the plugin container: the ConfigMap volume mounted
/// over it, and the key (or `items` entry) the file is.
fn config_file(
    cx: &Context,
    ds: usize,
    spec: &Map,
    container: &Value,
    path: &str,
) -> Option<Value> {
    let (volume, rest) = container
        .get("volumeMounts")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|m| {
            let dir = m.get("mountPath")?.as_str()?.trim_end_matches('/');
            let rest = path.strip_prefix(dir)?.strip_prefix('/')?;
            Some((m.get("name")?.as_str()?, rest))
        })?;
    let cm = spec
        .get("volumes")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(volume))?
        .get("configMap")?;
    let key = match cm.get("items").and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .find(|it| it.get("path").and_then(Value::as_str) == Some(rest))?
            .get("key")?
            .as_str()?,
        None => rest,
    };
    let name = cm.get("name")?.as_str()?;
    let j = cx
        .of_kind_in("ConfigMap", cx.namespace(ds))
        .find(|&j| cx.objects[j].resource.name() == name)?;
    let text = cx.objects[j]
        .resource
        .value
        .pointer("/data")?
        .get(key)?
        .as_str()?;
    let doc = crate::source::yaml::parse_single(text, Schema::Kyaml, Limits::default()).ok()??;
    Some(doc.value)
}
