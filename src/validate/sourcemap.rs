//! Where a finding points: the line a person must edit. A node written by a patch points
//! into the patch (the most recent patch that wrote it or an ancestor); anything else
//! points into the file the object was read from, at the node or its nearest ancestor.

use std::path::PathBuf;

use crate::resource::Resource;
use crate::source::Pos;

/// Which part of a `key: value` pair to point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The key (unknown or misspelt fields).
    Key,
    /// The value (wrong values).
    Value,
}

/// A resolved position.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file to edit.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub col: u32,
}

fn is_prefix(prefix: &str, pointer: &str) -> bool {
    pointer == prefix
        || (pointer.starts_with(prefix) && pointer.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// The position to report of what a walk found (its span, and whether it is the node asked
/// for itself): the key's when the anchor asks for it and the node itself was found.
fn pick(found: Option<(crate::source::NodeSpan, bool)>, anchor: Anchor) -> Option<Pos> {
    found.map(|(s, exact)| match anchor {
        Anchor::Key if exact => s.key.unwrap_or(s.value),
        _ => s.value,
    })
}

/// Locate `pointer` (in the object as built) in the source files.
pub fn locate(r: &Resource, pointer: &str, anchor: Anchor) -> Location {
    let written = r
        .written
        .iter()
        .filter(|w| is_prefix(&w.pointer, pointer))
        // the deepest entry; among equally deep ones the last (most recent) patch
        .max_by_key(|w| w.pointer.len());
    if let Some(w) = written {
        let rest = &pointer[w.pointer.len()..];
        let pos = match &w.spans {
            Some(spans) => {
                let found = if w.exact_below {
                    spans.nearest_exact(&format!("{}{rest}", w.src_pointer))
                } else {
                    spans
                        .nearest(&w.src_pointer)
                        .map(|span| (span, rest.is_empty()))
                };
                pick(found, anchor).or(w.pos)
            }
            None => w.pos,
        };
        return at(w.file.clone(), pos);
    }
    let full = match r.origin.item {
        Some(j) => std::borrow::Cow::Owned(format!("/items/{j}{pointer}")),
        None => std::borrow::Cow::Borrowed(pointer),
    };
    at(
        r.origin.file.clone(),
        pick(r.spans.nearest_exact(&full), anchor),
    )
}

fn at(file: PathBuf, pos: Option<Pos>) -> Location {
    let (line, col) = pos.map(|p| (p.line, p.col)).unwrap_or((0, 0));
    Location { file, line, col }
}
