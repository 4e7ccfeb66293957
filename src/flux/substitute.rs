//! Flux's post-build step on built objects, as kustomize-controller runs it: the variables
//! of `spec.postBuild` (`substituteFrom` ConfigMaps and Secrets, later ones winning, then
//! `substitute`, which wins; newlines removed from values; names checked), each object's
//! YAML substituted (strict mode, [`crate::transform::envsubst`]) unless it is labelled or
//! annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`, read back as YAML 1.1;
//! then `spec.commonMetadata` set on every object. What would make Flux fail is returned as
//! [`StageProblem`]s (KF601), located at the `${` in the source file.

use crate::hash::HashMap;
use std::collections::BTreeMap;
use std::path::PathBuf;

use kforge_value::Value;

use crate::resource::{Resource, Written};
use crate::source::pointer::push_token;
use crate::source::yaml::parse_single;
use crate::source::{Limits, Schema};
use crate::transform::envsubst::{Dialect, Reference, Template};
use crate::validate::sourcemap::{locate, Anchor, Location};
use crate::validate::unknown::{SECRET_PLACEHOLDER, UNSET_PLACEHOLDER};
use crate::validate::{Severity, StageProblem};

use super::spec::{document_pointer, position, FluxKustomization, DISABLED, SUBSTITUTE_KEY};

/// The rule that reports a failing substitution.
pub const RULE_ID: &str = "KF601";

/// Where a variable was defined (for a refused name).
#[derive(Clone, Debug)]
enum Origin {
    /// `spec.postBuild.substitute.<name>` of the Flux Kustomization.
    Inline,
    /// A key of this ConfigMap or Secret (`data`, `stringData`).
    Object(Box<Resource>, &'static str),
}

/// The variables of one Flux Kustomization.
#[derive(Clone, Debug, Default)]
pub struct Variables {
    values: BTreeMap<String, (String, Origin)>,
    /// `substituteFrom` objects that were not found and are not optional
    /// (`ConfigMap/name`): the variables they define are unknown.
    missing: Vec<String>,
    /// `substituteStrategy: Always`.
    always: bool,
}

impl Variables {
    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|(v, _)| v.as_str())
    }
}

/// The ConfigMaps and Secrets `substituteFrom` may name: those the Kustomizations of the
/// same cluster apply first, then those of the repository's files.
pub struct Sources<'a> {
    /// Applied by the cluster's Kustomizations.
    pub applied: Vec<&'a Resource>,
    /// In the repository's files.
    pub files: &'a [Resource],
}

impl Sources<'_> {
    fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&Resource> {
        let exact =
            |r: &&Resource| r.kind() == kind && r.name() == name && r.namespace() == namespace;
        let loose = |r: &&Resource| {
            r.kind() == kind
                && r.name() == name
                && (r.namespace() == namespace || r.namespace().is_empty())
        };
        self.applied
            .iter()
            .copied()
            .find(exact)
            .or_else(|| self.applied.iter().copied().find(loose))
            .or_else(|| self.files.iter().find(exact))
            .or_else(|| self.files.iter().find(loose))
    }
}

/// A problem about the Flux Kustomization `raw` itself, at `pointer` of its object (the
/// value, or its key when `key`).
fn spec_problem(
    raw: &Resource,
    pointer: &str,
    key: bool,
    message: String,
    help: &str,
) -> StageProblem {
    let pos = if key {
        let doc = document_pointer(raw, pointer);
        raw.spans
            .get(&doc)
            .and_then(|s| s.key)
            .or_else(|| position(raw, &doc))
    } else {
        position(raw, &document_pointer(raw, pointer))
    };
    StageProblem {
        rule: RULE_ID,
        object: None,
        at: Some(Location {
            file: raw.origin.file.clone(),
            line: pos.map_or(0, |p| p.line),
            col: pos.map_or(0, |p| p.col),
        }),
        subject: raw.cur_id_ref().to_string(),
        message,
        help: help.to_owned(),
        cap: None,
    }
}

/// A problem about the node at `pointer` of output object `i` (at `at` when known exactly).
fn object_problem(
    i: usize,
    pointer: String,
    at: Option<Location>,
    message: String,
    help: String,
    cap: Option<Severity>,
) -> StageProblem {
    StageProblem {
        rule: RULE_ID,
        object: Some((i, pointer)),
        at,
        subject: String::new(),
        message,
        help,
        cap,
    }
}

/// Flux's check of variable names: `^[_[:alpha:]][_[:alpha:][:digit:]]*$` (ASCII).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The variables of `fk` (read from `raw`), `None` when it has no `postBuild`. Missing
/// `substituteFrom` objects and refused names are added to `problems`.
pub fn variables(
    fk: &FluxKustomization,
    raw: &Resource,
    sources: &Sources,
    problems: &mut Vec<StageProblem>,
) -> Option<Variables> {
    let post = fk.spec.post_build.as_ref()?;
    let mut vars = Variables {
        always: post.always(),
        ..Default::default()
    };
    for (i, r) in post.substitute_from.iter().enumerate() {
        let found = matches!(r.kind.as_str(), "ConfigMap" | "Secret")
            .then(|| sources.find(&r.kind, &fk.namespace, &r.name))
            .flatten();
        let Some(obj) = found else {
            if r.optional {
                continue;
            }
            vars.missing.push(format!("{}/{}", r.kind, r.name));
            let mut p = spec_problem(
                raw,
                &format!("/spec/postBuild/substituteFrom/{i}"),
                false,
                format!(
                    "substituteFrom {}/{} in namespace {}: no Flux Kustomization of this repository applies it and no file holds it; Flux fails unless it exists in the cluster",
                    r.kind, r.name, fk.namespace
                ),
                "commit it where a Kustomization of the same cluster applies it, or set `optional: true` if the Kustomization may run without it",
            );
            p.cap = Some(Severity::Warning);
            problems.push(p);
            continue;
        };
        let fields: &[&'static str] = if r.kind == "Secret" {
            &["data", "stringData"]
        } else {
            &["data"]
        };
        for field in fields {
            let Some(map) = obj.value.get(*field).and_then(Value::as_object) else {
                continue;
            };
            for (k, v) in map {
                // A Secret's values are never read: kforge substitutes a placeholder.
                let value = match (r.kind.as_str(), v) {
                    ("Secret", _) => SECRET_PLACEHOLDER.to_owned(),
                    (_, Value::String(s)) => s.replace('\n', ""),
                    _ => continue,
                };
                vars.values.insert(
                    k.to_string(),
                    (value, Origin::Object(Box::new(obj.clone()), field)),
                );
            }
        }
    }
    for (k, v) in &post.substitute {
        vars.values
            .insert(k.clone(), (v.replace('\n', ""), Origin::Inline));
    }
    Some(vars)
}

/// The problems of refused variable names (Flux fails the whole Kustomization on them).
fn refused_names(vars: &Variables, raw: &Resource) -> Vec<StageProblem> {
    let mut out = Vec::new();
    for (name, (_, origin)) in &vars.values {
        if valid_name(name) {
            continue;
        }
        let message = format!(
            "variable name '{name}' is refused by Flux (it must match `^[_[:alpha:]][_[:alpha:][:digit:]]*$`): the substitution of every object fails"
        );
        let help = "rename the variable: letters, digits and `_`, not starting with a digit";
        match origin {
            Origin::Inline => {
                let mut ptr = "/spec/postBuild/substitute".to_owned();
                push_token(&mut ptr, name);
                out.push(spec_problem(raw, &ptr, true, message, help));
            }
            Origin::Object(obj, field) => {
                let mut ptr = format!("/{field}");
                push_token(&mut ptr, name);
                let loc = locate(obj, &ptr, Anchor::Key);
                out.push(StageProblem {
                    rule: RULE_ID,
                    object: None,
                    at: Some(loc),
                    subject: obj.cur_id_ref().to_string(),
                    message,
                    help: help.to_owned(),
                    cap: None,
                });
            }
        }
    }
    out
}

/// Whether substitution is turned off for `r`.
fn disabled(r: &Resource) -> bool {
    ["labels", "annotations"].iter().any(|f| {
        r.value
            .pointer(&format!("/metadata/{f}"))
            .and_then(|m| m.get(SUBSTITUTE_KEY))
            .and_then(Value::as_str)
            == Some(DISABLED)
    })
}

/// Line and column (1-based, in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() as u32 + 1)
}

/// The node of `value` written at byte `offset` of `text` (`value` written as YAML): the
/// node whose key or value starts last at or before it (the deepest on a tie), and whether
/// it is its key.
fn node_at(value: &Value, text: &str, offset: usize) -> (String, bool) {
    let Ok(Some(doc)) = parse_single(text, Schema::Kyaml, Limits::default()) else {
        return (String::new(), false);
    };
    let target = line_col(text, offset);
    let mut best: ((u32, u32), usize, String, bool) = ((0, 0), 0, String::new(), false);
    let mut consider = |ptr: &str| {
        let Some(span) = doc.spans.get(ptr) else {
            return;
        };
        let mut candidates = vec![((span.value.line, span.value.col), false)];
        if let Some(k) = span.key {
            candidates.push(((k.line, k.col), true));
        }
        for (pos, is_key) in candidates {
            if pos <= target && (pos, ptr.len()) >= (best.0, best.1) {
                best = (pos, ptr.len(), ptr.to_owned(), is_key);
            }
        }
    };
    fn walk(v: &Value, ptr: &mut String, f: &mut dyn FnMut(&str)) {
        f(ptr);
        let len = ptr.len();
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    push_token(ptr, k);
                    walk(c, ptr, f);
                    ptr.truncate(len);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    ptr.push_str(&format!("/{i}"));
                    walk(c, ptr, f);
                    ptr.truncate(len);
                }
            }
            _ => {}
        }
    }
    walk(value, &mut String::new(), &mut consider);
    (best.2, best.3)
}

/// Source texts read once per run, for pointing at a `${` inside a line.
#[derive(Default)]
pub struct Texts(HashMap<PathBuf, Option<String>>);

impl Texts {
    fn get(&mut self, file: &PathBuf) -> Option<&str> {
        self.0
            .entry(file.clone())
            .or_insert_with(|| std::fs::read_to_string(file).ok())
            .as_deref()
    }
}

/// The position of the `nth` occurrence of `needle` at or after `from` in `file`.
fn find_after(texts: &mut Texts, from: &Location, needle: &str, nth: usize) -> Option<Location> {
    let text = texts.get(&from.file)?;
    let mut seen = 0;
    for (i, line) in text
        .lines()
        .enumerate()
        .skip(from.line.saturating_sub(1) as usize)
        .take(500)
    {
        let line_no = i as u32 + 1;
        let start = if line_no == from.line {
            line.char_indices()
                .nth(from.col.saturating_sub(1) as usize)
                .map_or(line.len(), |(b, _)| b)
        } else {
            0
        };
        let mut at = start;
        while let Some(found) = line.get(at..).and_then(|l| l.find(needle)) {
            if seen == nth {
                let col = line[..at + found].chars().count() as u32 + 1;
                return Some(Location {
                    file: from.file.clone(),
                    line: line_no,
                    col,
                });
            }
            seen += 1;
            at += found + needle.len();
        }
    }
    None
}

/// Where the text at byte `offset` of object `r`'s YAML (`text`) came from: the node's
/// pointer in the object, and the exact source position of `needle` when it is found
/// there.
fn source_of(
    r: &Resource,
    text: &str,
    offset: usize,
    needle: &str,
    texts: &mut Texts,
) -> (String, Option<Location>) {
    let (pointer, is_key) = node_at(&r.value, text, offset);
    let anchor = if is_key { Anchor::Key } else { Anchor::Value };
    let node = locate(r, &pointer, anchor);
    // Which occurrence of the needle within the node, counted in the written YAML from
    // the node's start.
    let node_offset = parse_single(text, Schema::Kyaml, Limits::default())
        .ok()
        .flatten()
        .and_then(|d| d.spans.get(&pointer))
        .map(|s| {
            let p = if is_key {
                s.key.unwrap_or(s.value)
            } else {
                s.value
            };
            offset_of(text, p.line, p.col)
        })
        .unwrap_or(offset);
    let nth = text
        .get(node_offset..offset)
        .map_or(0, |between| between.matches(needle).count());
    let exact = if node.line > 0 {
        find_after(texts, &node, needle, nth)
    } else {
        None
    };
    (pointer, exact)
}

/// Byte offset of a 1-based line and column (in characters) of `text`.
fn offset_of(text: &str, line: u32, col: u32) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u32 + 1 == line {
            return off
                + l.char_indices()
                    .nth(col.saturating_sub(1) as usize)
                    .map_or(l.len(), |(b, _)| b);
        }
        off += l.len();
    }
    off
}

/// How a reference reads in the source: `${name` (its operator and arguments follow).
fn needle(text: &str, r: &Reference) -> String {
    let end = text[r.offset..]
        .find(|c: char| !(c == '$' || c == '{' || c == '#' || c == '_' || c.is_alphanumeric()))
        .map_or(text.len(), |e| r.offset + e);
    text[r.offset..end].to_owned()
}

/// The label of a Flux Kustomization in messages.
fn who(fk: &FluxKustomization) -> String {
    format!("Flux Kustomization {}", fk.id())
}

/// Substitute the variables of `fk` into `resources` (its build) as kustomize-controller
/// does; what fails is added to `problems` (object indexes are `resources`' indexes).
pub fn substitute(
    resources: &mut [Resource],
    fk: &FluxKustomization,
    raw: &Resource,
    vars: &Variables,
    texts: &mut Texts,
    problems: &mut Vec<StageProblem>,
) {
    if vars.values.is_empty() && !vars.always {
        return;
    }
    if resources.iter().any(|r| !disabled(r)) {
        let refused = refused_names(vars, raw);
        if !refused.is_empty() {
            problems.extend(refused);
            return;
        }
    }
    let lookup = |name: &str| vars.get(name);
    for (i, r) in resources.iter_mut().enumerate() {
        if disabled(r) {
            continue;
        }
        let text = crate::emit::yaml::to_string(&r.value);
        if !text.contains("${") {
            continue;
        }
        let mut at_offset = |offset: usize, message: String, help: &str| {
            let (pointer, at) = source_of(r, &text, offset, "${", texts);
            problems.push(object_problem(
                i,
                pointer,
                at,
                message,
                help.to_owned(),
                None,
            ));
        };
        let template = match Template::parse(&text, Dialect::Flux) {
            Ok(t) => t,
            Err(e) => {
                at_offset(
                    e.offset,
                    format!(
                        "{} cannot substitute this object: envsubst fails on a `${{...}}` here ({e})",
                        who(fk)
                    ),
                    "write the expression as `${name}` or `${name:=default}`, or `$${...}` to keep the text",
                );
                continue;
            }
        };
        let evaluated = match template.eval(true, &lookup) {
            Ok(e) => e,
            Err(e) => {
                at_offset(
                    e.offset,
                    format!(
                        "{}: the substring here ends before it starts; the substitution fails",
                        who(fk)
                    ),
                    "give `${var:offset:length}` a length that is not negative",
                );
                continue;
            }
        };
        for u in &evaluated.unset {
            let (pointer, at) = source_of(r, &text, u.offset, &needle(&text, u), texts);
            let (message, help, cap) = if vars.missing.is_empty() {
                (
                    format!(
                        "variable `{}` is not defined for {}: Flux's strict substitution fails (`variable not set`)",
                        u.name,
                        who(fk)
                    ),
                    format!(
                        "define `{}` in spec.postBuild.substitute or a substituteFrom ConfigMap/Secret of {}, or give it a default: `${{{}:=value}}`",
                        u.name,
                        who(fk),
                        u.name
                    ),
                    None,
                )
            } else {
                (
                    format!(
                        "variable `{}` is not defined for {} unless {} (not in the repository) defines it",
                        u.name,
                        who(fk),
                        vars.missing.join(", ")
                    ),
                    format!("define `{}`, or give it a default: `${{{}:=value}}`", u.name, u.name),
                    Some(Severity::Warning),
                )
            };
            problems.push(object_problem(i, pointer, at, message, help, cap));
        }
        // Flux stops at an undefined variable; kforge goes on with a placeholder for it,
        // so that the rest of the object is checked and what the variable would break is
        // not reported twice.
        let bytes = if evaluated.unset.is_empty() {
            evaluated.bytes
        } else {
            let unset: Vec<&str> = evaluated.unset.iter().map(|u| u.name.as_str()).collect();
            let placeholder = |name: &str| {
                vars.get(name)
                    .or_else(|| unset.contains(&name).then_some(UNSET_PLACEHOLDER))
            };
            match template.eval(false, &placeholder) {
                Ok(e) => e.bytes,
                Err(_) => continue,
            }
        };
        let Ok(out) = String::from_utf8(bytes) else {
            problems.push(object_problem(
                i,
                String::new(),
                None,
                format!(
                    "{}: a substring cuts a character in two; the result is not UTF-8 and Flux cannot read it",
                    who(fk)
                ),
                "offsets and lengths count bytes: cut at a character boundary".to_owned(),
                None,
            ));
            continue;
        };
        let why = match parse_single(&out, Schema::Yaml11, Limits::default()) {
            Ok(Some(doc)) if doc.value.is_object() => {
                r.value = doc.value;
                continue;
            }
            Err(e) => format!("line {}: {}", e.pos.line, e.message),
            Ok(_) => "it is no longer an object".to_owned(),
        };
        problems.push(object_problem(
            i,
            String::new(),
            None,
            format!(
                "{}: once substituted, this object is no longer YAML Flux can read ({why})",
                who(fk)
            ),
            "quote the values the variables are in (a value with `: ` or ` #`), or change the variables' values".to_owned(),
            None,
        ));
    }
}

/// Set `spec.commonMetadata` on every object (after substitution), pointing its values at
/// the Flux Kustomization's file.
pub fn common_metadata(resources: &mut [Resource], fk: &FluxKustomization, raw: &Resource) {
    let Some(meta) = &fk.spec.common_metadata else {
        return;
    };
    for r in resources.iter_mut() {
        for (field, map) in [("labels", &meta.labels), ("annotations", &meta.annotations)] {
            if map.is_empty() {
                continue;
            }
            let Some(obj) = r.value.as_object_mut() else {
                continue;
            };
            let metadata = obj
                .entry("metadata")
                .or_insert_with(|| Value::Object(Default::default()));
            let Some(metadata) = metadata.as_object_mut() else {
                continue;
            };
            let target = metadata
                .entry(field)
                .or_insert_with(|| Value::Object(Default::default()));
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let target = target.as_object_mut().expect("a map");
            for (k, v) in map {
                target.insert(k.clone(), Value::String(v.clone()));
                let mut pointer = format!("/metadata/{field}");
                push_token(&mut pointer, k);
                let mut src = format!("/spec/commonMetadata/{field}");
                push_token(&mut src, k);
                r.written.push(Written {
                    pointer,
                    file: raw.origin.file.clone(),
                    spans: Some(raw.spans.clone()),
                    src_pointer: document_pointer(raw, &src),
                    exact_below: true,
                    pos: None,
                });
            }
        }
    }
}
