//! Stage 5b: findings rendered for people and for CI: `human` (rustc-style snippets with
//! the source line), `json` (versioned; its fields are listed in the README), `sarif` (GitHub code
//! scanning), `junit` and `github` (workflow annotations). Output is deterministic: the
//! findings arrive sorted and nothing depends on time or the machine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use kforge_value::json;

use crate::validate::{rules::RULES, Finding, Severity};

mod json;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// rustc-style text with source snippets.
    Human,
    /// JSON, schema version 1.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands.
    Github,
}

/// One validated target (an overlay or a set of manifest files) and its findings.
pub struct Target {
    /// How the target was named on the command line.
    pub name: String,
    /// Objects checked.
    pub objects: usize,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// What the reader should know about how the target was judged (a part of other
    /// kustomizations, the neighbouring kustomizations consulted), in order.
    pub notes: Vec<String>,
}

/// The report on `targets` in `format`.
pub fn format_report(format: Format, targets: &[Target], color: bool) -> String {
    format_report_with(
        format,
        targets,
        &ReportOptions {
            color,
            ..ReportOptions::default()
        },
    )
}

/// The report on `targets` in `format`, written as `options` say.
pub fn format_report_with(format: Format, targets: &[Target], options: &ReportOptions) -> String {
    match format {
        Format::Human => human(targets, options.color),
        Format::Json => json::report(targets),
        Format::Sarif => sarif(targets, options),
        Format::Junit => junit(targets),
        Format::Github => github(targets),
    }
}

fn counts(targets: &[Target]) -> (usize, usize, usize) {
    let all = targets.iter().flat_map(|t| &t.findings);
    let n = |s: Severity| all.clone().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

fn human(targets: &[Target], color: bool) -> String {
    let renderer = if color {
        annotate_snippets::Renderer::styled()
    } else {
        annotate_snippets::Renderer::plain()
    };
    // Each file named by a finding is read once; the findings are then written on all
    // cores (each on its own, a few hundred take milliseconds) and joined in order.
    let findings: Vec<&Finding> = targets.iter().flat_map(|t| &t.findings).collect();
    let mut files: Vec<&Path> = findings.iter().map(|f| f.file.as_path()).collect();
    files.sort_unstable();
    files.dedup();
    let read = crate::parallel::map(&files, |p| Source::read(p));
    let sources: BTreeMap<&Path, Option<Source>> = files.into_iter().zip(read).collect();
    let written = crate::parallel::map(&findings, |f| {
        let source = sources.get(f.file.as_path()).and_then(Option::as_ref);
        human_finding(f, source, &renderer)
    });
    let mut out = String::with_capacity(written.iter().map(|w| w.len() + 2).sum::<usize>() + 128);
    for w in &written {
        out.push_str(w);
        out.push_str("\n\n");
    }
    for t in targets {
        for n in &t.notes {
            let _ = writeln!(out, "note: {}: {n}", t.name);
        }
    }
    let (e, w, i) = counts(targets);
    let objects: usize = targets.iter().map(|t| t.objects).sum();
    let _ = writeln!(
        out,
        "kforge: {} target(s), {objects} object(s): {e} error(s), {w} warning(s), {i} info",
        targets.len()
    );
    out
}

/// One finding as rustc-style text: the message, the source line with the spot underlined
/// (or where it is, when the line cannot be shown), and the help.
fn human_finding(
    f: &Finding,
    source: Option<&Source>,
    renderer: &annotate_snippets::Renderer,
) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Snippet};
    let level = match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let path = f.file.display().to_string();
    let title = format!("{} [{}]", f.message, f.object);
    let mut group = Group::with_title(level.primary_title(&title).id(f.rule));
    let snippet = if f.redacted {
        None
    } else {
        source.and_then(|s| line_span(s, f.line, f.column))
    };
    match snippet {
        Some((line_text, span)) => {
            group = group.element(
                Snippet::source(line_text)
                    .line_start(f.line as usize)
                    .path(path.clone())
                    .annotation(AnnotationKind::Primary.span(span)),
            );
        }
        None => {
            group = group.element(Level::NOTE.message(format!(
                "in {path}{}",
                if f.line > 0 {
                    format!(":{}:{}", f.line, f.column)
                } else {
                    String::new()
                }
            )));
        }
    }
    if let Some(h) = &f.help {
        group = group.element(Level::HELP.message(h));
    }
    renderer.render(&[group])
}

/// A file's text with the byte offset of each line, read once for all its findings.
struct Source {
    text: String,
    starts: Vec<usize>,
}

impl Source {
    fn read(path: &Path) -> Option<Source> {
        let text = std::fs::read_to_string(path).ok()?;
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Some(Source { text, starts })
    }

    /// The text of 1-based line `line`, without its line break.
    fn line(&self, line: u32) -> Option<&str> {
        let n = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(n)?;
        let end = self.starts.get(n + 1).copied().unwrap_or(self.text.len());
        if start >= self.text.len() {
            return None;
        }
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

/// The line's text and the span to underline in it (the token at the column).
fn line_span(source: &Source, line: u32, col: u32) -> Option<(&str, std::ops::Range<usize>)> {
    let l = source.line(line)?;
    let chars: Vec<(usize, char)> = l.char_indices().collect();
    let from = chars
        .get(col.saturating_sub(1) as usize)
        .map(|(b, _)| *b)
        .unwrap_or(l.len());
    let rest = &l[from..];
    // A `:` ends the token only as YAML's key indicator (before a space or the line end):
    // `system:auth-delegator` is one plain scalar.
    let key_colon = rest
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| rest[i + 1..].chars().next().is_none_or(char::is_whitespace));
    let len = rest
        .find(|c: char| c.is_whitespace() || c == ',' || c == ']' || c == '}')
        .into_iter()
        .chain(key_colon)
        .min()
        .unwrap_or(rest.len())
        .max(1)
        .min(rest.len().max(1));
    let end = (from + len).min(l.len()).max(from);
    Some((l, from..end))
}

fn uri(p: &Path) -> String {
    p.display().to_string().replace('\\', "/")
}

/// Where the rule pages live when nothing else is said: `<base><ID>.md`.
pub const DEFAULT_DOCS_BASE_URL: &str =
    "https://github.com/kforge-dev/kforge/blob/main/docs/rules/";

/// How a report is written beyond its format.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Colour in the human format.
    pub color: bool,
    /// The absolute URL the SARIF `helpUri` of each rule is made from: `{id}` in it is
    /// replaced by the rule id, else `<ID>.md` is appended (after a `/`).
    pub docs_base_url: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            color: false,
            docs_base_url: DEFAULT_DOCS_BASE_URL.to_owned(),
        }
    }
}

/// Check a docs base URL: it must be absolute (`http://` or `https://` and a host), as
/// GitHub code scanning links `helpUri` as is.
pub fn check_docs_base_url(url: &str) -> crate::Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let problem = match rest {
        None => "is not an absolute http(s) URL",
        Some(r) if r.is_empty() || r.starts_with('/') => "names no host",
        Some(_) if url.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            "contains white space"
        }
        Some(_) => return Ok(()),
    };
    Err(crate::Error::msg(format!(
        "docs base URL `{url}` (--docs-base-url or KFORGE_DOCS_BASE_URL) {problem}; give one like {DEFAULT_DOCS_BASE_URL}"
    )))
}

/// The documentation URL of rule `id` under `base`.
pub fn rule_help_uri(base: &str, id: &str) -> String {
    if base.contains("{id}") {
        base.replace("{id}", id)
    } else if base.ends_with('/') {
        format!("{base}{id}.md")
    } else {
        format!("{base}/{id}.md")
    }
}

/// A finding's location as a SARIF URI reference: a relative path stays relative (code
/// scanning resolves it against the repository root, where the Action runs kforge), `./`
/// dropped; an absolute path becomes a `file://` URI. Bytes outside the unreserved set and
/// `/` are percent-encoded, so a `:` or a space cannot make the path read as something else.
fn sarif_uri(p: &Path) -> String {
    let s = uri(p);
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    let absolute = s.starts_with('/') || p.is_absolute();
    let mut out = String::with_capacity(s.len() + 8);
    if absolute {
        out.push_str("file://");
        if !s.starts_with('/') {
            out.push('/');
        }
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The code-scanning category of a target: `kforge/<target>/`, the target named without a
/// leading `./` or `/` (so `check .` and `check ./` agree), the repository-level target as
/// `kforge/repository/`.
fn automation_id(name: &str) -> String {
    let mut n = name.trim();
    while let Some(rest) = n.strip_prefix("./") {
        n = rest;
    }
    let n = match n.strip_suffix(" (repository)") {
        Some(".") | Some("") => "repository".to_owned(),
        Some(root) => format!("{root}/repository"),
        None => n.to_owned(),
    };
    format!("kforge/{}/", n.trim_matches('/'))
}

/// The stable identity of a finding for code scanning: a hash of the rule, the object id
/// and the JSON pointer (never the line, so an alert survives lines moving), with `:N`
/// counting repeats of the same triple within a run; in a run shared by several targets,
/// the target's name is hashed first (the same base finding in two environments is two
/// alerts).
fn fingerprint(f: &Finding, target: Option<&str>, seen: &mut BTreeMap<String, usize>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in target
        .into_iter()
        .chain([f.rule, f.object.as_str(), f.pointer.as_str()])
    {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(16)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
    let n = seen.entry(hex.clone()).or_insert(0);
    *n += 1;
    format!("{hex}:{n}")
}

/// The first paragraph of a rule page after its title, as one line of plain text.
fn first_paragraph(doc: &str) -> String {
    let body = doc
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty());
    body.take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .replace("**", "")
        .trim_start_matches("What. ")
        .to_owned()
}

/// The most runs GitHub code scanning accepts in one SARIF upload.
const GITHUB_MAX_RUNS: usize = 20;

/// SARIF 2.1.0 for GitHub code scanning: one run per target, each with its own
/// `automationDetails.id` (the category code scanning keeps alerts apart by).
fn sarif(targets: &[Target], options: &ReportOptions) -> String {
    let rules: Vec<_> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.meta.id,
                "name": r.meta.name,
                "shortDescription": {"text": r.meta.summary},
                "fullDescription": {"text": first_paragraph(r.meta.doc)},
                "help": {"text": r.meta.doc, "markdown": r.meta.doc},
                "defaultConfiguration": {"level": sarif_level(r.meta.severity)},
                "helpUri": rule_help_uri(&options.docs_base_url, r.meta.id),
                "properties": {"tags": ["kubernetes"]},
            })
        })
        .collect();
    let index: BTreeMap<&str, usize> = RULES
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meta.id, i))
        .collect();
    // One run (one code-scanning category) per target; past GitHub's limit of runs in one
    // upload, one run for all, each result naming its target.
    let groups: Vec<(String, Vec<&Target>)> = if targets.len() <= GITHUB_MAX_RUNS {
        targets
            .iter()
            .map(|t| (automation_id(&t.name), vec![t]))
            .collect()
    } else {
        vec![("kforge/".to_owned(), targets.iter().collect())]
    };
    let runs: Vec<_> = groups
        .iter()
        .map(|(id, group)| {
            let mut seen = BTreeMap::new();
            let results: Vec<_> = group
                .iter()
                .flat_map(|t| t.findings.iter().map(move |f| (*t, f)))
                .map(|(t, f)| {
                    let target = (group.len() > 1).then_some(t.name.as_str());
                    let mut result = sarif_result(f, fingerprint(f, target, &mut seen));
                    if let Some(i) = index.get(f.rule) {
                        result["ruleIndex"] = json!(i);
                    }
                    if let Some(name) = target {
                        result["properties"] = json!({"target": name});
                    }
                    result
                })
                .collect();
            json!({
                "tool": {"driver": {
                    "name": "kforge",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/kforge-dev/kforge",
                    "rules": rules,
                }},
                "automationDetails": {"id": id},
                "columnKind": "unicodeCodePoints",
                "results": results,
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("serialisable");
    s.push('\n');
    s
}

/// One finding as a SARIF result (without its rule index).
fn sarif_result(f: &Finding, fingerprint: String) -> kforge_value::Value {
    let mut region = kforge_value::Map::new();
    if f.line > 0 {
        region.insert("startLine", json!(f.line));
        region.insert("startColumn", json!(f.column.max(1)));
    }
    let mut physical = kforge_value::Map::new();
    physical.insert("artifactLocation", json!({"uri": sarif_uri(&f.file)}));
    if !region.is_empty() {
        physical.insert("region", region.into());
    }
    json!({
        "ruleId": f.rule,
        "level": sarif_level(f.severity),
        "message": {"text": match &f.help {
            Some(h) => format!("{} ({}). {h}", f.message, f.object),
            None => format!("{} ({})", f.message, f.object),
        }},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{
                "fullyQualifiedName": f.object,
                "kind": "resource",
            }],
        }],
        "partialFingerprints": {"kforgeFinding/v1": fingerprint},
    })
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit(targets: &[Target]) -> String {
    let (e, w, i) = counts(targets);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"kforge\" tests=\"{}\" failures=\"{}\">",
        targets.len(),
        e + w + i
    );
    for t in targets {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            xml(&t.name),
            t.findings.len().max(1),
            t.findings.len()
        );
        if t.findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"all objects valid\"/>",
                xml(&t.name)
            );
        }
        for f in &t.findings {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{} {} {}:{}\">",
                xml(&t.name),
                f.rule,
                xml(&f.object),
                xml(&uri(&f.file)),
                f.line
            );
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}:{}:{}: {}{}</failure>",
                f.severity.as_str(),
                xml(&f.message),
                xml(&uri(&f.file)),
                f.line,
                f.column,
                xml(&f.message),
                f.help
                    .as_ref()
                    .map(|h| format!(" (help: {})", xml(h)))
                    .unwrap_or_default()
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn gh_escape(s: &str, property: bool) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s.replace(':', "%3A").replace(',', "%2C")
    } else {
        s
    }
}

fn github(targets: &[Target]) -> String {
    let mut out = String::new();
    for f in targets.iter().flat_map(|t| &t.findings) {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let msg = match &f.help {
            Some(h) => format!("{} ({}). {h}", f.message, f.object),
            None => format!("{} ({})", f.message, f.object),
        };
        let _ = writeln!(
            out,
            "::{cmd} file={},line={},col={},title={}::{}",
            gh_escape(&uri(&f.file), true),
            f.line.max(1),
            f.column.max(1),
            gh_escape(&format!("{} {}", f.rule, f.message), true),
            gh_escape(&msg, false)
        );
    }
    out
}
