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

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Value};

use super::pointer::push_token;
use super::scalar::resolve_scalar;

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

/// Where a node sits in its file: the key (for mapping values) and the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpan {
    /// Position of the mapping key, when the node is a mapping value.
    pub key: Option<Pos>,
    /// Position of the value itself.
    pub value: Pos,
}

/// JSON pointer (RFC 6901) of every node in a document, mapped to its position.
#[derive(Clone, Debug, Default)]
pub struct SpanIndex {
    spans: HashMap<String, NodeSpan>,
    yaml11: Vec<(String, String)>,
}

impl SpanIndex {
    /// The span of the node at `pointer`, if it came from the source text.
    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        self.spans.get(pointer).copied()
    }

    /// The span of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn nearest(&self, pointer: &str) -> Option<NodeSpan> {
        let mut p = pointer;
        loop {
            if let Some(s) = self.spans.get(p) {
                return Some(*s);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// Plain scalars that YAML 1.1 readers (kubectl apply, go-yaml v2) type differently
    /// from the yaml.v3 rules kustomize uses: `(pointer, text)`, in document order.
    pub fn yaml11_differences(&self) -> &[(String, String)] {
        &self.yaml11
    }

    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
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
        map: Map<String, Value>,
        key: Option<(String, Pos, bool)>,
        merges: Vec<Value>,
        anchor: usize,
        pointer_len: usize,
        key_lines: HashMap<String, u32>,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
        pointer_len: usize,
    },
}

/// `0755`: an octal number for YAML 1.1 and Go readers, the decimal 755 for YAML 1.2 ones.
fn is_leading_zero_octal(text: &str) -> bool {
    let digits = text.trim_start_matches(['-', '+']);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

struct Builder {
    yaml11: Vec<(String, String)>,
    schema: Schema,
    limits: Limits,
    stack: Vec<Frame>,
    pointer: String,
    spans: HashMap<String, NodeSpan>,
    anchors: HashMap<usize, (Value, usize)>,
    alias_nodes: usize,
    nodes: usize,
    root: Option<Value>,
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

impl Builder {
    fn new(schema: Schema, limits: Limits) -> Self {
        Builder {
            schema,
            limits,
            stack: Vec::new(),
            pointer: String::new(),
            spans: HashMap::new(),
            yaml11: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            nodes: 0,
            root: None,
        }
    }

    /// Pointer of the node about to be attached, and the key position if in a mapping.
    fn child_pointer(&self) -> (String, Option<Pos>) {
        let mut p = self.pointer.clone();
        match self.stack.last() {
            Some(Frame::Map {
                key: Some((k, kpos, _)),
                ..
            }) => {
                push_token(&mut p, k);
                (p, Some(*kpos))
            }
            Some(Frame::Seq { items, .. }) => {
                p.push('/');
                p.push_str(&items.len().to_string());
                (p, None)
            }
            _ => (p, None),
        }
    }

    fn record(&mut self, pos: Pos) -> String {
        let (p, key) = self.child_pointer();
        self.spans.insert(p.clone(), NodeSpan { key, value: pos });
        p
    }

    fn attach(&mut self, value: Value, pos: Pos) -> Result<(), YamlError> {
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
                key_lines,
                ..
            }) => {
                let Some((k, kpos, is_merge)) = key.take() else {
                    return Err(err(pos, "internal: value without key"));
                };
                if is_merge {
                    merges.push(value);
                    return Ok(());
                }
                if let Some(line) = key_lines.get(&k) {
                    return Err(err(
                        kpos,
                        format!("mapping key {k:?} already defined at line {line}"),
                    ));
                }
                key_lines.insert(k.clone(), kpos.line);
                map.insert(k, value);
                Ok(())
            }
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn set_key(&mut self, k: String, pos: Pos, is_merge: bool) {
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
        Ok(())
    }

    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = Pos::from_span(&span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(pos)?;
                if self.expecting_key() {
                    let is_merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                    self.set_key(text.into_owned(), pos, is_merge);
                    return Ok(());
                }
                let core = tag
                    .as_ref()
                    .and_then(|t| t.core_suffix().map(str::to_owned));
                let value = resolve_scalar(&text, style, core.as_deref(), self.schema)
                    .map_err(|m| err(pos, m))?;
                let pointer = self.record(pos);
                if self.schema == Schema::Kyaml
                    && style == ScalarStyle::Plain
                    && tag.is_none()
                    && (super::scalar::resolve_v2(&text).ok().as_ref() != Some(&value)
                        || is_leading_zero_octal(&text))
                {
                    self.yaml11.push((pointer, text.to_string()));
                }
                if anchor != 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.attach(value, pos)
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                self.count(pos)?;
                if self.expecting_key() {
                    return Err(err(
                        pos,
                        "a mapping key that is itself a mapping or sequence is not supported",
                    ));
                }
                let p = self.record(pos);
                let pointer_len = self.pointer.len();
                self.pointer = p;
                if matches!(ev, Event::SequenceStart(..)) {
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        pointer_len,
                    });
                } else {
                    self.stack.push(Frame::Map {
                        map: Map::new(),
                        key: None,
                        merges: Vec::new(),
                        anchor,
                        pointer_len,
                        key_lines: HashMap::new(),
                    });
                }
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(err(pos, "internal: unbalanced collection end"));
                };
                let (value, anchor, pointer_len) = match frame {
                    Frame::Seq {
                        items,
                        anchor,
                        pointer_len,
                    } => (Value::Array(items), anchor, pointer_len),
                    Frame::Map {
                        mut map,
                        merges,
                        anchor,
                        pointer_len,
                        ..
                    } => {
                        apply_merges(&mut map, merges).map_err(|m| err(pos, m))?;
                        (Value::Object(map), anchor, pointer_len)
                    }
                };
                self.pointer.truncate(pointer_len);
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
                self.record(pos);
                self.attach(value, pos)
            }
            _ => Ok(()),
        }
    }
}

fn apply_merges(map: &mut Map<String, Value>, merges: Vec<Value>) -> Result<(), String> {
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
pub fn parse_stream(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Vec<Document>, YamlError> {
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
    let mut options = granit_parser::Options::default();
    options.flow_nesting_limit = limits.max_depth.min(255);
    options.block_nesting_limit = limits.max_depth.min(255);
    let parser = Parser::new_from_str_with_options(text, options);
    let mut docs = Vec::new();
    let mut b: Option<Builder> = None;
    let mut start = Pos { line: 1, col: 1 };
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
        match ev {
            Event::DocumentStart(..) => {
                b = Some(Builder::new(schema, limits));
                start = Pos::from_span(&span);
            }
            Event::DocumentEnd => {
                if let Some(done) = b.take() {
                    match done.root {
                        None | Some(Value::Null) => {}
                        Some(value) => docs.push(Document {
                            value,
                            spans: SpanIndex {
                                spans: done.spans,
                                yaml11: done.yaml11,
                            },
                            start,
                        }),
                    }
                }
            }
            Event::StreamStart | Event::StreamEnd => {}
            other => {
                let Some(builder) = b.as_mut() else {
                    return Err(err(Pos::from_span(&span), "content outside a document"));
                };
                if builder.nodes == 0 {
                    start = Pos::from_span(&span);
                }
                builder.event(other, span)?;
            }
        }
    }
    Ok(docs)
}

/// Parse a stream that must hold at most one document; `None` for an empty stream.
pub fn parse_single(
    text: &str,
    schema: Schema,
    limits: Limits,
) -> Result<Option<Document>, YamlError> {
    let mut docs = parse_stream(text, schema, limits)?;
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

    #[test]
    fn merge_keys_and_multi_docs() {
        let docs = parse_stream(
            "---\n# only a comment\n---\nbase: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n---\n",
            Schema::Kyaml,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].value["m"], serde_json::json!({"x": 1, "y": 3}));
    }
}
