//! Shared helpers for the deeper rules: the pod templates of the output (found where
//! `src/tables/pod_templates.yaml` and the repository's `kforge.yaml` say they are),
//! Kubernetes resource quantities, and label selectors.

use crate::hash::HashMap;

use kforge_value::{Map, Value};

use super::Context;
use crate::source::pointer::push_token;
use crate::tables::pod_templates::{CompletedBy, PodTemplateLocation};

/// A pod template (or a Pod) inside an object.
pub struct PodTemplate<'a> {
    /// Index of the object in the context.
    pub object: usize,
    /// Escaped JSON pointer of the pod spec (a `*` of the table row replaced by the index).
    pub spec_ptr: String,
    /// The pod spec.
    pub spec: &'a Map,
    /// The pod labels: the template's, with those the controller adds (the row's
    /// `addedLabels`).
    pub labels: Option<std::borrow::Cow<'a, Map>>,
    /// Escaped JSON pointer of the pod labels (where the table row names them).
    pub labels_ptr: Option<String>,
    /// The object's namespace ([`super::lookup::namespace_of`]: `default` when empty).
    pub namespace: String,
    /// The table row that found it (`src/tables/pod_templates.yaml` or `kforge.yaml`).
    pub location: &'a PodTemplateLocation,
    /// The row's single containers as the controller completes them (one entry each, in
    /// the row's order): `Some` when the other object is in the output, `None` when it is
    /// not known here (the container is then partial: rules about missing fields skip it).
    completions: Vec<Option<Completion>>,
}

/// A single container as the controller completes it, and the object it is completed from
/// (a KServe model and its ServingRuntime).
struct Completion {
    container: Map,
    from: usize,
}

/// Every pod template in the output, where the built-in table and the policy's extra rows
/// say they are (computed once per validation and shared by the rules).
pub fn pod_templates<'c, 'a>(cx: &'c Context<'a>) -> &'c [PodTemplate<'a>] {
    cx.pods.get_or_init(|| {
        let mut out = Vec::new();
        let rows: Vec<&'a PodTemplateLocation> = crate::tables::pod_templates::builtin()
            .iter()
            .chain(cx.pod_locations)
            .collect();
        for (i, o) in cx.objects.iter().enumerate() {
            let r = o.resource;
            let kind = r.kind();
            if !rows.iter().any(|l| l.kind == kind) {
                continue;
            }
            let gvk = r.gvk_ref();
            let namespace = cx.namespace(i).unwrap_or_default().to_owned();
            for &location in rows.iter().filter(|l| l.applies_to(gvk.group, kind)) {
                for found in location.find(&r.value) {
                    let completions = complete(cx, i, location, found.spec);
                    out.push(PodTemplate {
                        object: i,
                        spec_ptr: found.spec_ptr,
                        spec: found.spec,
                        labels: with_added_labels(found.labels, location.added_labels(&r.value)),
                        labels_ptr: found.labels_ptr,
                        namespace: namespace.clone(),
                        location,
                        completions,
                    });
                }
            }
        }
        out
    })
}

/// A template's labels with `added` laid over them (the controller's win).
fn with_added_labels(
    labels: Option<&Map>,
    added: Vec<(String, String)>,
) -> Option<std::borrow::Cow<'_, Map>> {
    use std::borrow::Cow;
    if added.is_empty() {
        return labels.map(Cow::Borrowed);
    }
    let mut all = labels.cloned().unwrap_or_default();
    for (k, v) in added {
        all.insert(k, Value::String(v));
    }
    Some(Cow::Owned(all))
}

/// Pod templates by namespace and by each of their labels, so that finding what a
/// selector selects looks at the pods carrying one of its labels instead of every pod
/// (a Service per workload would otherwise make validation quadratic).
pub struct PodIndex {
    namespaces: HashMap<String, NamespacePods>,
}

#[derive(Default)]
struct NamespacePods {
    all: Vec<usize>,
    /// Label key → value → pod templates.
    by_label: HashMap<String, HashMap<String, Vec<usize>>>,
}

fn pod_index<'c>(cx: &'c Context<'_>) -> &'c PodIndex {
    cx.pod_index.get_or_init(|| {
        let mut namespaces: HashMap<String, NamespacePods> = HashMap::default();
        for (i, p) in pod_templates(cx).iter().enumerate() {
            let ns = namespaces.entry(p.namespace.clone()).or_default();
            ns.all.push(i);
            for (k, v) in p.labels.as_deref().into_iter().flatten() {
                if let Some(v) = v.as_str() {
                    let values = ns.by_label.entry(k.to_string()).or_default();
                    values.entry(v.to_owned()).or_default().push(i);
                }
            }
        }
        PodIndex { namespaces }
    })
}

/// The pod templates in `namespace` that `selector` selects (a Service's plain map or a
/// LabelSelector), in output order.
pub fn selected_pods<'c, 'a>(
    cx: &'c Context<'a>,
    namespace: &str,
    selector: &Map,
) -> Vec<&'c PodTemplate<'a>> {
    let pods = pod_templates(cx);
    selected(cx, namespace, selector)
        .into_iter()
        .map(|i| &pods[i])
        .collect()
}

/// [`selected_pods`] as indexes into [`pod_templates`].
pub fn selected(cx: &Context<'_>, namespace: &str, selector: &Map) -> Vec<usize> {
    let pods = pod_templates(cx);
    let index = pod_index(cx);
    let equality = match selector.get("matchLabels").and_then(Value::as_object) {
        Some(m) => m.iter().next(),
        None if selector.contains_key("matchExpressions") => None,
        None => selector.iter().next(),
    };
    let Some(ns) = index.namespaces.get(namespace) else {
        return Vec::new();
    };
    let candidates = match equality {
        Some((k, v)) => match v.as_str() {
            Some(v) => ns.by_label.get(k.as_str()).and_then(|values| values.get(v)),
            None => Some(&ns.all), // not a label value (a type error reported elsewhere)
        },
        None => Some(&ns.all),
    };
    candidates
        .into_iter()
        .flatten()
        .copied()
        .filter(|&i| selector_matches(selector, pods[i].labels.as_deref()))
        .collect()
}

impl<'a> PodTemplate<'a> {
    /// The pod's containers, init containers first (the order Kubernetes starts them), each
    /// with its escaped pointer. Ephemeral containers are not among them: the API server
    /// refuses a pod created with any, so no manifest holds them.
    pub fn containers(&self) -> impl Iterator<Item = ContainerRef<'_>> {
        ["initContainers", "containers"]
            .into_iter()
            .flat_map(move |list| {
                let items = self.spec.get(list).and_then(Value::as_array);
                items
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .filter_map(move |(i, c)| {
                        use std::fmt::Write;
                        let mut ptr = String::with_capacity(self.spec_ptr.len() + 24);
                        ptr.push_str(&self.spec_ptr);
                        push_token(&mut ptr, list);
                        let _ = write!(ptr, "/{i}");
                        Some(ContainerRef {
                            pod: self,
                            ptr,
                            spec: c.as_object()?,
                            init: list == "initContainers",
                            partial: false,
                            default_name: "",
                        })
                    })
            })
            .chain(self.single_containers())
    }

    /// The escaped pointer of the single container at `path` (relative to the pod spec).
    fn single_pointer(&self, path: &[String]) -> String {
        let mut ptr = self.spec_ptr.clone();
        for key in path {
            push_token(&mut ptr, key);
        }
        ptr
    }

    /// The objects of the output that complete this template's single containers (a
    /// KServe predictor's ServingRuntime), each with the escaped pointer of the container
    /// it completes.
    pub fn completed_by(&self) -> impl Iterator<Item = (String, usize)> + '_ {
        self.location
            .single_containers
            .iter()
            .zip(&self.completions)
            .filter_map(move |(path, c)| {
                let from = c.as_ref()?.from;
                Some((self.single_pointer(path), from))
            })
    }

    /// The single containers the table row names beside the spec's lists (KServe's
    /// `model`), each with its escaped pointer, as the controller completes them (see
    /// [`ContainerRef::partial`]).
    pub fn single_containers(&self) -> impl Iterator<Item = ContainerRef<'_>> {
        self.location
            .single_containers
            .iter()
            .enumerate()
            .filter_map(move |(k, path)| {
                let node = single(self.spec, path)?;
                let ptr = self.single_pointer(path);
                let completed = self
                    .completions
                    .get(k)
                    .and_then(Option::as_ref)
                    .map(|c| &c.container);
                Some(ContainerRef {
                    pod: self,
                    ptr,
                    spec: completed.unwrap_or(node),
                    init: false,
                    partial: self.location.completed_by.is_some() && completed.is_none(),
                    default_name: path.last().map_or("", String::as_str),
                })
            })
    }
}

/// The single container at `path` under a pod spec, when it is a map.
fn single<'v>(spec: &'v Map, path: &[String]) -> Option<&'v Map> {
    let mut node = spec.get(path.first()?)?;
    for key in &path[1..] {
        node = node.get(key)?;
    }
    node.as_object()
}

/// The single containers of a pod template as the controller completes them (see
/// [`PodTemplate`]'s `completions`).
fn complete(
    cx: &Context,
    object: usize,
    location: &PodTemplateLocation,
    spec: &Map,
) -> Vec<Option<Completion>> {
    let Some(CompletedBy::ServingRuntime) = location.completed_by else {
        return Vec::new();
    };
    location
        .single_containers
        .iter()
        .map(|path| {
            let model = single(spec, path)?;
            // The framework fields (`sklearn:`, `tensorflow:`, ...) name their format.
            let framework = path.last().map(String::as_str).filter(|f| *f != "model");
            let (from, base) = serving_runtime_container(cx, object, model, framework)?;
            Some(Completion {
                container: overlay(base, model),
                from,
            })
        })
        .collect()
}

/// The container of the ServingRuntime (its namespace's, else a ClusterServingRuntime)
/// that KServe lays a predictor's `model` over: the one its `runtime` names, else the
/// first in the output serving its `modelFormat` (or the framework field it is written
/// under, `sklearn:`, `tensorflow:`, ...) with `autoSelect`; the runtime's
/// `kserve-container`, else its first container; with the runtime's index.
fn serving_runtime_container<'a>(
    cx: &Context<'a>,
    object: usize,
    model: &Map,
    framework: Option<&str>,
) -> Option<(usize, &'a Map)> {
    const GROUP: &str = "serving.kserve.io";
    let ns = cx.namespace(object);
    let named = model.get("runtime").and_then(Value::as_str);
    let format = model.get("modelFormat");
    let format_name = format
        .and_then(|f| f.get("name"))
        .and_then(Value::as_str)
        .or(framework);
    let version = format
        .and_then(|f| f.get("version"))
        .and_then(Value::as_str);
    // The namespace's ServingRuntimes first, then the (cluster-scoped)
    // ClusterServingRuntimes.
    let candidates = cx
        .of_kind_in("ServingRuntime", ns)
        .chain(cx.of_kind("ClusterServingRuntime").iter().copied());
    let (j, runtime) = candidates
        .map(|j| (j, cx.objects[j].resource))
        .filter(|(_, r)| r.gvk_ref().group == GROUP)
        .find(|(_, r)| match (named, format_name) {
            (Some(n), _) => r.name() == n,
            (None, Some(f)) => crate::tables::kserve_runtimes::formats_of(&r.value)
                .iter()
                .any(|fm| fm.auto_select && fm.serves(f, version)),
            (None, None) => false,
        })?;
    let containers = runtime.value.pointer("/spec/containers")?.as_array()?;
    let container = containers
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some("kserve-container"))
        .or_else(|| containers.first())?
        .as_object()?;
    Some((j, container))
}

/// `top` laid over `base` as KServe merges a model into its runtime's container: fields of
/// `top` win, and the maps `resources` (with its `requests` and `limits`) and
/// `securityContext` are merged key by key.
fn overlay(base: &Map, top: &Map) -> Map {
    fn merge(base: &Map, top: &Map, deep: &[&str]) -> Map {
        let mut out = base.clone();
        for (k, v) in top {
            let merged = match (out.get(k), v) {
                (Some(Value::Object(b)), Value::Object(t)) if deep.contains(&k.as_str()) => {
                    Value::Object(merge(b, t, &["requests", "limits"]))
                }
                _ => v.clone(),
            };
            out.insert(k.clone(), merged);
        }
        out
    }
    merge(base, top, &["resources", "securityContext"])
}

/// Every container of every pod template of the output ([`PodTemplate::containers`]), in
/// output order.
pub fn containers<'c>(cx: &'c Context<'_>) -> impl Iterator<Item = ContainerRef<'c>> {
    pod_templates(cx).iter().flat_map(PodTemplate::containers)
}

/// One container of a pod template.
pub struct ContainerRef<'a> {
    /// The pod template it is in.
    pub pod: &'a PodTemplate<'a>,
    /// Absolute, escaped JSON pointer of the container.
    pub ptr: String,
    /// The container.
    pub spec: &'a Map,
    /// An init container (a sidecar when its restartPolicy is Always).
    pub init: bool,
    /// A container that another object completes and that is not in the output (a KServe
    /// model whose runtime is KServe's own): rules about missing fields skip it.
    pub partial: bool,
    /// The name shown when the container has none (a single container's field name).
    default_name: &'a str,
}

impl<'a> ContainerRef<'a> {
    /// The elements of one of the container's lists (`ports`, `volumeMounts`, ...), with
    /// their indexes; none when the field is missing or not a list.
    pub fn items(&self, field: &str) -> impl Iterator<Item = (usize, &'a Value)> {
        let list = self.spec.get(field).and_then(Value::as_array);
        list.into_iter().flatten().enumerate()
    }

    /// The container's `resources.<kind>` map (`requests` or `limits`), when it is a map.
    pub fn resources(&self, kind: &str) -> Option<&'a Map> {
        self.spec.get("resources")?.get(kind)?.as_object()
    }

    /// One entry of it: `resources.<kind>.<name>` (a quantity, as written).
    pub fn resource(&self, kind: &str, name: &str) -> Option<&'a Value> {
        self.resources(kind)?.get(name)
    }

    /// The container's name (a single container's field name, such as `model`, or empty
    /// when missing).
    pub fn name(&self) -> &str {
        self.spec
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(self.default_name)
    }

    /// Whether every field the pod will have is known here (see [`ContainerRef::partial`]).
    pub fn complete(&self) -> bool {
        !self.partial
    }

    /// Runs for the pod's whole life: a regular container or a sidecar init container.
    pub fn long_running(&self) -> bool {
        !self.init || self.spec.get("restartPolicy").and_then(Value::as_str) == Some("Always")
    }

    /// A security-context field, the container's value over the pod's (for the fields
    /// both levels have: runAsNonRoot, runAsUser, runAsGroup, seccompProfile, ...).
    pub fn security(&self, field: &str) -> Option<&Value> {
        self.spec
            .get("securityContext")
            .and_then(|s| s.get(field))
            .or_else(|| {
                self.pod
                    .spec
                    .get("securityContext")
                    .and_then(|s| s.get(field))
            })
    }

    /// A field of the container's own securityContext.
    pub fn own_security(&self, field: &str) -> Option<&Value> {
        self.spec.get("securityContext").and_then(|s| s.get(field))
    }

    /// The container's image, when it is a string.
    pub fn image(&self) -> Option<&str> {
        self.spec.get("image").and_then(Value::as_str)
    }

    /// The escaped pointer of a node under the container, from unescaped keys
    /// (`["resources", "limits", "nvidia.com/gpu"]`).
    pub fn pointer<'t>(&self, keys: impl IntoIterator<Item = &'t str>) -> String {
        let mut p = self.ptr.clone();
        for k in keys {
            push_token(&mut p, k);
        }
        p
    }

    /// `Kind name` of the object holding the container, for messages.
    pub fn owner(&self, cx: &Context) -> String {
        let r = cx.objects[self.pod.object].resource;
        format!("{} {}", r.kind(), r.name())
    }

    /// Where to point for a container-level finding: `field` when the container has it,
    /// else the container's name.
    pub fn pointer_to(&self, field: &str) -> String {
        self.pointer([if self.spec.contains_key(field) {
            field
        } else {
            "name"
        }])
    }
}

/// Whether a container of the pod asks for GPUs (`nvidia.com/gpu` above zero).
pub fn wants_gpu(pt: &PodTemplate) -> bool {
    let zero = |v: &Value| match v {
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.trim().parse::<f64>() == Ok(0.0),
        _ => false,
    };
    pt.containers().any(|c| {
        let res = c.spec.get("resources");
        ["limits", "requests"].iter().any(|k| {
            res.and_then(|r| r.get(*k))
                .and_then(|m| m.get("nvidia.com/gpu"))
                .is_some_and(|v| !zero(v))
        })
    })
}

/// Whether `tolerations` (a pod spec's list) tolerate `taint` (key, value and effect,
/// with `Exists` and an empty key or effect matching any).
pub fn tolerates(tolerations: Option<&Value>, taint: &Value) -> bool {
    let key = taint.get("key").and_then(Value::as_str).unwrap_or("");
    let value = taint.get("value").and_then(Value::as_str).unwrap_or("");
    let effect = taint.get("effect").and_then(Value::as_str).unwrap_or("");
    tolerations
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| {
            let tk = t.get("key").and_then(Value::as_str).unwrap_or("");
            let op = t.get("operator").and_then(Value::as_str).unwrap_or("Equal");
            let te = t.get("effect").and_then(Value::as_str).unwrap_or("");
            let key_ok = tk.is_empty() && op == "Exists" || tk == key;
            let value_ok =
                op == "Exists" || t.get("value").and_then(Value::as_str).unwrap_or("") == value;
            let effect_ok = te.is_empty() || te == effect;
            key_ok && value_ok && effect_ok
        })
}

/// Whether `labels` satisfy a `matchLabels` map (and `matchExpressions`, when given).
pub fn selector_matches(selector: &Map, labels: Option<&Map>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    let match_labels = selector.get("matchLabels").and_then(Value::as_object);
    let is_label_selector = match_labels.is_some() || selector.contains_key("matchExpressions");
    let plain: Box<dyn Iterator<Item = (&kforge_value::Key, &Value)>> = if is_label_selector {
        Box::new(match_labels.into_iter().flatten())
    } else {
        Box::new(selector.iter())
    };
    for (k, v) in plain {
        if get(k) != v.as_str() {
            return false;
        }
    }
    for e in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.get("key").and_then(Value::as_str).unwrap_or("");
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let ok = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
            "In" => get(key).is_some_and(|v| values.contains(&v)),
            "NotIn" => get(key).is_none_or(|v| !values.contains(&v)),
            "Exists" => get(key).is_some(),
            "DoesNotExist" => get(key).is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Parse a Kubernetes resource quantity (`500m`, `1.5Gi`, `2e3`, `100`) into its value.
/// `None` when the text is not a quantity.
pub fn quantity(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_quantity(s),
        _ => None,
    }
}

fn parse_quantity(s: &str) -> Option<f64> {
    let end = s
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || ((*c == '+' || *c == '-') && *i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(end);
    if num.is_empty()
        || num == "+"
        || num == "-"
        || num.matches('.').count() > 1
        || num.ends_with('.') && num.len() == 1
    {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().ok()?;
            10f64.powi(exp)
        }
        _ => return None,
    };
    Some(n * mult)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    #[test]
    fn quantities() {
        assert_eq!(quantity(&json!("500m")), Some(0.5));
        assert_eq!(quantity(&json!("1Gi")), Some(1073741824.0));
        assert_eq!(quantity(&json!("2e3")), Some(2000.0));
        assert_eq!(quantity(&json!(2)), Some(2.0));
        assert_eq!(quantity(&json!("1,5Gi")), None);
        assert_eq!(quantity(&json!("lots")), None);
        assert_eq!(quantity(&json!("1GB")), None);
    }

    /// Keys with `/` and `~` are escaped in container pointers, and the pointers resolve.
    #[test]
    fn container_pointers_are_escaped() {
        let deployment = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"template": {"spec": {
                "initContainers": [{"name": "init/one~a"}],
                "containers": [{
                    "name": "main/two~b",
                    "resources": {"limits": {"example.com/gpu~x": 1}},
                }],
            }}},
        });
        let resources = [crate::resource::Resource::new(
            deployment,
            Default::default(),
            Default::default(),
        )];
        let cx = Context::new(&resources, &[], &[]);
        let found: Vec<ContainerRef> = containers(&cx).collect();
        let ptrs: Vec<&str> = found.iter().map(|c| c.ptr.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/spec/template/spec/initContainers/0",
                "/spec/template/spec/containers/0"
            ]
        );
        assert!(found[0].init && !found[1].init);
        assert_eq!(found[1].name(), "main/two~b");
        let limit = found[1].pointer(["resources", "limits", "example.com/gpu~x"]);
        assert_eq!(
            limit,
            "/spec/template/spec/containers/0/resources/limits/example.com~1gpu~0x"
        );
        assert_eq!(resources[0].value.pointer(&limit), Some(&json!(1)));
        let by_name = found[0].pointer([found[0].name()]);
        assert_eq!(by_name, "/spec/template/spec/initContainers/0/init~1one~0a");
    }
}
