//! `kustomize edit`: change a kustomization file the way kustomize v5.8.1's edit commands
//! change it (kustomize/commands/edit), byte for byte.
//!
//! An [`Edit`] is one command with its arguments checked as kustomize checks them (the
//! constructors return kustomize's errors for bad arguments); [`run`] applies it to the
//! kustomization file of a directory. Like kustomize, every edit reads the file into
//! kustomize's structs and writes it back whole ([`KustomizationFile`]): fields keep
//! their place and the comments above them, nested keys come out sorted, empty values and
//! deprecated fields disappear (`bases` joins `resources`, `imageTags` joins `images`).
//! The file is replaced atomically.

mod file;
pub mod glob;
mod gotypes;

use std::collections::BTreeMap;
use std::path::Path;

use kforge_value::{Map, Value};

pub use file::{find, KustomizationFile};

use crate::error::{Error, Result};
use crate::source::Limits;

/// A new image for `edit set image`: the image name to match and what to set (`""` leaves
/// a part unset, `*` keeps what the file has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageArg {
    /// The image name the entry matches.
    pub name: String,
    /// New name.
    pub new_name: String,
    /// New tag.
    pub new_tag: String,
    /// New digest.
    pub digest: String,
}

/// The patch of `edit add patch`: a file or inline text, and the target's selector fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchArg {
    /// `--path`.
    pub path: String,
    /// `--patch`.
    pub patch: String,
    /// `--group`.
    pub group: String,
    /// `--version`.
    pub version: String,
    /// `--kind`.
    pub kind: String,
    /// `--name`.
    pub name: String,
    /// `--namespace`.
    pub namespace: String,
    /// `--annotation-selector`.
    pub annotation_selector: String,
    /// `--label-selector`.
    pub label_selector: String,
}

/// One `kustomize edit` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// `set namespace NS`.
    SetNamespace(String),
    /// `set nameprefix PREFIX`.
    SetNamePrefix(String),
    /// `set namesuffix SUFFIX`.
    SetNameSuffix(String),
    /// `set image ...`: entries replaced or added by name, the list sorted by name.
    SetImages(Vec<ImageArg>),
    /// `set replicas NAME=COUNT ...`: entries replaced or added by name, sorted by name.
    SetReplicas(Vec<(String, i64)>),
    /// `set label K:V ...`: `commonLabels` entries set.
    SetLabels(BTreeMap<String, String>),
    /// `set annotation K:V ...`: `commonAnnotations` entries set.
    SetAnnotations(BTreeMap<String, String>),
    /// `add resource PATH ...` (`verify`: each path must match files or directories, or be
    /// a remote Git URL).
    AddResources {
        /// Paths or glob patterns.
        paths: Vec<String>,
        /// Check them (`--no-verify` turns this off).
        verify: bool,
    },
    /// `add component PATH ...`.
    AddComponents(Vec<String>),
    /// `add label K:V ...`.
    AddLabels {
        /// The labels.
        pairs: BTreeMap<String, String>,
        /// `--force`: replace existing values.
        force: bool,
        /// `--without-selector`: a `labels` entry instead of `commonLabels`.
        without_selector: bool,
        /// `--include-templates`.
        include_templates: bool,
    },
    /// `add annotation K:V ...`.
    AddAnnotations {
        /// The annotations.
        pairs: BTreeMap<String, String>,
        /// `--force`: replace existing values.
        force: bool,
    },
    /// `add patch --path P | --patch TEXT [target flags]`.
    AddPatch(PatchArg),
    /// `remove resource PATTERN ...`.
    RemoveResources(Vec<String>),
}

/// What [`run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Whether the file was written (kustomize leaves it alone when a patch is already
    /// there or no resource matches).
    pub written: bool,
    /// Messages kustomize logs on standard error (an entry already present).
    pub notes: Vec<String>,
}

/// The JSON kustomize's structs make of a kustomization's JSON (what `kustomize edit`
/// writes back, before the fields are written one by one): field names as declared, empty
/// `omitempty` fields left out, zero values for the others, numbers under `interface{}`
/// through float64. A value the structs cannot hold is an error naming its field.
pub fn normalize(kustomization: &Value) -> std::result::Result<Value, String> {
    gotypes::types()
        .normalize(kustomization)
        .map_err(|e| format!("{}: {}", e.field, e.message))
}

fn exactly_one(args: &[String], what: &str) -> Result<String> {
    match args {
        [one] => Ok(one.clone()),
        _ => Err(Error::msg(format!("must specify exactly one {what} value"))),
    }
}

/// `key:value` arguments into a map, as kustomize reads them: a missing `:` gives an empty
/// value, a value in double quotes loses them, a later key replaces an earlier one.
pub fn parse_pairs(args: &[String], kind: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for arg in args {
        match arg.find(':') {
            Some(0) => {
                return Err(Error::msg(format!(
                    "invalid {kind}: '{arg}' (need k:v pair where v may be quoted)"
                )))
            }
            None => {
                out.insert(arg.clone(), String::new());
            }
            Some(i) => {
                let v = &arg[i + 1..];
                let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
                    &v[1..v.len() - 1]
                } else {
                    v
                };
                out.insert(arg[..i].to_owned(), v.to_owned());
            }
        }
    }
    Ok(out)
}

/// kustomize's image reference split for `edit set image`: name, tag, digest. The first
/// `/` ends a registry host (whose port is no tag); after it the first `@` starts the
/// digest and the first `:` before it the tag.
pub fn split_image(image: &str) -> (&str, &str, &str) {
    let start = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[start..];
    let at = search.find('@').map(|i| i + start);
    let colon = search.find(':').map(|i| i + start);
    match (colon, at) {
        (None, None) => (image, "", ""),
        (Some(c), Some(d)) if c < d => (&image[..c], &image[c + 1..d], &image[d + 1..]),
        (_, Some(d)) => (&image[..d], "", &image[d + 1..]),
        (Some(c), None) => (&image[..c], &image[c + 1..], ""),
    }
}

const IMAGE_FORMATS: &str = "invalid format of image, use one of the following options:
- <image>=<newimage>:<newtag>
- <image>=<newimage>@<digest>
- <image>=<newimage>:<newtag>@<digest>
- <image>=<newimage>
- <image>:<newtag>
- <image>:<newtag>@<digest>
- <image>@<digest>";

/// One `edit set image` argument: `[NAME=]NEWNAME[:TAG][@DIGEST]`.
pub fn parse_image_arg(arg: &str) -> Result<ImageArg> {
    let (key, value) = match arg.split_once('=') {
        Some((k, v)) => (Some(k), v),
        None => (None, arg),
    };
    let (name, tag, digest) = split_image(value);
    if name == arg {
        return Err(Error::msg(IMAGE_FORMATS));
    }
    let mut img = ImageArg {
        new_tag: tag.to_owned(),
        digest: digest.to_owned(),
        ..ImageArg::default()
    };
    match key.filter(|k| !k.is_empty()) {
        Some(k) => {
            img.name = k.to_owned();
            img.new_name = name.to_owned();
        }
        None => img.name = name.to_owned(),
    }
    Ok(img)
}

/// An annotation key kustomize's `edit set annotation` accepts.
fn valid_annotation_key(key: &str) -> bool {
    static KEY: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        regex::Regex::new(
            r"^([a-zA-Z](([-a-zA-Z0-9.]{0,251})[a-zA-Z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$",
        )
        .expect("valid regex")
    })
    .is_match(key)
}

impl Edit {
    /// `set namespace`: exactly one value.
    pub fn set_namespace(args: &[String]) -> Result<Edit> {
        exactly_one(args, "namespace").map(Edit::SetNamespace)
    }

    /// `set nameprefix`: exactly one value.
    pub fn set_name_prefix(args: &[String]) -> Result<Edit> {
        exactly_one(args, "prefix").map(Edit::SetNamePrefix)
    }

    /// `set namesuffix`: exactly one value.
    pub fn set_name_suffix(args: &[String]) -> Result<Edit> {
        exactly_one(args, "suffix").map(Edit::SetNameSuffix)
    }

    /// `set image`: at least one image; a later argument for the same name wins.
    pub fn set_images(args: &[String]) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("no image specified"));
        }
        let mut by_name: BTreeMap<String, ImageArg> = BTreeMap::new();
        for a in args {
            let img = parse_image_arg(a)?;
            by_name.insert(img.name.clone(), img);
        }
        Ok(Edit::SetImages(by_name.into_values().collect()))
    }

    /// `set replicas`: `NAME=COUNT` arguments (a later one for the same name wins).
    pub fn set_replicas(args: &[String]) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("no replicas specified"));
        }
        let mut by_name: BTreeMap<String, i64> = BTreeMap::new();
        for a in args {
            let parts: Vec<&str> = a.split('=').collect();
            let count = match parts.as_slice() {
                [_, count] => parse_go_int(count),
                _ => None,
            };
            let Some(count) = count else {
                return Err(Error::msg(
                    "invalid format of replica, use the following format: <name>=<count>",
                ));
            };
            by_name.insert(parts[0].to_owned(), count);
        }
        Ok(Edit::SetReplicas(by_name.into_iter().collect()))
    }

    /// `set label`: at least one `K:V`.
    pub fn set_labels(args: &[String]) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("must specify label"));
        }
        parse_pairs(args, "label").map(Edit::SetLabels)
    }

    /// `set annotation`: at least one `K:V` with a valid annotation key.
    pub fn set_annotations(args: &[String]) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("must specify annotation"));
        }
        let pairs = parse_pairs(args, "annotation")?;
        if !pairs.keys().all(|k| valid_annotation_key(k)) {
            return Err(Error::msg("invalid annotation key: see the syntax and character set rules at https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/"));
        }
        Ok(Edit::SetAnnotations(pairs))
    }

    /// `add resource`: at least one path.
    pub fn add_resources(args: &[String], no_verify: bool) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("must specify a resource file"));
        }
        Ok(Edit::AddResources {
            paths: args.to_vec(),
            verify: !no_verify,
        })
    }

    /// `add component`: at least one path.
    pub fn add_components(args: &[String]) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("must specify a component file"));
        }
        Ok(Edit::AddComponents(args.to_vec()))
    }

    /// `add label`: at least one `K:V`; `--include-templates` needs `--without-selector`.
    pub fn add_labels(
        args: &[String],
        force: bool,
        without_selector: bool,
        include_templates: bool,
    ) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("must specify label"));
        }
        if include_templates && !without_selector {
            return Err(Error::msg(
                "--without-selector flag must be specified for --include-templates to work",
            ));
        }
        Ok(Edit::AddLabels {
            pairs: parse_pairs(args, "label")?,
            force,
            without_selector,
            include_templates,
        })
    }

    /// `add annotation`: at least one `K:V`.
    pub fn add_annotations(args: &[String], force: bool) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("must specify annotation"));
        }
        Ok(Edit::AddAnnotations {
            pairs: parse_pairs(args, "annotation")?,
            force,
        })
    }

    /// `add patch`: `--path` or `--patch`, not both.
    pub fn add_patch(patch: PatchArg) -> Result<Edit> {
        match (patch.path.is_empty(), patch.patch.is_empty()) {
            (false, false) => Err(Error::msg("patch and path can't be set at the same time")),
            (true, true) => Err(Error::msg("must provide either patch or path")),
            _ => Ok(Edit::AddPatch(patch)),
        }
    }

    /// `remove resource`: at least one pattern.
    pub fn remove_resources(args: &[String]) -> Result<Edit> {
        if args.is_empty() {
            return Err(Error::msg("must specify a resource file"));
        }
        Ok(Edit::RemoveResources(args.to_vec()))
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits, in range.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Apply `edit` to the kustomization file of `dir` (the directory kustomize's edit commands
/// run in) and write it back, as kustomize does.
pub fn run(dir: &Path, edit: &Edit, limits: &Limits) -> Result<Report> {
    let mut report = Report::default();
    // Paths to add are expanded (and checked) before the file is read, as in kustomize.
    let expanded = match edit {
        Edit::AddResources { paths, verify } => expand(dir, paths, *verify)?,
        Edit::AddComponents(paths) => expand(dir, paths, true)?,
        _ => Vec::new(),
    };
    let mut kfile = KustomizationFile::open(dir, limits)?;
    let k = &mut kfile.fields;
    match edit {
        Edit::SetNamespace(v) => set_text(k, "namespace", v),
        Edit::SetNamePrefix(v) => set_text(k, "namePrefix", v),
        Edit::SetNameSuffix(v) => set_text(k, "nameSuffix", v),
        Edit::SetImages(images) => set_images(k, images),
        Edit::SetReplicas(replicas) => set_replicas(k, replicas),
        Edit::SetLabels(pairs) => set_pairs(k, "commonLabels", pairs),
        Edit::SetAnnotations(pairs) => set_pairs(k, "commonAnnotations", pairs),
        Edit::AddResources { .. } => add_entries(
            k,
            "resources",
            "resource",
            kfile.name,
            expanded,
            &mut report,
        ),
        Edit::AddComponents(_) => add_entries(
            k,
            "components",
            "component",
            kfile.name,
            expanded,
            &mut report,
        ),
        Edit::AddLabels {
            pairs,
            force,
            without_selector: false,
            ..
        } => add_pairs(map_mut(k, "commonLabels"), pairs, *force, "label")?,
        Edit::AddLabels {
            pairs,
            force,
            include_templates,
            ..
        } => add_labels_without_selector(k, pairs, *force, *include_templates)?,
        Edit::AddAnnotations { pairs, force } => {
            add_pairs(map_mut(k, "commonAnnotations"), pairs, *force, "annotation")?
        }
        Edit::AddPatch(p) => {
            let patch = patch_value(p);
            let patches = list_mut(k, "patches");
            if patches.contains(&patch) {
                report.notes.push(format!(
                    "patch {} already in kustomization file",
                    serde_json::to_string(&patch).unwrap_or_default()
                ));
                return Ok(report);
            }
            patches.push(patch);
        }
        Edit::RemoveResources(patterns) => {
            if !remove_resources(k, patterns)? {
                return Ok(report);
            }
        }
    }
    kfile.write()?;
    report.written = true;
    Ok(report)
}

fn set_text(k: &mut Map, field: &str, v: &str) {
    k.insert(field.to_owned(), Value::String(v.to_owned()));
}

fn list_mut<'a>(k: &'a mut Map, field: &str) -> &'a mut Vec<Value> {
    let slot = k.entry(field.to_owned()).or_insert(Value::Null);
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut().expect("a list")
}

fn map_mut<'a>(k: &'a mut Map, field: &str) -> &'a mut Map {
    let slot = k.entry(field.to_owned()).or_insert(Value::Null);
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("a mapping")
}

fn text_of<'a>(entry: &'a Value, field: &str) -> &'a str {
    entry.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// kustomize's `set image`: the arguments merged with the file's entries by name (`*`
/// keeps the file's part, else nothing), the file's other entries kept, sorted by name.
fn set_images(k: &mut Map, args: &[ImageArg]) {
    const KEEP: &str = "*";
    let mut by_name: BTreeMap<String, Value> = args
        .iter()
        .map(|a| {
            let v = kforge_value::json!({
                "name": a.name, "newName": a.new_name, "newTag": a.new_tag, "digest": a.digest,
            });
            (a.name.clone(), v)
        })
        .collect();
    let existing = k.get("images").and_then(Value::as_array).cloned();
    for im in existing.into_iter().flatten() {
        let name = text_of(&im, "name").to_owned();
        let Some(arg) = by_name.get(&name) else {
            by_name.insert(name, im);
            continue;
        };
        // Each `*` takes the file's part; the entry is then made anew from the name, new
        // name, tag and digest only (a `tagSuffix` is lost).
        let mut merged = arg.clone();
        for part in ["newName", "newTag", "digest"] {
            if text_of(&merged, part) == KEEP {
                let mut fresh = Map::new();
                for p in ["name", "newName", "newTag", "digest"] {
                    let v = if p == part {
                        text_of(&im, p)
                    } else {
                        text_of(&merged, p)
                    };
                    fresh.insert(p, v.into());
                }
                merged = Value::Object(fresh);
            }
        }
        by_name.insert(name, merged);
    }
    let images: Vec<Value> = by_name
        .into_values()
        .map(|mut v| {
            if let Some(m) = v.as_object_mut() {
                for part in ["newName", "newTag", "digest"] {
                    if m.get(part).and_then(Value::as_str) == Some(KEEP) {
                        m.insert(part, "".into());
                    }
                }
            }
            v
        })
        .collect();
    k.insert("images", Value::Array(images));
}

/// kustomize's `set replicas`: the arguments, plus the file's entries for other names,
/// sorted by name.
fn set_replicas(k: &mut Map, args: &[(String, i64)]) {
    let mut by_name: BTreeMap<String, Value> = args
        .iter()
        .map(|(n, c)| (n.clone(), kforge_value::json!({"name": n, "count": c})))
        .collect();
    let existing = k.get("replicas").and_then(Value::as_array).cloned();
    for r in existing.into_iter().flatten() {
        by_name.entry(text_of(&r, "name").to_owned()).or_insert(r);
    }
    k.insert("replicas", Value::Array(by_name.into_values().collect()));
}

fn set_pairs(k: &mut Map, field: &str, pairs: &BTreeMap<String, String>) {
    let m = map_mut(k, field);
    for (key, v) in pairs {
        m.insert(key.clone(), Value::String(v.clone()));
    }
}

/// `add label`/`add annotation`: a key already there is an error without `--force`.
fn add_pairs(m: &mut Map, pairs: &BTreeMap<String, String>, force: bool, kind: &str) -> Result<()> {
    if !force {
        if let Some(key) = pairs.keys().find(|key| m.contains_key(key)) {
            return Err(Error::msg(format!(
                "{kind} {key} already in kustomization file. Use --force to override."
            )));
        }
    }
    for (key, v) in pairs {
        m.insert(key.clone(), Value::String(v.clone()));
    }
    Ok(())
}

/// `add label --without-selector`: into the first `labels` entry with the same settings
/// (`includeSelectors` false, `includeTemplates` as asked), else a new entry.
fn add_labels_without_selector(
    k: &mut Map,
    pairs: &BTreeMap<String, String>,
    force: bool,
    include_templates: bool,
) -> Result<()> {
    let flag = |l: &Value, f: &str| l.get(f).and_then(Value::as_bool).unwrap_or(false);
    let labels = list_mut(k, "labels");
    let found = labels.iter().position(|l| {
        !flag(l, "includeSelectors") && flag(l, "includeTemplates") == include_templates
    });
    let index = match found {
        Some(i) => i,
        None => {
            labels.push(kforge_value::json!({"includeTemplates": include_templates}));
            labels.len() - 1
        }
    };
    let entry = labels[index].as_object_mut().expect("a labels entry");
    add_pairs(map_mut(entry, "pairs"), pairs, force, "label")
}

/// `add resource`/`add component`: each path not yet listed (and not the kustomization
/// file itself) appended.
fn add_entries(
    k: &mut Map,
    field: &str,
    what: &str,
    kustomization_name: &str,
    paths: Vec<String>,
    report: &mut Report,
) {
    let list = list_mut(k, field);
    for p in paths {
        if p == kustomization_name {
            continue;
        }
        let v = Value::String(p.clone());
        if list.contains(&v) {
            report
                .notes
                .push(format!("{what} {p} already in kustomization file"));
            continue;
        }
        list.push(v);
    }
}

/// Expand the path arguments of `add resource`/`add component` as kustomize does: each
/// pattern's matches in the file system, else (when verifying) a remote Git URL, else an
/// error.
fn expand(dir: &Path, patterns: &[String], verify: bool) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for pattern in patterns {
        if !verify {
            out.push(pattern.clone());
            continue;
        }
        let found = glob::glob(dir, pattern)
            .map_err(|e| Error::msg(format!("error checking the filesystem: {e} ('{pattern}')")))?;
        if !found.is_empty() {
            out.extend(found);
            continue;
        }
        if crate::kustomize::remote::parse_git(pattern).is_some() {
            // kustomize clones it to check; kforge leaves that to the build.
            out.push(pattern.clone());
            continue;
        }
        let why = if Path::new(pattern).is_absolute() {
            format!("new root '{pattern}' cannot be absolute")
        } else {
            format!("must build at directory: '{pattern}' does not exist")
        };
        return Err(Error::msg(format!("{pattern} has no match: {why}")));
    }
    Ok(out)
}

/// The `patches` entry of `edit add patch` (no target when every selector field is empty).
fn patch_value(p: &PatchArg) -> Value {
    let mut m = Map::new();
    for (key, v) in [("path", &p.path), ("patch", &p.patch)] {
        if !v.is_empty() {
            m.insert(key, v.as_str().into());
        }
    }
    let mut target = Map::new();
    for (key, v) in [
        ("group", &p.group),
        ("version", &p.version),
        ("kind", &p.kind),
        ("name", &p.name),
        ("namespace", &p.namespace),
        ("annotationSelector", &p.annotation_selector),
        ("labelSelector", &p.label_selector),
    ] {
        if !v.is_empty() {
            target.insert(key, v.as_str().into());
        }
    }
    if !target.is_empty() {
        m.insert("target", Value::Object(target));
    }
    Value::Object(m)
}

/// `remove resource`: the listed entries any pattern matches, removed; false when none
/// matches (the file is then left alone).
fn remove_resources(k: &mut Map, patterns: &[String]) -> Result<bool> {
    let resources: Vec<String> = k
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut matched: Vec<&str> = Vec::new();
    for pattern in patterns {
        for r in &resources {
            if glob::matches(pattern, r).map_err(|e| Error::msg(e.to_string()))? {
                matched.push(r);
            }
        }
    }
    if matched.is_empty() {
        return Ok(false);
    }
    let kept: Vec<Value> = resources
        .iter()
        .filter(|r| !matched.contains(&r.as_str()))
        .map(|r| Value::String(r.clone()))
        .collect();
    k.insert("resources", Value::Array(kept));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_arguments_as_kustomize_splits_them() {
        let p = |s: &str| parse_image_arg(s).unwrap();
        assert_eq!(
            p("postgres=eu.gcr.io/my-project/postgres:latest"),
            ImageArg {
                name: "postgres".into(),
                new_name: "eu.gcr.io/my-project/postgres".into(),
                new_tag: "latest".into(),
                ..Default::default()
            }
        );
        assert_eq!(
            p("node:8.15.0"),
            ImageArg {
                name: "node".into(),
                new_tag: "8.15.0".into(),
                ..Default::default()
            }
        );
        assert_eq!(
            p("alpine@sha256:24a0"),
            ImageArg {
                name: "alpine".into(),
                digest: "sha256:24a0".into(),
                ..Default::default()
            }
        );
        assert_eq!(
            p("app=registry:5000/team/app:v1@sha256:ab"),
            ImageArg {
                name: "app".into(),
                new_name: "registry:5000/team/app".into(),
                new_tag: "v1".into(),
                digest: "sha256:ab".into(),
            }
        );
        // No registry slash: the first colon starts the tag.
        assert_eq!(split_image("localhost:5000"), ("localhost", "5000", ""));
        assert_eq!(p("mysql=mariadb").new_name, "mariadb");
        assert!(parse_image_arg("nginx").is_err());
    }

    #[test]
    fn argument_errors_are_kustomizes() {
        let e = |r: Result<Edit>| r.unwrap_err().message;
        assert_eq!(e(Edit::set_images(&[])), "no image specified");
        assert_eq!(
            e(Edit::set_namespace(&["a".into(), "b".into()])),
            "must specify exactly one namespace value"
        );
        assert!(e(Edit::set_replicas(&["web=x".into()])).starts_with("invalid format of replica"));
        assert!(e(Edit::set_replicas(&["web=1=2".into()])).starts_with("invalid format"));
        assert_eq!(
            e(Edit::set_labels(&[":v".into()])),
            "invalid label: ':v' (need k:v pair where v may be quoted)"
        );
        assert!(e(Edit::set_annotations(&["-bad:v".into()])).starts_with("invalid annotation key"));
        assert_eq!(
            e(Edit::add_labels(&["a:b".into()], false, false, true)),
            "--without-selector flag must be specified for --include-templates to work"
        );
        assert_eq!(
            e(Edit::add_patch(PatchArg::default())),
            "must provide either patch or path"
        );
        let pairs = parse_pairs(&["a:\"x y\"".into(), "b".into(), "a:z".into()], "label").unwrap();
        assert_eq!(pairs["a"], "z");
        assert_eq!(pairs["b"], "");
        assert_eq!(
            Edit::set_replicas(&["web=+3".into()]).unwrap(),
            Edit::SetReplicas(vec![("web".into(), 3)])
        );
    }
}
