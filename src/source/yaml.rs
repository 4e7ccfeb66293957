//! YAML text to JSON values, with the position of every key and value.
//!
//! The event parser (granit-parser) gives us each scalar's raw text and style, so the
//! scalar typing is ours to choose. Two schemas are needed to match `kubectl kustomize`:
//!
//! * [`Schema::Kyaml`]: how kustomize reads resources and strategic-merge patches
//!   (yaml.v3: only `true`/`false` are booleans, `0755` is octal, dates become RFC 3339
//!   timestamps);
//! * [`Schema::Yaml11`]: how kustomize reads `kustomization.yaml` and YAML-written JSON
//!   patches (sigs.k8s.io/yaml, YAML 1.1: `yes`/`on`/`y` are booleans, dates stay strings).

use crate::hash::HashMap;
use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle};
use kforge_value::{Map, Value};

use super::pointer::push_token;
use super::scalar::resolve_scalar;
use super::spans::NodeKind;
pub use super::spans::{NodeSpan, SpanIndex};

/// Which scalar-typing rules apply to plain scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// yaml.v3 rules, as kustomize applies to resources.
    Kyaml,
    /// YAML 1.1 rules (go-yaml v2), as kustomize applies to kustomization files.
    Yaml11,
}

/// Resource limits for one YAML stream.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Largest number of nodes that aliases may add by expansion.
    pub max_alias_nodes: usize,
    /// Deepest accepted nesting of collections.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024 * 1024,
            max_alias_nodes: 100_000,
            max_depth: 200,
        }
    }
}

/// A 1-based line and column in a source file (column counted in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, starting at 1.
    pub line: u32,
    /// Column, starting at 1.
    pub col: u32,
}

impl Pos {
    fn from_span(span: &Span) -> Pos {
        Pos {
            line: span.start.line() as u32,
            col: span.start.col() as u32 + 1,
        }
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One YAML document converted to JSON.
#[derive(Clone, Debug)]
pub struct Document {
    /// The value of the document.
    pub value: Value,
    /// Positions of its nodes.
    pub spans: SpanIndex,
    /// Position of the document's first node.
    pub start: Pos,
}

/// A YAML error with the position it refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong, in one line.
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for YamlError {}

fn err(pos: Pos, message: impl Into<String>) -> YamlError {
    YamlError {
        pos,
        message: message.into(),
    }
}

enum Frame {
    Map {
        map: Map,
        key: Option<(kforge_value::Key, Pos, bool)>,
        merges: Vec<Value>,
        anchor: usize,
        /// This collection's entry in the span index.
        node: usize,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
        node: usize,
    },
}

/// `/metadata/annotations/<key>` (a List's items are re-read from JSON by kustomize, so
/// their annotations keep no spelling).
fn is_annotation_value(pointer: &str) -> bool {
    pointer
        .strip_prefix("/metadata/annotations/")
        .is_some_and(|key| !key.contains('/'))
}

/// `0755`: an octal number for YAML 1.1 and Go readers, the decimal 755 for YAML 1.2 ones.
fn is_leading_zero_octal(text: &str) -> bool {
    let digits = text.trim_start_matches(['-', '+']);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// What a key written twice in one mapping does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Duplicates {
    /// It is an error (yaml.v3 decoding into a map, as kustomize reads resources).
    Refused,
    /// The last value counts (go-yaml v2).
    LastWins,
}

/// Mappings and lists emptied after their entries moved into a collection of exactly their
/// size: the next collection of a document is built in one of them, so that building grows
/// no vector and shrinks none (a tenth of a build's allocations otherwise). Kept between
/// documents on each thread.
#[derive(Default)]
struct Spare {
    maps: Vec<Map>,
    seqs: Vec<Vec<Value>>,
    /// The span index of the next document, empty (see [`SpanIndex::take_exact`]).
    spans: SpanIndex,
}

impl Spare {
    /// A scratch collection with room for more entries than this is freed rather than kept
    /// (one huge mapping would otherwise stay held by the thread).
    const MAX_ROOM: usize = 1024;
    /// The same for the span index, in nodes (a document of tens of thousands of nodes is
    /// rare; its index is not kept).
    const MAX_SPAN_NODES: usize = 1 << 16;

    /// `map`'s entries in a mapping of exactly their number; `map` is kept for the next one.
    fn map_done(&mut self, mut map: Map) -> Map {
        let exact = map.take_exact();
        if map.capacity() <= Self::MAX_ROOM {
            self.maps.push(map);
        }
        exact
    }

    /// `items` in a list of exactly their number; `items` is kept for the next one.
    fn seq_done(&mut self, mut items: Vec<Value>) -> Vec<Value> {
        let mut exact = Vec::with_capacity(items.len());
        exact.append(&mut items);
        if items.capacity() <= Self::MAX_ROOM {
            self.seqs.push(items);
        }
        exact
    }
}

thread_local! {
    static SPARE: std::cell::RefCell<Spare> = std::cell::RefCell::new(Spare::default());
}

struct Builder {
    spare: Spare,
    duplicates: Duplicates,
    schema: Schema,
    limits: Limits,
    stack: Vec<Frame>,
    spans: SpanIndex,
    anchors: HashMap<usize, (Value, usize)>,
    alias_nodes: usize,
    nodes: usize,
    root: Option<Value>,
    /// How many flow collections (`{...}`, `[...]`) are open.
    flow_depth: usize,
}

fn count_nodes(v: &Value) -> usize {
    let mut n = 0;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        n += 1;
        match v {
            Value::Array(a) => todo.extend(a.iter()),
            Value::Object(m) => todo.extend(m.values()),
            _ => {}
        }
    }
    n
}

/// A null scalar with no text in the source: the parser reports such a node as `~` (or as
/// empty text when it is tagged), but a real `~` has its span on that character.
fn no_text(text: &str, span: &Span, source: &str) -> bool {
    text.is_empty()
        || (text == "~"
            && span
                .start
                .byte_offset()
                .is_none_or(|at| source.as_bytes().get(at) != Some(&b'~')))
}

/// A block scalar (`|`, `>`) whose last line of text ends the source with no line break
/// after it: the parser gives it a final line break that is not there; yaml.v3 (kustomize)
/// does not.
fn block_scalar_at_unterminated_end(
    text: &str,
    style: ScalarStyle,
    span: &Span,
    source: &str,
) -> bool {
    matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
        && text.ends_with('\n')
        && !source.ends_with('\n')
        && span
            .end
            .byte_offset()
            .and_then(|at| source.get(at..))
            .is_some_and(str::is_empty)
        && !source[source.rfind('\n').map_or(0, |i| i + 1)..]
            .trim()
            .is_empty()
}

/// A tab where libyaml (yaml.v3 and go-yaml v2, so kustomize) expects the indentation of a
/// block scalar (`|`, `>`): right after the leading spaces of its first line of text (or of
/// a blank line before it), or of a later line indented less than that first line, up to
/// the first such line with text (which ends the scalar). kustomize fails there ("found a
/// tab character where an indentation space is expected"; with an indentation indicator
/// when it writes the text back). Returns the tab's line (1-based) and column (0-based).
fn tab_in_block_indentation(span: &Span, source: &str) -> Option<(usize, usize)> {
    // The span starts at the first character of text; the header line (`key: |`) and any
    // blank lines after it come before.
    let start = span.start.byte_offset()?;
    let mut body_start = source.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let mut first_line = span.start.line();
    while body_start > 0 {
        let prev_start = source[..body_start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !source[prev_start..body_start - 1].trim().is_empty() {
            break;
        }
        body_start = prev_start;
        first_line -= 1;
    }
    let mut indent: Option<usize> = None;
    for (i, line) in source[body_start..].split('\n').enumerate() {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let rest = line[spaces..].trim_end_matches('\r');
        let below = indent.is_none_or(|n| spaces < n);
        if below && rest.starts_with('\t') {
            return Some((first_line + i, spaces));
        }
        match indent {
            None if !rest.is_empty() => indent = Some(spaces),
            Some(_) if below && !rest.is_empty() => return None,
            _ => {}
        }
    }
    None
}

/// Where a double-quoted scalar uses the escape `\/`: YAML 1.2 has it, libyaml (go-yaml v2
/// and v3, so kustomize) does not and fails.
fn escaped_slash(span: &Span, source: &str) -> Option<Pos> {
    let start = span.start.byte_offset()?;
    let end = span.end.byte_offset()?.min(source.len());
    let text = source.get(start..end)?;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        if bytes[i + 1] == b'/' {
            let before = &text[..i];
            let line = span.start.line() + before.matches('\n').count();
            let col = match before.rfind('\n') {
                Some(nl) => before[nl + 1..].chars().count(),
                None => span.start.col() + before.chars().count(),
            };
            return Some(Pos {
                line: line as u32,
                col: col as u32 + 1,
            });
        }
        i += 2;
    }
    None
}

/// yaml.v3 (kustomize's reader for resources and patches) folds a `>` block with one more
/// line break than YAML says before a more-indented line (one starting with a space or tab)
/// that follows an ordinary line: `one\n  more` reads as `one\n\n  more`. go-yaml v2
/// (kustomization files) follows YAML. `text` is the block as YAML folds it; the lines of
/// the result that start with a blank are exactly its more-indented lines.
fn v3_more_indented(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let blank_led = |l: &str| l.starts_with([' ', '\t']);
    let mut previous_text: Option<&str> = None;
    let mut extra = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        if blank_led(line) && previous_text.is_some_and(|p| !blank_led(p)) {
            extra.push(i);
        }
        previous_text = Some(line);
    }
    if extra.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + extra.len());
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if extra.contains(&i) {
            out.push('\n');
        }
        out.push_str(line);
    }
    Some(out)
}

impl Builder {
    fn new(schema: Schema, limits: Limits, duplicates: Duplicates) -> Self {
        let mut spare = SPARE.with(|s| std::mem::take(&mut *s.borrow_mut()));
        Builder {
            spans: std::mem::take(&mut spare.spans),
            spare,
            duplicates,
            schema,
            limits,
            stack: Vec::new(),
            anchors: HashMap::default(),
            alias_nodes: 0,
            nodes: 0,
            root: None,
            flow_depth: 0,
        }
    }

    /// Record the node about to be attached (its key, if in a mapping); returns its index.
    fn record(&mut self, pos: Pos, kind: NodeKind) -> usize {
        let key = match self.stack.last() {
            Some(Frame::Map {
                key: Some((k, kpos, _)),
                ..
            }) => Some((k.as_str(), *kpos)),
            _ => None,
        };
        self.spans.push(pos, key, kind)
    }

    /// JSON pointer of the node about to be attached (built only when a finding needs it).
    fn child_pointer(&self) -> String {
        let mut p = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Map {
                    key: Some((k, ..)), ..
                } => push_token(&mut p, k),
                Frame::Map { .. } => {}
                Frame::Seq { items, .. } => {
                    p.push('/');
                    p.push_str(&items.len().to_string());
                }
            }
        }
        p
    }

    fn attach(&mut self, value: Value, pos: Pos) -> Result<(), YamlError> {
        let spans = &self.spans;
        match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Map {
                map,
                key,
                merges,
                node,
                ..
            }) => {
                let Some((k, kpos, is_merge)) = key.take() else {
                    return Err(err(pos, "internal: value without key"));
                };
                if is_merge {
                    merges.push(value);
                    return Ok(());
                }
                let k = match map.entry(k) {
                    kforge_value::map::Entry::Vacant(slot) => {
                        slot.insert(value);
                        return Ok(());
                    }
                    kforge_value::map::Entry::Occupied(mut taken) => {
                        if self.duplicates == Duplicates::LastWins {
                            taken.insert(value);
                            return Ok(());
                        }
                        taken.key().clone()
                    }
                };
                let line = spans.key_line(*node, &k).unwrap_or(kpos.line);
                Err(err(
                    kpos,
                    format!("mapping key {k:?} already defined at line {line}"),
                ))
            }
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn set_key(&mut self, k: kforge_value::Key, pos: Pos, is_merge: bool) {
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some((k, pos, is_merge));
        }
    }

    fn count(&mut self, pos: Pos) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.stack.len() > self.limits.max_depth {
            return Err(err(
                pos,
                format!(
                    "nesting deeper than {} levels; flatten the document",
                    self.limits.max_depth
                ),
            ));
        }
        if self.nodes > u32::MAX as usize / 2 {
            return Err(err(pos, "too many nodes in one document; split it"));
        }
        Ok(())
    }

    /// Handle one event; `source` is the text parsed (spans index into it).
    fn event(&mut self, ev: Event<'_>, span: Span, source: &str) -> Result<(), YamlError> {
        let pos = Pos::from_span(&span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(pos)?;
                if style == ScalarStyle::DoubleQuoted {
                    if let Some(at) = escaped_slash(&span, source) {
                        return Err(err(
                            at,
                            "found unknown escape character '\\/' (kustomize's YAML readers do not know it); write '/'",
                        ));
                    }
                }
                if self.expecting_key() {
                    let is_merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                    let typed = if self.schema == Schema::Kyaml
                        && style == ScalarStyle::Plain
                        && tag.is_none()
                        && !is_merge
                    {
                        super::scalar::typed_key(&text)
                    } else {
                        None
                    };
                    if anchor != 0 {
                        // An anchored key may be aliased as a value (`&k key: v`, `*k`).
                        self.anchors
                            .insert(anchor, (Value::String(text.to_string()), 1));
                    }
                    self.set_key(text.into(), pos, is_merge);
                    if let Some(what) = typed {
                        let pointer = self.child_pointer();
                        self.spans.push_typed_key(pointer, pos, what);
                    }
                    return Ok(());
                }
                let core = tag.as_ref().and_then(|t| {
                    t.core_suffix()
                        .or_else(|| {
                            (t.suffix_in_namespace("tag:yaml.org,2002:").as_deref()
                                == Some("binary"))
                            .then_some("binary")
                        })
                        .map(str::to_owned)
                });
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    if let Some((line, col)) = tab_in_block_indentation(&span, source) {
                        return Err(err(
                            Pos {
                                line: line as u32,
                                col: col as u32 + 1,
                            },
                            "found a tab character where an indentation space is expected (kustomize fails too); indent the block's lines with spaces",
                        ));
                    }
                }
                let text = if block_scalar_at_unterminated_end(&text, style, &span, source) {
                    Cow::Owned(text[..text.len() - 1].to_owned())
                } else {
                    text
                };
                let text = match (self.schema, style) {
                    (Schema::Kyaml, ScalarStyle::Folded) => match v3_more_indented(&text) {
                        Some(t) => Cow::Owned(t),
                        None => text,
                    },
                    _ => text,
                };
                let value = match resolve_scalar(&text, style, core.as_deref(), self.schema) {
                    Ok(v) => v,
                    // kustomize writes annotation values out as text before anything
                    // reads `.inf` or `.nan` as a number.
                    Err(_)
                        if self.schema == Schema::Kyaml
                            && super::scalar::is_non_finite(&text)
                            && self.stack.len() == 3
                            && is_annotation_value(&self.child_pointer()) =>
                    {
                        Value::String(text.to_string())
                    }
                    Err(m) => return Err(err(pos, m)),
                };
                if self.schema == Schema::Kyaml
                    && style == ScalarStyle::Plain
                    && tag.is_none()
                    && !super::scalar::is_plain_text(&text)
                    && (super::scalar::resolve_v2(&text).ok().as_ref() != Some(&value)
                        || is_leading_zero_octal(&text))
                {
                    let pointer = self.child_pointer();
                    self.spans.push_yaml11(pointer, text.to_string());
                }
                if self.schema == Schema::Kyaml && value.is_null() && no_text(&text, &span, source)
                {
                    let pointer = self.child_pointer();
                    self.spans.push_empty_null(pointer, self.flow_depth > 0);
                }
                if self.schema == Schema::Kyaml
                    && value.as_str() != Some(&*text)
                    && self.stack.len() == 3
                {
                    let pointer = self.child_pointer();
                    if is_annotation_value(&pointer) {
                        let spelled = if no_text(&text, &span, source) {
                            ""
                        } else {
                            &text
                        };
                        self.spans.push_annotation_text(pointer, spelled.to_owned());
                    }
                }
                self.record(pos, NodeKind::Leaf);
                if anchor != 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.attach(value, pos)
            }
            Event::SequenceStart(style, anchor, _) | Event::MappingStart(style, anchor, _) => {
                self.count(pos)?;
                if style == StructureStyle::Flow {
                    self.flow_depth += 1;
                }
                if self.expecting_key() {
                    return Err(err(
                        pos,
                        "a mapping key that is itself a mapping or sequence is not supported",
                    ));
                }
                if matches!(ev, Event::SequenceStart(..)) {
                    let node = self.record(pos, NodeKind::Seq);
                    self.stack.push(Frame::Seq {
                        items: self.spare.seqs.pop().unwrap_or_default(),
                        anchor,
                        node,
                    });
                } else {
                    let node = self.record(pos, NodeKind::Map);
                    self.stack.push(Frame::Map {
                        map: self.spare.maps.pop().unwrap_or_default(),
                        key: None,
                        merges: Vec::new(),
                        anchor,
                        node,
                    });
                }
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(err(pos, "internal: unbalanced collection end"));
                };
                let (value, anchor, node) = match frame {
                    Frame::Seq {
                        items,
                        anchor,
                        node,
                    } => (Value::Array(self.spare.seq_done(items)), anchor, node),
                    Frame::Map {
                        mut map,
                        merges,
                        anchor,
                        node,
                        ..
                    } => {
                        apply_merges(&mut map, merges).map_err(|m| err(pos, m))?;
                        // Kept for the whole build: without the room it grew into.
                        (Value::Object(self.spare.map_done(map)), anchor, node)
                    }
                };
                self.spans.close(node);
                // A flow collection holds only flow collections.
                self.flow_depth = self.flow_depth.saturating_sub(1);
                if anchor != 0 {
                    let n = count_nodes(&value);
                    self.anchors.insert(anchor, (value.clone(), n));
                }
                self.attach(value, pos)
            }
            Event::Alias(id) => {
                if self.expecting_key() {
                    return Err(err(pos, "an alias used as a mapping key is not supported"));
                }
                let Some((value, n)) = self.anchors.get(&id) else {
                    return Err(err(pos, "alias to an unknown anchor"));
                };
                self.alias_nodes += *n;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(err(
                        pos,
                        format!(
                            "aliases expand to more than {} nodes (an alias bomb?); write the values out",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                let value = value.clone();
                self.record(pos, NodeKind::Leaf);
                self.attach(value, pos)
            }
            _ => Ok(()),
        }
    }
}

fn apply_merges(map: &mut Map, merges: Vec<Value>) -> Result<(), String> {
    for m in merges {
        let sources = match m {
            Value::Object(o) => vec![o],
            Value::Array(items) => {
                let mut v = Vec::new();
                for i in items {
                    match i {
                        Value::Object(o) => v.push(o),
                        _ => {
                            return Err("map merge requires a mapping or a list of mappings".into())
                        }
                    }
                }
                v
            }
            _ => return Err("map merge requires a mapping or a list of mappings".into()),
        };
        for o in sources {
            for (k, v) in o {
                map.entry(k).or_insert(v);
            }
        }
    }
    Ok(())
}

/// Parse a YAML stream into its non-empty documents.
///
/// A large stream is cut at its `---` lines and the pieces are parsed on all cores; the
/// documents and positions are the same as from one pass. Any piece that fails sends the
/// whole stream through one pass, so an error is reported exactly as a serial parse finds it.
pub fn parse_stream(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Vec<Document>, YamlError> {
    let text = within_limit(text, limits)?;
    if schema == Schema::Kyaml {
        refuse_directives(&text)?;
    }
    super::pieces::parse(&text, schema, limits, super::pieces::PIECE_BYTES)
}

/// kustomize reads resources one document at a time, cut at the `---` lines, so a
/// `%YAML` or `%TAG` directive is a document of its own there, which fails ("did not find
/// expected <document start>").
fn refuse_directives(text: &str) -> Result<(), YamlError> {
    if !text.starts_with('%') && !text.contains("\n%") {
        return Ok(());
    }
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("%YAML") || line.starts_with("%TAG") {
            return Err(err(
                Pos {
                    line: i as u32 + 1,
                    col: 1,
                },
                "a %YAML or %TAG directive fails in kustomize, which reads each document on its own; remove it",
            ));
        }
    }
    Ok(())
}

/// The text without byte order marks, if it is not larger than the limit. A BOM may open
/// the stream and every document after a `---` line (kustomize reads each document on its
/// own, and yaml.v3 skips a BOM at the start).
fn within_limit(text: &str, limits: Limits) -> Result<Cow<'_, str>, YamlError> {
    if text.len() > limits.max_bytes {
        return Err(err(
            Pos { line: 1, col: 1 },
            format!(
                "file is {} bytes, larger than the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains("\n\u{feff}") {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut after_marker = false;
    for line in text.split_inclusive('\n') {
        let line = match line.strip_prefix('\u{feff}') {
            Some(rest) if after_marker => rest,
            _ => line,
        };
        after_marker =
            line.starts_with("---") && line[3..].chars().next().is_none_or(char::is_whitespace);
        out.push_str(line);
    }
    Ok(Cow::Owned(out))
}

pub use super::pieces::parse_stream_in_pieces;

/// The stream in one pass of the event parser (no size limit, no BOM handling).
#[doc(hidden)]
pub fn parse_stream_in_one_pass(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Vec<Document>, YamlError> {
    parse_serial(text, schema, limits, Duplicates::Refused)
}

/// [`parse_stream_in_one_pass`] with granit-parser alone, never the fast path (for tests
/// and fuzzing that compare the two).
#[doc(hidden)]
pub fn parse_stream_with_event_parser(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Vec<Document>, YamlError> {
    parse_events(text, schema, limits, Duplicates::Refused)
}

/// One pass over the whole stream.
pub(super) fn parse_serial(
    text: &str,
    schema: Schema,
    limits: Limits,
    duplicates: Duplicates,
) -> Result<Vec<Document>, YamlError> {
    // Most files take the fast path, which yields granit-parser's events for the YAML it
    // reads and gives up on anything else. Its documents are kept only when it read the
    // whole stream without an error: any error is reported as granit-parser's events lead
    // to it.
    let mut fast = Documents::new(schema, limits, duplicates);
    // Room for as many documents as there are `---` lines (a stream of thousands would
    // otherwise be moved a dozen times as it grows), but no more than one per 64 bytes: a
    // stream of empty documents reserves no more than its objects could fill.
    let markers = memchr::memmem::find_iter(text.as_bytes(), b"\n---").count();
    fast.docs.reserve(markers.min(text.len() / 64) + 1);
    let mut failed = false;
    let read = super::fast::events(text, |ev, span| {
        failed = fast.feed(ev, span, text).is_err();
        !failed
    });
    if read && !failed {
        return Ok(fast.docs);
    }
    parse_events(text, schema, limits, duplicates)
}

/// One pass of granit-parser over the whole stream.
fn parse_events(
    text: &str,
    schema: Schema,
    limits: Limits,
    duplicates: Duplicates,
) -> Result<Vec<Document>, YamlError> {
    let mut options = granit_parser::Options::default();
    options.flow_nesting_limit = limits.max_depth.min(255);
    options.block_nesting_limit = limits.max_depth.min(255);
    let parser = Parser::new_from_str_with_options(text, options);
    let mut docs = Documents::new(schema, limits, duplicates);
    for item in parser {
        let (ev, span) = item.map_err(|e| {
            let m = e.marker();
            let info = e.info();
            let message = if info.contains("recursion limit") || info.contains("nesting") {
                format!(
                    "nesting deeper than {} levels ({info}); flatten the document",
                    limits.max_depth.min(255)
                )
            } else {
                info
            };
            err(
                Pos {
                    line: m.line() as u32,
                    col: m.col() as u32 + 1,
                },
                message,
            )
        })?;
        docs.feed(ev, span, text)?;
    }
    Ok(docs.docs)
}

/// The documents built from a stream of parser events.
struct Documents {
    schema: Schema,
    limits: Limits,
    duplicates: Duplicates,
    docs: Vec<Document>,
    /// The document being built.
    building: Option<Builder>,
    start: Pos,
}

impl Documents {
    fn new(schema: Schema, limits: Limits, duplicates: Duplicates) -> Self {
        Documents {
            schema,
            limits,
            duplicates,
            docs: Vec::new(),
            building: None,
            start: Pos { line: 1, col: 1 },
        }
    }

    /// Handle one event; `source` is the text parsed (spans index into it).
    fn feed(&mut self, ev: Event<'_>, span: Span, source: &str) -> Result<(), YamlError> {
        match ev {
            Event::DocumentStart(..) => {
                self.building = Some(Builder::new(self.schema, self.limits, self.duplicates));
                self.start = Pos::from_span(&span);
            }
            Event::DocumentEnd => {
                if let Some(done) = self.building.take() {
                    let Builder {
                        mut spare,
                        mut spans,
                        root,
                        ..
                    } = done;
                    let exact = spans.take_exact();
                    // The scratch collections go back to the thread for its next document.
                    if spans.room() <= Spare::MAX_SPAN_NODES {
                        spare.spans = spans;
                    }
                    SPARE.with(|s| *s.borrow_mut() = spare);
                    match root {
                        None | Some(Value::Null) => {}
                        Some(value) => self.docs.push(Document {
                            value,
                            spans: exact,
                            start: self.start,
                        }),
                    }
                }
            }
            Event::StreamStart | Event::StreamEnd => {}
            other => {
                let Some(builder) = self.building.as_mut() else {
                    return Err(err(Pos::from_span(&span), "content outside a document"));
                };
                if builder.nodes == 0 {
                    self.start = Pos::from_span(&span);
                }
                builder.event(other, span, source)?;
            }
        }
        Ok(())
    }
}

/// Parse a stream that must hold at most one document; `None` for an empty stream.
pub fn parse_single(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Option<Document>, YamlError> {
    one_document(parse_stream(text, schema, limits)?)
}

/// [`parse_single`] for a kustomization file, which kustomize reads with sigs.k8s.io/yaml
/// (go-yaml v2): a key written twice in a mapping is not an error, the last one counts.
pub fn parse_single_last_key_wins(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Option<Document>, YamlError> {
    let docs = parse_serial(
        &within_limit(text, limits)?,
        schema,
        limits,
        Duplicates::LastWins,
    )?;
    one_document(docs)
}

fn one_document(mut docs: Vec<Document>) -> Result<Option<Document>, YamlError> {
    if docs.len() > 1 {
        return Err(err(
            docs[1].start,
            "expected a single YAML document, found more",
        ));
    }
    Ok(docs.pop())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, schema: Schema) -> Value {
        parse_single(text, schema, Limits::default())
            .unwrap()
            .unwrap()
            .value
    }

    #[test]
    fn folded_more_indented_lines_as_yaml_v3_and_v2_read_them() {
        let text = "a: >-\n  one\n    more\n  back\n";
        assert_eq!(one(text, Schema::Kyaml)["a"], "one\n\n  more\nback");
        assert_eq!(one(text, Schema::Yaml11)["a"], "one\n  more\nback");
    }

    #[test]
    fn tabs_where_a_block_scalar_is_indented_are_errors() {
        for text in ["a: |\n  \tx\n", "a: |\n  x\n \ty\n", "a: |-\n  x\n\t\n"] {
            let e = parse_single(text, Schema::Kyaml, Limits::default()).unwrap_err();
            assert!(e.message.contains("tab character"), "{text:?}: {e}");
        }
        assert_eq!(
            one("a: |\n  x\ty\n  \tz\n", Schema::Kyaml)["a"],
            "x\ty\n\tz\n"
        );
    }

    #[test]
    fn kyaml_scalars() {
        let v = one(
            "a: yes\nb: 0755\nc: 1_000\nd: '1'\ne: 1:20\nf: 08\ng: 2024-01-01\nh: 0x1F\ni: ~\nj: 1.0\n",
            Schema::Kyaml,
        );
        assert_eq!(v["a"], "yes");
        assert_eq!(v["b"], 493);
        assert_eq!(v["c"], 1000);
        assert_eq!(v["d"], "1");
        assert_eq!(v["e"], "1:20");
        assert_eq!(v["f"].as_f64(), Some(8.0));
        assert_eq!(v["g"], "2024-01-01T00:00:00Z");
        assert_eq!(v["h"], 31);
        assert_eq!(v["i"], Value::Null);
    }

    #[test]
    fn a_block_scalar_ending_the_text_has_no_final_line_break() {
        assert_eq!(one("a: |\n  x\n  y", Schema::Kyaml)["a"], "x\ny");
        assert_eq!(one("a: >+\n  x", Schema::Yaml11)["a"], "x");
        assert_eq!(one("a: |\n  x\n", Schema::Kyaml)["a"], "x\n");
        assert_eq!(one("a: |\n  x\n  ", Schema::Kyaml)["a"], "x\n");
        assert_eq!(one("a: |\n  x\n# c", Schema::Kyaml)["a"], "x\n");
    }

    #[test]
    fn a_key_written_twice_keeps_its_last_value_where_allowed() {
        let text = "a: 1\nb: {c: 1}\na: 2\n";
        assert!(parse_single(text, Schema::Yaml11, Limits::default()).is_err());
        let d = parse_single_last_key_wins(text, Schema::Yaml11, Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(d.value["a"], 2);
        assert_eq!(d.spans.get("/a").unwrap().value.line, 3);
    }

    #[test]
    fn nulls_without_text_are_recorded() {
        let d = parse_single(
            "a:\nb: ~\nc: null\nd: {e: , f: ~}\ng:\n- \n- ~\nh: !!null\n",
            Schema::Kyaml,
            Limits::default(),
        )
        .unwrap()
        .unwrap();
        let got: Vec<(&str, bool)> = d
            .spans
            .empty_nulls()
            .iter()
            .map(|e| (e.pointer.as_str(), e.in_flow))
            .collect();
        assert_eq!(
            got,
            [
                ("/a", false),
                ("/d/e", true),
                ("/g/0", false),
                ("/h", false)
            ]
        );
    }

    #[test]
    fn yaml11_scalars() {
        let v = one(
            "a: yes\nb: 'on'\nc: NO\nd: 2024-01-01\ne: y\n",
            Schema::Yaml11,
        );
        assert_eq!(v["a"], true);
        assert_eq!(v["b"], "on");
        assert_eq!(v["c"], false);
        assert_eq!(v["d"], "2024-01-01");
        assert_eq!(v["e"], true);
    }

    #[test]
    fn spans_and_duplicates() {
        let d = parse_single(
            "a:\n  b: [1, 2]\n  c: x\n",
            Schema::Kyaml,
            Limits::default(),
        )
        .unwrap()
        .unwrap();
        let s = d.spans.get("/a/c").unwrap();
        assert_eq!(s.value, Pos { line: 3, col: 6 });
        assert_eq!(s.key, Some(Pos { line: 3, col: 3 }));
        assert_eq!(
            d.spans.get("/a/b/1").unwrap().value,
            Pos { line: 2, col: 10 }
        );
        let e = parse_single("a: 1\nb: 2\na: 3\n", Schema::Kyaml, Limits::default()).unwrap_err();
        assert_eq!(e.pos.line, 3);
        assert!(e.message.contains("already defined at line 1"));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse_stream(&s, Schema::Kyaml, Limits::default()).unwrap_err();
        assert!(e.message.contains("alias"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(100_000);
        assert!(parse_stream(&s, Schema::Kyaml, Limits::default()).is_err());
        let s: String = (0..100_000).map(|_| "- ").collect();
        assert!(parse_stream(&s, Schema::Kyaml, Limits::default()).is_err());
    }

    /// Streams whose `---` lines are not all plain document boundaries, or that fail.
    const TRICKY: &[&str] = &[
        "a: 1\n---\nb: 2\n--- # comment\nc: 3\n---\t\nd: [1,\n  2]\n",
        "--- |\n  text\n--- >\n  folded\n---\nx: 1\n",
        "--- |\nfoo\n--- bar\n",
        "a: \"multi\n---\nline\"\n---\nb: 1\n",
        "a: [1,\n---\nb: 2]\n",
        "a: &x {k: v}\n---\nb: *x\n",
        "a: 1\r\n---\r\nb: 2\r\n---\r\nc: 3\r\n",
        "a: 1\r---\rb: 2\n",
        "%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n",
        "a: 1\n...\n---\nb: 2\n...\n# end\n---\n",
        "---a: 1\n---\n----\n--- -x\n---\n- y\n",
        "a: 1\n---\na: 2\nb: 3\na: 4\n",
        "k: |\n  ---\n  kept\n---\nz: 0755\n",
        "|\n---",
        "a: >\n\n---\nb: |-\n---\n",
    ];

    #[test]
    fn pieces_parse_exactly_like_one_pass() {
        for text in TRICKY {
            for schema in [Schema::Kyaml, Schema::Yaml11] {
                let one = format!(
                    "{:?}",
                    parse_stream_in_one_pass(text, schema, Limits::default())
                );
                for piece in [1, 4, 16] {
                    let pieces = parse_stream_in_pieces(text, schema, Limits::default(), piece);
                    assert_eq!(format!("{pieces:?}"), one, "{text:?} in pieces of {piece}");
                }
            }
        }
        // A large stream is really cut: positions come back shifted to the whole file.
        let doc = "kind: ConfigMap\ndata:\n  k: v\n";
        let text: String = (0..20_000)
            .map(|i| format!("---\n{doc}  i: \"{i}\"\n"))
            .collect();
        assert!(
            crate::source::pieces::split_documents(&text, crate::source::pieces::PIECE_BYTES).len()
                > 1
        );
        let docs = parse_stream(&text, Schema::Kyaml, Limits::default()).unwrap();
        assert_eq!(docs.len(), 20_000);
        assert_eq!(docs[19_999].value["data"]["i"], "19999");
        assert_eq!(docs[19_999].start.line, 19_999 * 5 + 2);
        assert_eq!(
            docs[19_999].spans.get("/data/i").unwrap().value.line,
            19_999 * 5 + 5
        );
    }

    #[test]
    fn merge_keys_and_multi_docs() {
        let docs = parse_stream(
            "---\n# only a comment\n---\nbase: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n---\n",
            Schema::Kyaml,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].value["m"], kforge_value::json!({"x": 1, "y": 3}));
    }
}
