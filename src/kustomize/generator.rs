//! `configMapGenerator` and `secretGenerator`: objects made from literals, files and env
//! files, merged into or replacing earlier generated objects, and named with kustomize's
//! content hash at the end of the build.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use kforge_value::{Map, Value};

use super::accumulator::ResSet;
use super::loader::{lexical_join, KustomizationFile};
use super::resolve::resolve_file;
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::model::{GeneratorArgs, GeneratorOptions};
use crate::resource::{Gvk, Origin, ResId, Resource};
use crate::source::SpanIndex;
use crate::transform::build_metadata::{self, Provenance};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ConfigMap,
    Secret,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
        }
    }
}

/// Base64 as kustomize writes generated values: standard alphabet, and when the text is 70
/// characters or longer, broken into lines of 70 each ending with a newline.
struct Base64Lines;

impl Base64Lines {
    fn encode(&self, bytes: impl AsRef<[u8]>) -> String {
        const LINE: usize = 70;
        let plain = base64::engine::general_purpose::STANDARD.encode(bytes);
        if plain.len() < LINE {
            return plain;
        }
        let mut out = String::with_capacity(plain.len() + plain.len() / LINE + 1);
        for chunk in plain.as_bytes().chunks(LINE) {
            out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
            out.push('\n');
        }
        out
    }
}

/// Split a literal `key=value`; quotes around the whole value are removed.
fn parse_literal(source: &str) -> std::result::Result<(String, String), String> {
    match source.split_once('=') {
        Some((k, v)) if !k.is_empty() => {
            let b = v.as_bytes();
            let unquoted =
                if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
                    &v[1..v.len() - 1]
                } else {
                    v
                };
            Ok((k.to_owned(), unquoted.to_owned()))
        }
        // The text is not repeated: without its `=`, all of it may be a secret value.
        _ => Err(
            "invalid literal source (text not shown), expected key=value with a non-empty key"
                .into(),
        ),
    }
}

/// Parse an env file as kustomize does: left-trimmed lines, `#` comments, split at the first `=`.
fn parse_env(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if i == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) => out.push((k.to_owned(), v.to_owned())),
            None => out.push((line.to_owned(), String::new())),
        }
    }
    out
}

enum Content {
    Text(String),
    Binary(Vec<u8>),
}

struct Sources {
    entries: Vec<(String, Content)>,
}

fn read_bytes(
    kfile: &KustomizationFile,
    entry: &str,
    pointer: &str,
    opts: &BuildOptions,
) -> Result<Vec<u8>> {
    let path = resolve_file(kfile, entry, pointer, opts)?;
    let meta = std::fs::metadata(&path)
        .map_err(|e| Error::at(&kfile.path, kfile.pos(pointer), e.to_string()))?;
    if meta.len() > opts.limits.max_bytes as u64 {
        return Err(Error::at(
            &lexical_join(&kfile.display_dir, entry),
            None,
            format!(
                "file is larger than the limit of {} bytes",
                opts.limits.max_bytes
            ),
        ));
    }
    std::fs::read(&path).map_err(|e| {
        Error::at(
            &kfile.path,
            kfile.pos(pointer),
            format!("cannot read '{entry}': {e}"),
        )
    })
}

fn collect(
    kfile: &KustomizationFile,
    g: &GeneratorArgs,
    ptr: &str,
    opts: &BuildOptions,
) -> Result<Sources> {
    let mut entries = Vec::new();
    let mut envs: Vec<(usize, &String)> = g.envs.iter().enumerate().collect();
    if !g.env.is_empty() {
        envs.push((usize::MAX, &g.env));
    }
    for (i, env) in envs {
        let p = if i == usize::MAX {
            format!("{ptr}/env")
        } else {
            format!("{ptr}/envs/{i}")
        };
        let bytes = read_bytes(kfile, env, &p, opts)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::at(
                &lexical_join(&kfile.display_dir, env),
                None,
                "env file is not valid UTF-8",
            )
        })?;
        entries.extend(
            parse_env(&text)
                .into_iter()
                .map(|(k, v)| (k, Content::Text(v))),
        );
    }
    for (i, lit) in g.literals.iter().enumerate() {
        let (k, v) = parse_literal(lit)
            .map_err(|m| Error::at(&kfile.path, kfile.pos(&format!("{ptr}/literals/{i}")), m))?;
        entries.push((k, Content::Text(v)));
    }
    for (i, file) in g.files.iter().enumerate() {
        let p = format!("{ptr}/files/{i}");
        let (key, path) = match file.split_once('=') {
            Some((k, path)) => {
                if k.is_empty() || path.is_empty() {
                    return Err(Error::at(
                        &kfile.path,
                        kfile.pos(&p),
                        format!("file source '{file}' needs the form key=path"),
                    ));
                }
                (k.to_owned(), path)
            }
            None => {
                let base = Path::new(file)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (base, file.as_str())
            }
        };
        let bytes = read_bytes(kfile, path, &p, opts)?;
        let content = match String::from_utf8(bytes) {
            Ok(s) => Content::Text(s),
            Err(e) => Content::Binary(e.into_bytes()),
        };
        entries.push((key, content));
    }
    // kustomize writes data keys as plain YAML text: one its reader types as a number,
    // boolean, null or date makes the build fail.
    if let Some((key, what)) = crate::source::first_typed_key(entries.iter().map(|(k, _)| k)) {
        return Err(Error::at(
            &kfile.path,
            kfile.pos(ptr),
            crate::source::typed_key_message(key, what, false),
        ));
    }
    Ok(Sources { entries })
}

fn merged_options(
    global: Option<&GeneratorOptions>,
    own: Option<&GeneratorOptions>,
) -> GeneratorOptions {
    let mut o = global.cloned().unwrap_or_default();
    if let Some(own) = own {
        o.labels.extend(own.labels.clone());
        o.annotations.extend(own.annotations.clone());
        // kustomize: a global `true` cannot be turned off per generator.
        if own.disable_name_suffix_hash == Some(true) {
            o.disable_name_suffix_hash = Some(true);
        }
        o.immutable |= own.immutable;
    }
    o
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn make_object(
    kind: Kind,
    g: &GeneratorArgs,
    src: Sources,
    opts: &GeneratorOptions,
) -> std::result::Result<Value, String> {
    let mut data = Map::new();
    let mut binary = Map::new();
    let b64 = Base64Lines;
    for (k, content) in src.entries {
        if data.contains_key(&k) || binary.contains_key(&k) {
            return Err(format!(
                "{} {} illegally repeats the key `{k}`",
                kind.name().to_lowercase(),
                g.name
            ));
        }
        match (kind, content) {
            (Kind::ConfigMap, Content::Text(s)) => {
                data.insert(k, Value::String(s));
            }
            (Kind::ConfigMap, Content::Binary(b)) => {
                binary.insert(k, Value::String(b64.encode(b)));
            }
            (Kind::Secret, Content::Text(s)) => {
                data.insert(k, Value::String(b64.encode(s.as_bytes())));
            }
            (Kind::Secret, Content::Binary(b)) => {
                data.insert(k, Value::String(b64.encode(b)));
            }
        }
    }
    let mut md = Map::new();
    md.insert("name", Value::String(g.name.clone()));
    if !g.namespace.is_empty() {
        md.insert("namespace", Value::String(g.namespace.clone()));
    }
    if !opts.labels.is_empty() {
        md.insert("labels", string_map(&opts.labels));
    }
    if !opts.annotations.is_empty() {
        md.insert("annotations", string_map(&opts.annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion", Value::String("v1".into()));
    obj.insert("kind", Value::String(kind.name().into()));
    obj.insert("metadata", Value::Object(md));
    // kustomize writes (and hashes) `data: {}` for a Secret with no entries.
    if !data.is_empty() || kind == Kind::Secret {
        obj.insert("data", Value::Object(data));
    }
    if !binary.is_empty() {
        obj.insert("binaryData", Value::Object(binary));
    }
    if kind == Kind::Secret {
        let t = if g.secret_type.is_empty() {
            "Opaque"
        } else {
            &g.secret_type
        };
        obj.insert("type", Value::String(t.into()));
    }
    if opts.immutable {
        obj.insert("immutable", Value::Bool(true));
    }
    Ok(Value::Object(obj))
}

fn merge_map_field(existing: &mut Value, new: &Value, field: &str, replace: bool) {
    let new_map = new
        .get(field)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let obj = existing.as_object_mut().expect("objects");
    if replace {
        obj.remove(field);
    }
    if new_map.is_empty() {
        return;
    }
    let slot = obj
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(m) = slot.as_object_mut() {
        m.extend(new_map);
    } else {
        *slot = Value::Object(new_map);
    }
}

fn merge_metadata(existing: &mut Resource, new: &Value, field: &str) {
    let Some(new_map) = new
        .pointer(&format!("/metadata/{field}"))
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let md = existing.metadata_mut();
    let slot = md.entry(field).or_insert_with(|| Value::Object(Map::new()));
    match slot.as_object_mut() {
        Some(m) => m.extend(new_map),
        None => *slot = Value::Object(new_map),
    }
}

/// Run this kustomization's generators against the accumulated objects.
pub fn run(kfile: &KustomizationFile, set: &mut ResSet, opts: &BuildOptions) -> Result<()> {
    let k = &kfile.kustomization;
    let lists = [
        (
            Kind::ConfigMap,
            &k.config_map_generator,
            "configMapGenerator",
        ),
        (Kind::Secret, &k.secret_generator, "secretGenerator"),
    ];
    for (kind, list, field) in lists {
        let origin = kfile
            .configured_in()
            .map(|file| Provenance::builtin(&file, &format!("{}Generator", kind.name())));
        for (i, g) in list.iter().enumerate() {
            let ptr = format!("/{field}/{i}");
            let options = merged_options(k.generator_options.as_ref(), g.options.as_ref());
            let at = At {
                pointer: &ptr,
                doc: i,
                origin: origin.as_ref(),
            };
            generate(kfile, set, kind == Kind::Secret, g, &options, &at, opts)?;
        }
    }
    Ok(())
}

/// Where a generator entry is: its pointer in the kustomization and index (for errors),
/// and with `buildMetadata` the origin its objects get.
pub struct At<'a> {
    /// The entry in the kustomization.
    pub pointer: &'a str,
    /// Its index.
    pub doc: usize,
    /// The generator as `buildMetadata` records it.
    pub origin: Option<&'a Provenance>,
}

/// Generate one ConfigMap (or Secret) from `g` with `options` and add it to `set` (or merge
/// it into the one it names, by its behavior).
pub fn generate(
    kfile: &KustomizationFile,
    set: &mut ResSet,
    secret: bool,
    g: &GeneratorArgs,
    options: &GeneratorOptions,
    at: &At,
    opts: &BuildOptions,
) -> Result<()> {
    let (ptr, doc) = (at.pointer, at.doc);
    let (kind, field) = if secret {
        (Kind::Secret, "secretGenerator")
    } else {
        (Kind::ConfigMap, "configMapGenerator")
    };
    let i = doc;
    let here = |m: String| Error::at(&kfile.path, kfile.pos(ptr), m);
    if g.name.is_empty() {
        return Err(here(format!("a {field} entry needs a name")));
    }
    if kind == Kind::ConfigMap && !g.secret_type.is_empty() {
        return Err(here("'type' is only valid in secretGenerator".into()));
    }
    let sources = collect(kfile, g, ptr, opts)?;
    let option_keys = options.labels.keys().chain(options.annotations.keys());
    if let Some((key, what)) = crate::source::first_typed_key(option_keys) {
        return Err(here(crate::source::typed_key_message(key, what, false)));
    }
    let mut value = make_object(kind, g, sources, options).map_err(here)?;
    if let Some(origin) = at.origin {
        let mut r = Resource::new(value, Origin::default(), Arc::default());
        build_metadata::set_origin(&mut r, origin);
        value = r.value;
    }
    let hash = !options.disable_name_suffix_hash.unwrap_or(false);
    let id = ResId {
        gvk: Gvk::from_api_version("v1", kind.name()),
        name: g.name.clone(),
        namespace: g.namespace.clone(),
    };
    let existing = set.items_mut().iter_mut().position(|r| r.has_id(&id));
    // kustomize treats a behavior it does not know (e.g. `add`) as create.
    let behavior = match g.behavior.as_str() {
        b @ ("merge" | "replace") => b,
        _ => "create",
    };
    match (behavior, existing) {
        (_, None) if behavior == "create" => {
            let mut r = Resource::new(
                value,
                Origin {
                    file: kfile.path.clone(),
                    doc: i,
                    item: None,
                },
                Arc::new(SpanIndex::default()),
            );
            r.needs_hash = hash;
            set.append_all(vec![r])?;
        }
        (_, Some(_)) if behavior == "create" => {
            return Err(here(format!(
                "id {id} exists; use behavior: merge or replace to change it"
            )))
        }
        (_, Some(idx)) => {
            let replace = behavior == "replace";
            let r = &mut set.items_mut()[idx];
            // A merge keeps the earlier object's origin (a replace takes the new one).
            let kept = r
                .value
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(build_metadata::ORIGIN))
                .filter(|_| !replace && at.origin.is_some())
                .cloned();
            merge_map_field(&mut r.value, &value, "data", replace);
            merge_map_field(&mut r.value, &value, "binaryData", replace);
            merge_metadata(r, &value, "labels");
            merge_metadata(r, &value, "annotations");
            if let Some(origin) = kept {
                if let Some(a) = r
                    .value
                    .pointer_mut("/metadata/annotations")
                    .and_then(Value::as_object_mut)
                {
                    a.insert(build_metadata::ORIGIN, origin);
                }
            }
            if opts_immutable(&value) {
                r.value
                    .as_object_mut()
                    .expect("object")
                    .insert("immutable", Value::Bool(true));
            }
            // kustomize keeps its hash marker only if both the earlier object and this
            // generator have it: either one disabling the hash disables it.
            r.needs_hash &= hash;
        }
        (_, None) => {
            return Err(here(format!(
                "id {id} does not exist; cannot merge or replace"
            )))
        }
    }
    Ok(())
}

fn opts_immutable(v: &Value) -> bool {
    v.get("immutable").and_then(Value::as_bool) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_env() {
        assert_eq!(
            parse_literal("a='x=y'").unwrap(),
            ("a".into(), "x=y".into())
        );
        assert!(parse_literal("novalue").is_err());
        assert!(parse_literal("=v").is_err());
        let env = parse_env("\u{feff}A=1\n  # c\n\nSPACES = padded \nexport X=1\nEMPTY\n");
        assert_eq!(
            env,
            vec![
                ("A".into(), "1".into()),
                ("SPACES ".into(), " padded ".into()),
                ("export X".into(), "1".into()),
                ("EMPTY".into(), "".into())
            ]
        );
    }
}
