//! What exists in a cluster without being in an environment's output: the rows of
//! `platform.yaml` (objects Kubernetes makes itself, and objects controllers make from
//! custom resources), and the `platformObjects:` rows a repository adds in `kforge.yaml`
//! (same shape, [`PlatformDef`]). The reference rules read them through
//! [`crate::validate::outside`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use kforge_value::{Map, Value};
use serde::Deserialize;

/// `platform.yaml` (or `platformObjects:` in `kforge.yaml`) as written.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PlatformDef {
    /// Objects Kubernetes makes itself.
    #[serde(default)]
    pub exists: Vec<ExistsRow>,
    /// Objects controllers make from objects in the output.
    #[serde(default)]
    pub created: Vec<CreatedRow>,
}

/// An `exists` row.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExistsRow {
    /// Kind of the objects.
    pub kind: String,
    /// `*` (every namespace), a namespace, or `None` (cluster-scoped).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Names; one ending in `*` is a prefix.
    pub names: Vec<String>,
    /// Who makes them.
    pub by: String,
}

/// The `{group, kind}` a `created` row reads.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FromKind {
    /// API group.
    pub group: String,
    /// Kind, or `*` for every kind of the group.
    pub kind: String,
    /// Only the object of this name (a controller that is itself one Deployment).
    #[serde(default)]
    pub name: Option<String>,
}

/// A `created` row.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreatedRow {
    /// What the controller reads.
    pub from: FromKind,
    /// Kind of what it makes (`Pod` for pods).
    pub kind: String,
    /// `*`, a template, or `None` (the from object's namespace).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Name templates; the first that resolves is the name.
    #[serde(default)]
    pub names: Vec<String>,
    /// Pods: the labels the controller sets (templates as values).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Pods: the path of a label map in the from object copied onto the pods.
    #[serde(default)]
    pub labels_from: Option<String>,
    /// The controller.
    pub by: String,
}

/// What is wrong with a row: which row and why.
#[derive(Debug, PartialEq, Eq)]
pub struct RowError {
    /// `exists` or `created`.
    pub section: &'static str,
    /// The row's index in it.
    pub index: usize,
    /// Why it is refused.
    pub message: String,
}

impl PlatformDef {
    /// Check the rows: names present, templates well formed, pods with labels.
    pub fn check(&self) -> Result<(), RowError> {
        for (i, row) in self.exists.iter().enumerate() {
            let err = |message: &str| RowError {
                section: "exists",
                index: i,
                message: message.into(),
            };
            if row.kind.is_empty() {
                return Err(err("`kind` is empty"));
            }
            if row.names.is_empty() || row.names.iter().any(|n| n.is_empty() || n == "*") {
                return Err(err("`names` must list names (a prefix ends in `*`)"));
            }
        }
        for (i, row) in self.created.iter().enumerate() {
            let err = |message: String| RowError {
                section: "created",
                index: i,
                message,
            };
            if row.from.kind.is_empty() || row.kind.is_empty() {
                return Err(err("`from.kind` and `kind` must be set".into()));
            }
            let templates = row
                .names
                .iter()
                .chain(row.namespace.iter().filter(|n| *n != "*"))
                .chain(row.labels.values());
            for t in templates {
                parse_template(t).map_err(|m| err(format!("template {t:?}: {m}")))?;
            }
            if row.kind == "Pod" {
                if row.labels.is_empty() && row.labels_from.is_none() {
                    return Err(err("a `Pod` row needs `labels` or `labelsFrom`".into()));
                }
            } else if row.names.is_empty() {
                return Err(err("`names` must list at least one name template".into()));
            }
        }
        Ok(())
    }
}

/// One part of a template: text, or a field path.
#[derive(Debug, PartialEq, Eq)]
enum Part<'t> {
    Text(&'t str),
    Field(&'t str),
}

/// Whether `t` is a well-formed `{field/path}` template (why not, when it is not).
pub fn check_template(t: &str) -> Result<(), &'static str> {
    parse_template(t).map(|_| ())
}

fn parse_template(t: &str) -> Result<Vec<Part<'_>>, &'static str> {
    let mut parts = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err("a `{` without its `}`");
        };
        let path = &rest[open + 1..open + close];
        if path.is_empty() || path.split('/').any(str::is_empty) {
            return Err("an empty field path");
        }
        parts.push(Part::Field(path));
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return Err("a `}` without its `{`");
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// The value at a `/`-separated field path of `obj`; in a key, `~1` stands for `/` and
/// `~0` for `~`, as in JSON pointers (annotation keys hold slashes).
pub fn at_path<'v>(obj: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('/').try_fold(obj, |v, key| {
        if key.contains('~') {
            v.get(key.replace("~1", "/").replace("~0", "~"))
        } else {
            v.get(key)
        }
    })
}

/// `template` with its field paths filled from `obj`; `None` when one is missing, not a
/// string or empty.
pub fn fill(template: &str, obj: &Value) -> Option<String> {
    let mut out = String::new();
    for part in parse_template(template).ok()? {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Field(path) => match at_path(obj, path)?.as_str()? {
                "" => return None,
                s => out.push_str(s),
            },
        }
    }
    Some(out)
}

impl CreatedRow {
    /// Whether the row reads objects of `group` and `kind` named `name`.
    pub fn reads(&self, group: &str, kind: &str, name: &str) -> bool {
        self.from.group == group
            && (self.from.kind == "*" || self.from.kind == kind)
            && self.from.name.as_deref().is_none_or(|n| n == name)
    }

    /// The labels of the pods made from `obj`.
    pub fn pod_labels(&self, obj: &Value) -> Map {
        let mut labels = Map::new();
        if let Some(Value::Object(m)) = self.labels_from.as_deref().and_then(|p| at_path(obj, p)) {
            for (k, v) in m {
                labels.insert(k.clone(), v.clone());
            }
        }
        for (k, t) in &self.labels {
            if let Some(v) = fill(t, obj) {
                labels.insert(k.clone(), Value::String(v));
            }
        }
        labels
    }
}

/// The built-in table, parsed and checked once.
pub fn builtin() -> &'static PlatformDef {
    static TABLE: OnceLock<PlatformDef> = OnceLock::new();
    TABLE.get_or_init(|| {
        let def: PlatformDef = super::parse_builtin("platform.yaml", include_str!("platform.yaml"));
        if let Err(e) = def.check() {
            panic!(
                "src/tables/platform.yaml: {}[{}]: {}",
                e.section, e.index, e.message
            );
        }
        def
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kforge_value::json;

    #[test]
    fn builtin_table_is_valid() {
        let t = builtin();
        assert!(t.exists.iter().any(|r| r.kind == "ClusterRole"));
        assert!(t.created.iter().any(|r| r.kind == "Pod"));
    }

    #[test]
    fn templates_fill_from_the_object() {
        let obj = json!({"metadata": {"name": "web"}, "spec": {"secretName": ""}});
        assert_eq!(
            fill("{metadata/name}-tls", &obj).as_deref(),
            Some("web-tls")
        );
        assert_eq!(fill("{spec/secretName}", &obj), None);
        assert_eq!(fill("{spec/missing}", &obj), None);
        assert_eq!(fill("plain", &obj).as_deref(), Some("plain"));
        let svc = json!({"metadata": {"annotations": {"a.io/cert-name": "tls"}}});
        assert_eq!(
            fill("{metadata/annotations/a.io~1cert-name}", &svc).as_deref(),
            Some("tls")
        );
        assert!(parse_template("{a").is_err());
        assert!(parse_template("a}").is_err());
        assert!(parse_template("{}").is_err());
    }

    #[test]
    fn rows_are_checked() {
        let def: PlatformDef = kforge_value::from_value(json!({
            "created": [{"from": {"group": "x", "kind": "Y"}, "kind": "Pod", "by": "me"}]
        }))
        .unwrap();
        assert!(def.check().unwrap_err().message.contains("labels"));
        let def: PlatformDef = kforge_value::from_value(json!({
            "exists": [{"kind": "Role", "names": ["*"], "by": "me"}]
        }))
        .unwrap();
        let e = def.check().unwrap_err();
        assert_eq!((e.section, e.index), ("exists", 0));
    }
}
