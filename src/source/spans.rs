//! Where every node of a parsed YAML document sits in its file ([`SpanIndex`]), kept as a
//! node-ordered tree and looked up by JSON pointer only when a finding or patch asks.

use super::yaml::Pos;

/// Where a node sits in its file: the key (for mapping values) and the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpan {
    /// Position of the mapping key, when the node is a mapping value.
    pub key: Option<Pos>,
    /// Position of the value itself.
    pub value: Pos,
}

/// A null written with no text at all (`key:` with nothing after it). kyaml keeps it as a
/// node with empty text: a strategic merge drops it where it walks, and inside a flow
/// collection (`{a: }`) it is written back, and so read again, as `''`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyNull {
    /// Where it is (a JSON pointer).
    pub pointer: String,
    /// Inside a flow collection.
    pub in_flow: bool,
}

/// Where every node of a document sits in its file, found by JSON pointer (RFC 6901).
///
/// The nodes are kept in document order (a pre-order walk), each with the index just past
/// its subtree, and mapping keys are copied into one shared string; a pointer is resolved
/// by walking that tree, so no pointer string is built per node while parsing.
#[derive(Clone, Debug, Default)]
pub struct SpanIndex {
    nodes: Vec<SpanNode>,
    keys: String,
    yaml11: Vec<(String, String)>,
    empty_nulls: Vec<EmptyNull>,
    annotation_texts: Vec<(String, String)>,
    typed_keys: Vec<TypedKey>,
}

/// A mapping key written plain that kustomize's YAML reader types as something other than
/// a string (`1:`, `true:`, `null:`, `2001-12-14:`); kustomize fails on such an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedKey {
    /// The pointer of the value under the key.
    pub pointer: String,
    /// Where the key is.
    pub pos: Pos,
    /// What the key is read as: `number`, `boolean`, `null` or `timestamp`.
    pub what: &'static str,
}

impl TypedKey {
    /// The key as written.
    pub fn key(&self) -> String {
        let last = self.pointer.rsplit('/').next().unwrap_or_default();
        last.replace("~1", "/").replace("~0", "~")
    }

    /// Why kustomize cannot build an object with this key, and the fix.
    pub fn message(&self) -> String {
        typed_key_message(&self.key(), self.what, true)
    }
}

/// Why kustomize fails on a mapping key its YAML reader types as `what`, and the fix:
/// quoting the key where it is written in a resource or patch (`quotable`), else another key
/// (kustomize writes label, annotation and generated data keys unquoted).
pub fn typed_key_message(key: &str, what: &str, quotable: bool) -> String {
    let fix = if quotable {
        format!("quote it (\"{key}\")")
    } else {
        "kustomize writes it unquoted, so choose a key that does not read as one".to_owned()
    };
    format!(
        "the key '{key}' is read as a {what}, not a string, and kustomize cannot build an object with such a key (json: unsupported type); {fix}"
    )
}

#[derive(Clone, Copy, Debug)]
struct SpanNode {
    value: Pos,
    /// Position of the mapping key; `line == 0` when the node is not a mapping value.
    key: Pos,
    /// The key's text in [`SpanIndex::keys`].
    key_start: u32,
    key_len: u32,
    /// Index one past the last node of this node's subtree.
    end: u32,
    kind: NodeKind,
}

/// What kind of node a span belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NodeKind {
    /// A scalar or an alias.
    Leaf,
    /// A mapping.
    Map,
    /// A sequence.
    Seq,
}

/// A pointer token as written (`~0`, `~1` escaped), compared with a key without copying.
fn token_is(token: &str, key: &str) -> bool {
    if !token.contains('~') {
        return token == key;
    }
    let mut key = key.chars();
    let mut t = token.chars();
    while let Some(c) = t.next() {
        let c = match (c, c == '~') {
            (_, true) => match t.next() {
                Some('0') => '~',
                Some('1') => '/',
                _ => return false,
            },
            (c, false) => c,
        };
        if key.next() != Some(c) {
            return false;
        }
    }
    key.next().is_none()
}

/// A sequence index as RFC 6901 writes it: decimal, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    if !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

impl SpanIndex {
    /// Record a node (with its mapping key and the key's position, if any); returns its
    /// index. A collection's subtree ends at [`SpanIndex::close`].
    pub(super) fn push(&mut self, value: Pos, key: Option<(&str, Pos)>, kind: NodeKind) -> usize {
        let i = self.nodes.len();
        let (key, key_start, key_len) = match key {
            Some((k, pos)) => {
                let start = self.keys.len();
                self.keys.push_str(k);
                (pos, start as u32, k.len() as u32)
            }
            None => (Pos::default(), 0, 0),
        };
        self.nodes.push(SpanNode {
            value,
            key,
            key_start,
            key_len,
            end: i as u32 + 1,
            kind,
        });
        i
    }

    /// The index moved into one of exactly its size; this one is left empty with the room
    /// it had, for the next document (a builder's scratch index).
    pub(super) fn take_exact(&mut self) -> SpanIndex {
        let mut nodes = Vec::with_capacity(self.nodes.len());
        nodes.append(&mut self.nodes);
        let mut keys = String::with_capacity(self.keys.len());
        keys.push_str(&self.keys);
        self.keys.clear();
        SpanIndex {
            nodes,
            keys,
            yaml11: std::mem::take(&mut self.yaml11),
            empty_nulls: std::mem::take(&mut self.empty_nulls),
            annotation_texts: std::mem::take(&mut self.annotation_texts),
            typed_keys: std::mem::take(&mut self.typed_keys),
        }
    }

    /// How many nodes it has room for without growing.
    pub(super) fn room(&self) -> usize {
        self.nodes.capacity()
    }

    /// The collection `node` is complete: its subtree ends with the last node recorded.
    pub(super) fn close(&mut self, node: usize) {
        self.nodes[node].end = self.nodes.len() as u32;
    }

    /// Line of the first child of the still open mapping `node` with key `key`.
    pub(super) fn key_line(&self, node: usize, key: &str) -> Option<u32> {
        let mut c = node + 1;
        while c < self.nodes.len() {
            let n = &self.nodes[c];
            if self.key_of(n) == key {
                return Some(n.key.line);
            }
            c = n.end as usize;
        }
        None
    }

    /// Record a plain scalar that YAML 1.1 readers type differently.
    pub(super) fn push_yaml11(&mut self, pointer: String, text: String) {
        self.yaml11.push((pointer, text));
    }

    /// Record a null written with no text at all (`key:`).
    pub(super) fn push_empty_null(&mut self, pointer: String, in_flow: bool) {
        self.empty_nulls.push(EmptyNull { pointer, in_flow });
    }

    /// Record how a scalar annotation value that is not a string was written.
    pub(super) fn push_annotation_text(&mut self, pointer: String, text: String) {
        self.annotation_texts.push((pointer, text));
    }

    /// Record a plain key that is typed as something other than a string.
    pub(super) fn push_typed_key(&mut self, pointer: String, pos: Pos, what: &'static str) {
        self.typed_keys.push(TypedKey { pointer, pos, what });
    }

    /// Move every position down by `lines`.
    pub(super) fn shift_lines(&mut self, lines: u32) {
        for n in &mut self.nodes {
            n.value.line += lines;
            if n.key.line != 0 {
                n.key.line += lines;
            }
        }
        for k in &mut self.typed_keys {
            k.pos.line += lines;
        }
    }

    fn span(&self, i: usize) -> NodeSpan {
        let n = &self.nodes[i];
        NodeSpan {
            key: (n.key.line != 0).then_some(n.key),
            value: n.value,
        }
    }

    fn key_of(&self, n: &SpanNode) -> &str {
        &self.keys[n.key_start as usize..(n.key_start + n.key_len) as usize]
    }

    /// The child of node `i` named by one pointer token.
    fn child(&self, i: usize, token: &str) -> Option<usize> {
        let node = &self.nodes[i];
        let mut c = i + 1;
        match node.kind {
            NodeKind::Leaf => None,
            NodeKind::Seq => {
                let want = array_index(token)?;
                for _ in 0..want {
                    if c >= node.end as usize {
                        return None;
                    }
                    c = self.nodes[c].end as usize;
                }
                (c < node.end as usize).then_some(c)
            }
            NodeKind::Map => {
                // The last match: a key written twice counts once, with its last value,
                // where duplicates are allowed (kustomization files).
                let mut found = None;
                while c < node.end as usize {
                    if token_is(token, self.key_of(&self.nodes[c])) {
                        found = Some(c);
                    }
                    c = self.nodes[c].end as usize;
                }
                found
            }
        }
    }

    /// Walk `pointer` as far as it goes: the deepest node reached, and whether it is the
    /// node `pointer` names.
    fn walk(&self, pointer: &str) -> Option<(usize, bool)> {
        if self.nodes.is_empty() {
            return None;
        }
        if pointer.is_empty() {
            return Some((0, true));
        }
        let rest = pointer.strip_prefix('/')?;
        let mut at = 0;
        for token in rest.split('/') {
            match self.child(at, token) {
                Some(c) => at = c,
                None => return Some((at, false)),
            }
        }
        Some((at, true))
    }

    /// The span of the node at `pointer`, if it came from the source text.
    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        match self.walk(pointer)? {
            (i, true) => Some(self.span(i)),
            _ => None,
        }
    }

    /// The span of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn nearest(&self, pointer: &str) -> Option<NodeSpan> {
        self.walk(pointer).map(|(i, _)| self.span(i))
    }

    /// [`SpanIndex::nearest`], and whether it is the node at `pointer` itself (what
    /// [`SpanIndex::get`] would say), from one walk.
    pub fn nearest_exact(&self, pointer: &str) -> Option<(NodeSpan, bool)> {
        self.walk(pointer).map(|(i, exact)| (self.span(i), exact))
    }

    /// Plain scalars that YAML 1.1 readers (kubectl apply, go-yaml v2) type differently
    /// from the yaml.v3 rules kustomize uses: `(pointer, text)`, in document order.
    pub fn yaml11_differences(&self) -> &[(String, String)] {
        &self.yaml11
    }

    /// Annotation values (`metadata.annotations.<key>` of the document's object) that are
    /// numbers, booleans, nulls or timestamps, with the text they were written as: `(pointer, text)`.
    /// kustomize writes annotation values as strings spelled as in the file (`0x1F`, `~`).
    pub fn annotation_texts(&self) -> &[(String, String)] {
        &self.annotation_texts
    }

    /// Plain mapping keys typed as something other than strings, in document order.
    pub fn typed_keys(&self) -> &[TypedKey] {
        &self.typed_keys
    }

    /// The nulls written with no text at all, in document order.
    pub fn empty_nulls(&self) -> &[EmptyNull] {
        &self.empty_nulls
    }

    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::{parse_single, Limits, Pos, Schema};

    #[test]
    fn pointers_resolve_through_the_tree() {
        let d = parse_single(
            "a/b:\n  c~d: [x, {y: 1}]\n  '': empty\nl: [[0, 1], [2]]\n",
            Schema::Kyaml,
            Limits::default(),
        )
        .unwrap()
        .unwrap();
        let at = |p: &str| d.spans.get(p).map(|s| (s.value.line, s.value.col));
        assert_eq!(at(""), Some((1, 1)));
        assert_eq!(at("/a~1b/c~0d/1/y"), Some((2, 16)));
        assert_eq!(at("/a~1b/"), Some((3, 7)));
        assert_eq!(at("/l/1/0"), Some((4, 14)));
        assert_eq!(at("/l/01"), None, "not an RFC 6901 index");
        assert_eq!(at("/l/2"), None);
        assert_eq!(at("/a/b"), None);
        assert_eq!(at("/a~1b/c~2d"), None, "not an escape");
        let near = d.spans.nearest("/l/0/7/x").unwrap();
        assert_eq!((near.value.line, near.value.col), (4, 5));
        assert_eq!(
            d.spans.get("/a~1b/c~0d").unwrap().key,
            Some(Pos { line: 2, col: 3 })
        );
        assert_eq!(d.spans.len(), 13);
    }
}
