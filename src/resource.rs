//! Objects in a build: their value, their identity, and what happened to that identity.

use std::path::PathBuf;

use kforge_value::{Map, Value};

use crate::source::SpanIndex;

/// Group, version and kind of an object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group; empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Split an `apiVersion` and pair it with a kind.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        GvkRef::from_api_version(api_version, kind).to_owned()
    }

    /// Borrowed.
    pub fn as_ref(&self) -> GvkRef<'_> {
        GvkRef {
            group: &self.group,
            version: &self.version,
            kind: &self.kind,
        }
    }

    /// Does this GVK fit `selector` (empty selector fields match anything)?
    pub fn is_selected(&self, selector: &Gvk) -> bool {
        self.as_ref().is_selected(selector)
    }

    /// The `apiVersion` string.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether kustomize treats this kind as cluster-scoped (its Kubernetes 1.21.2 table,
    /// `src/tables/cluster_scoped.yaml`).
    pub fn is_cluster_scoped(&self) -> bool {
        crate::tables::is_cluster_scoped(&self.group, &self.version, &self.kind)
    }
}

/// A [`Gvk`] borrowed from an object or an id, for the checks that need no copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GvkRef<'a> {
    /// API group; empty for the core group.
    pub group: &'a str,
    /// API version.
    pub version: &'a str,
    /// Kind.
    pub kind: &'a str,
}

impl<'a> GvkRef<'a> {
    /// Split an `apiVersion` and pair it with a kind.
    pub fn from_api_version(api_version: &'a str, kind: &'a str) -> GvkRef<'a> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        GvkRef {
            group,
            version,
            kind,
        }
    }

    /// As [`Gvk::is_selected`].
    pub fn is_selected(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    /// As [`Gvk::is_cluster_scoped`].
    pub fn is_cluster_scoped(&self) -> bool {
        crate::tables::is_cluster_scoped(self.group, self.version, self.kind)
    }

    /// Owned.
    pub fn to_owned(&self) -> Gvk {
        Gvk {
            group: self.group.to_owned(),
            version: self.version.to_owned(),
            kind: self.kind.to_owned(),
        }
    }
}

/// `s`, or `placeholder` when `s` is empty (kustomize's id strings).
pub fn or_placeholder<'a>(s: &'a str, placeholder: &'a str) -> &'a str {
    if s.is_empty() {
        placeholder
    } else {
        s
    }
}

impl Gvk {
    /// kustomize's GVK string: `Kind.version.group` with `[noKind]`, `[noVer]`, `[noGrp]`.
    pub fn id_string(&self) -> String {
        self.as_ref().to_string()
    }
}

impl std::fmt::Display for GvkRef<'_> {
    /// kustomize's GVK string ([`Gvk::id_string`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            or_placeholder(self.kind, "[noKind]"),
            or_placeholder(self.version, "[noVer]"),
            or_placeholder(self.group, "[noGrp]")
        )
    }
}

/// The identity of an object: GVK, name and namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// metadata.name.
    pub name: String,
    /// metadata.namespace (empty when absent).
    pub namespace: String,
}

impl ResId {
    /// Namespace with `default` for empty, as kustomize compares them.
    pub fn effective_namespace(&self) -> &str {
        if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// Same namespace, treating empty as `default`.
    pub fn ns_equals(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }

    /// Equal ids in kustomize's sense (GVK, name, effective namespace; cluster-scoped ignore it).
    pub fn same_id(&self, other: &ResId) -> bool {
        self.gvk == other.gvk
            && self.name == other.name
            && (self.gvk.is_cluster_scoped() || self.ns_equals(other))
    }
}

impl ResId {
    /// Borrowed.
    pub fn as_ref(&self) -> IdRef<'_> {
        IdRef {
            gvk: self.gvk.as_ref(),
            name: &self.name,
            namespace: &self.namespace,
        }
    }
}

/// A [`ResId`] borrowed from an object (its current id) or from an id.
#[derive(Clone, Copy, Debug)]
pub struct IdRef<'a> {
    /// Group, version, kind.
    pub gvk: GvkRef<'a>,
    /// metadata.name.
    pub name: &'a str,
    /// metadata.namespace (empty when absent).
    pub namespace: &'a str,
}

impl<'a> IdRef<'a> {
    /// As [`ResId::effective_namespace`].
    pub fn effective_namespace(&self) -> &'a str {
        if self.namespace.is_empty() {
            "default"
        } else {
            self.namespace
        }
    }

    /// As [`ResId::same_id`].
    pub fn same_id(&self, other: &ResId) -> bool {
        self.gvk == other.gvk.as_ref()
            && self.name == other.name
            && (self.gvk.is_cluster_scoped()
                || self.effective_namespace() == other.effective_namespace())
    }

    /// Owned.
    pub fn to_owned(&self) -> ResId {
        ResId {
            gvk: self.gvk.to_owned(),
            name: self.name.to_owned(),
            namespace: self.namespace.to_owned(),
        }
    }
}

impl std::fmt::Display for ResId {
    /// kustomize's id string: `Kind.version.group/name.namespace`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl std::fmt::Display for IdRef<'_> {
    /// kustomize's id string: `Kind.version.group/name.namespace`, written without an
    /// owned copy of the id.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}.{}",
            self.gvk,
            self.name,
            or_placeholder(self.namespace, "[noNs]")
        )
    }
}

/// Where an object came from.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The file it was read from (or the kustomization that generated it).
    pub file: PathBuf,
    /// Index of the document in that file.
    pub doc: usize,
    /// Index of the item, for `kind: List` documents.
    pub item: Option<usize>,
}

/// A part of an object written by a patch: where in the object, and where in the patch.
#[derive(Clone, Debug)]
pub struct Written {
    /// JSON pointer of the written node in the object.
    pub pointer: String,
    /// The patch file (or the kustomization, for inline patches).
    pub file: PathBuf,
    /// Positions inside the patch file, when it is a file.
    pub spans: Option<std::sync::Arc<SpanIndex>>,
    /// Pointer of the written value inside the patch document.
    pub src_pointer: String,
    /// Whether nodes below `pointer` sit at the same relative pointer in the patch (false
    /// for merged lists, whose elements are matched by key, not index).
    pub exact_below: bool,
    /// Position to use when `spans` has none (inline patches).
    pub pos: Option<crate::source::Pos>,
}

/// An object being built, with the history kustomize keeps for it.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The object.
    pub value: Value,
    /// Where it was read from.
    pub origin: Origin,
    /// Positions of its nodes in the origin file (pointers relative to the object).
    pub spans: std::sync::Arc<SpanIndex>,
    /// Earlier ids, oldest first (not including the current id).
    pub prev_ids: Vec<ResId>,
    /// Name prefixes applied to it, in order.
    pub prefixes: Vec<String>,
    /// Name suffixes applied to it, in order.
    pub suffixes: Vec<String>,
    /// Groups of label/annotation values that kustomize stores as one shared YAML node
    /// (written by one transformer run); a later write to one member changes them all.
    pub shared_values: Vec<Vec<String>>,
    /// Its nulls written with no text at all (`key:`), which kyaml keeps as empty nodes: a
    /// strategic merge drops them where it walks (other nulls it keeps).
    pub empty_nulls: Vec<crate::source::EmptyNull>,
    /// Its annotation values that are numbers, booleans, nulls or timestamps, with the text
    /// they were written as (`(pointer, text)`): kustomize writes them out as that text,
    /// unless a JSON patch re-read the object from JSON.
    pub annotation_texts: Vec<(String, String)>,
    /// Plain keys its source (or a strategic-merge patch, named first) wrote that
    /// kustomize's reader types as something other than a string (`1:`, `true:`), pointers
    /// relative to the object: kustomize fails on them if they are still there at the end.
    pub typed_keys: Vec<(std::path::PathBuf, crate::source::TypedKey)>,
    /// A generated ConfigMap or Secret whose name gets kustomize's content hash at the end.
    pub needs_hash: bool,
    /// Rendered from a helm chart: kustomize's `namespace` transformer skips it.
    pub helm_generated: bool,
    /// Parts written by patches, oldest first (for pointing findings at the patch).
    pub written: Vec<Written>,
    /// Names of the `vars` bound to this object (kustomize keeps them beside the object).
    pub var_names: Vec<String>,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

impl Resource {
    /// Wrap a value read from `origin`.
    pub fn new(value: Value, origin: Origin, spans: std::sync::Arc<SpanIndex>) -> Resource {
        Resource {
            value,
            origin,
            spans,
            prev_ids: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            shared_values: Vec::new(),
            empty_nulls: Vec::new(),
            annotation_texts: Vec::new(),
            typed_keys: Vec::new(),
            needs_hash: false,
            helm_generated: false,
            written: Vec::new(),
            var_names: Vec::new(),
        }
    }

    /// kustomize writes the object out as YAML and reads it back (for a JSON patch, and at
    /// the end of a build): a null with no text comes back as `null`, or inside a flow
    /// collection as `''` (yaml.v3 cannot write an empty plain scalar there).
    pub fn write_out_empty_nulls(&mut self) {
        for e in std::mem::take(&mut self.empty_nulls) {
            if !e.in_flow {
                continue;
            }
            if let Some(v @ Value::Null) = self.value.pointer_mut(&e.pointer) {
                *v = Value::String(String::new());
            }
        }
    }

    /// Fails on a key of [`Resource::typed_keys`] that is still in the object: kustomize
    /// cannot turn such an object into JSON (at a JSON patch, and at the end of a build).
    pub fn check_typed_keys(&self) -> crate::error::Result<()> {
        match self
            .typed_keys
            .iter()
            .find(|(_, k)| self.value.pointer(&k.pointer).is_some())
        {
            Some((file, k)) => Err(crate::error::Error::at(
                file,
                (k.pos.line > 0).then_some(k.pos),
                k.message(),
            )),
            None => Ok(()),
        }
    }

    /// apiVersion + kind.
    pub fn gvk(&self) -> Gvk {
        self.gvk_ref().to_owned()
    }

    /// apiVersion + kind, borrowed.
    pub fn gvk_ref(&self) -> GvkRef<'_> {
        GvkRef::from_api_version(str_at(&self.value, &["apiVersion"]), self.kind())
    }

    /// Kind.
    pub fn kind(&self) -> &str {
        str_at(&self.value, &["kind"])
    }

    /// metadata.name.
    pub fn name(&self) -> &str {
        str_at(&self.value, &["metadata", "name"])
    }

    /// metadata.namespace.
    pub fn namespace(&self) -> &str {
        str_at(&self.value, &["metadata", "namespace"])
    }

    /// The current id.
    pub fn cur_id(&self) -> ResId {
        self.cur_id_ref().to_owned()
    }

    /// The current id, borrowed from the object.
    pub fn cur_id_ref(&self) -> IdRef<'_> {
        fn text(v: Option<&Value>) -> &str {
            v.and_then(Value::as_str).unwrap_or("")
        }
        let (api_version, kind, metadata) = match &self.value {
            Value::Object(m) => (
                text(m.get("apiVersion")),
                text(m.get("kind")),
                m.get("metadata"),
            ),
            _ => ("", "", None),
        };
        IdRef {
            gvk: GvkRef::from_api_version(api_version, kind),
            name: text(metadata.and_then(|m| m.get("name"))),
            namespace: text(metadata.and_then(|m| m.get("namespace"))),
        }
    }

    /// The first id it had.
    pub fn org_id(&self) -> ResId {
        self.prev_ids
            .first()
            .cloned()
            .unwrap_or_else(|| self.cur_id())
    }

    /// The first id it had, borrowed.
    pub fn org_id_ref(&self) -> IdRef<'_> {
        self.prev_ids
            .first()
            .map_or_else(|| self.cur_id_ref(), ResId::as_ref)
    }

    /// Every id it has had: the current one, then the earlier ones.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = vec![self.cur_id()];
        ids.extend(self.prev_ids.iter().cloned());
        ids
    }

    /// Remember the current id before it changes.
    pub fn store_previous_id(&mut self) {
        let id = self.cur_id();
        self.prev_ids.push(id);
    }

    /// Whether `id` is its current or any earlier id.
    pub fn has_id(&self, id: &ResId) -> bool {
        // The kind first: one lookup rules most objects out.
        (self.kind() == id.gvk.kind && self.cur_id_ref().same_id(id))
            || self.prev_ids.iter().any(|p| p.same_id(id))
    }

    /// The `metadata` map, created when missing.
    pub fn metadata_mut(&mut self) -> &mut Map {
        let obj = self.value.as_object_mut().expect("resources are objects");
        let md = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !md.is_object() {
            *md = Value::Object(Map::new());
        }
        md.as_object_mut().expect("metadata is an object")
    }

    /// Set metadata.name.
    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name", Value::String(name.to_owned()));
    }

    /// metadata.labels as pairs.
    pub fn labels(&self) -> Vec<(&str, &str)> {
        self.string_map(&["metadata", "labels"])
    }

    /// metadata.annotations as pairs.
    pub fn annotations(&self) -> Vec<(&str, &str)> {
        self.string_map(&["metadata", "annotations"])
    }

    fn string_map(&self, path: &[&str]) -> Vec<(&str, &str)> {
        let mut cur = &self.value;
        for p in path {
            match cur.get(p) {
                Some(n) => cur = n,
                None => return Vec::new(),
            }
        }
        cur.as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (group, version, kind) kustomize's Kubernetes 1.21.2 table lists as cluster-scoped.
    const CLUSTER_SCOPED: &[(&str, &[&str], &[&str])] = &[
        (
            "",
            &["v1"],
            &[
                "Namespace",
                "Node",
                "PersistentVolume",
                "ComponentStatus",
                "NodeProxyOptions",
            ],
        ),
        (
            "rbac.authorization.k8s.io",
            &["v1", "v1beta1", "v1alpha1"],
            &["ClusterRole", "ClusterRoleBinding"],
        ),
        (
            "storage.k8s.io",
            &["v1", "v1beta1", "v1alpha1"],
            &["StorageClass", "CSIDriver", "CSINode", "VolumeAttachment"],
        ),
        (
            "apiextensions.k8s.io",
            &["v1", "v1beta1"],
            &["CustomResourceDefinition"],
        ),
        (
            "admissionregistration.k8s.io",
            &["v1", "v1beta1"],
            &[
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration",
            ],
        ),
        (
            "apiregistration.k8s.io",
            &["v1", "v1beta1"],
            &["APIService"],
        ),
        (
            "certificates.k8s.io",
            &["v1", "v1beta1"],
            &["CertificateSigningRequest"],
        ),
        (
            "scheduling.k8s.io",
            &["v1", "v1beta1", "v1alpha1"],
            &["PriorityClass"],
        ),
        ("networking.k8s.io", &["v1", "v1beta1"], &["IngressClass"]),
        (
            "node.k8s.io",
            &["v1", "v1beta1", "v1alpha1"],
            &["RuntimeClass"],
        ),
        ("policy", &["v1beta1"], &["PodSecurityPolicy"]),
        (
            "flowcontrol.apiserver.k8s.io",
            &["v1beta1", "v1alpha1"],
            &["FlowSchema", "PriorityLevelConfiguration"],
        ),
        (
            "authentication.k8s.io",
            &["v1", "v1beta1"],
            &["TokenReview"],
        ),
        (
            "authorization.k8s.io",
            &["v1", "v1beta1"],
            &[
                "SelfSubjectAccessReview",
                "SelfSubjectRulesReview",
                "SubjectAccessReview",
            ],
        ),
    ];

    fn gvk(group: &str, version: &str, kind: &str) -> Gvk {
        Gvk {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn cluster_scoped_table() {
        let mut n = 0;
        for (group, versions, kinds) in CLUSTER_SCOPED {
            for version in *versions {
                for kind in *kinds {
                    assert!(
                        gvk(group, version, kind).is_cluster_scoped(),
                        "{group}/{version} {kind}"
                    );
                    n += 1;
                }
            }
        }
        assert_eq!(n, 54);
        for (group, version, kind) in [
            ("", "v1", "Pod"),
            ("", "v1", "ConfigMap"),
            ("", "v1beta1", "Namespace"),
            ("", "", "Namespace"),
            ("apps", "v1", "Namespace"),
            ("rbac.authorization.k8s.io", "v1", "Role"),
            ("rbac.authorization.k8s.io", "v2", "ClusterRole"),
            (
                "apiextensions.k8s.io",
                "v1alpha1",
                "CustomResourceDefinition",
            ),
            ("policy", "v1", "PodSecurityPolicy"),
            ("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema"),
            ("networking.k8s.io", "v1", "Ingress"),
            ("example.com", "v1", "ClusterRole"),
            ("", "v1", "namespace"),
        ] {
            assert!(
                !gvk(group, version, kind).is_cluster_scoped(),
                "{group}/{version} {kind}"
            );
        }
    }
}
