//! A YAML document kept as yaml.v3 keeps it (scalar styles and tags, flow or block
//! collections, comments), and written back as kyaml's encoder writes it. Only the
//! constructs listed in the parent module are read; anything else is refused by name.

use kforge_value::{Map as JsonMap, Value};

use super::Tag;
use crate::source::scalar::plain_value;

/// A full-line comment and whether a blank line followed it (yaml.v3 keeps that one).
#[derive(Clone, Debug)]
struct Comment {
    text: String,
    col: usize,
    blank_after: bool,
}

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// A scalar: its text, style and tag.
#[derive(Clone, Debug)]
pub struct Scalar {
    /// The value's text.
    pub text: String,
    style: Style,
    /// The tag it resolved to when read (kept when only the text changes).
    pub tag: Tag,
}

/// One node of the document.
#[derive(Clone, Debug)]
pub enum Node {
    /// A scalar.
    Scalar(Scalar),
    /// A mapping.
    Map(Mapping),
    /// A sequence.
    Seq(Sequence),
}

/// A mapping, block or flow.
#[derive(Clone, Debug)]
pub struct Mapping {
    flow: bool,
    entries: Vec<Entry>,
    foot: Vec<Comment>,
}

#[derive(Clone, Debug)]
struct Entry {
    head: Vec<Comment>,
    key: Scalar,
    line: Option<String>,
    value: Node,
}

/// A sequence, block or flow.
#[derive(Clone, Debug)]
pub struct Sequence {
    flow: bool,
    items: Vec<Item>,
    foot: Vec<Comment>,
}

#[derive(Clone, Debug)]
struct Item {
    head: Vec<Comment>,
    line: Option<String>,
    value: Node,
}

/// A parsed document.
pub struct Doc {
    root: Node,
    head: Vec<Comment>,
}

type R<T> = std::result::Result<T, String>;

#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    /// The line after its indentation, right-trimmed.
    text: &'a str,
    raw: &'a str,
}

impl Line<'_> {
    fn blank(&self) -> bool {
        self.text.is_empty()
    }
    fn comment(&self) -> bool {
        self.text.starts_with('#')
    }
    fn dash(&self) -> bool {
        self.text == "-" || self.text.starts_with("- ")
    }
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    i: usize,
    pending: Vec<Comment>,
}

/// Where a plain key ends: the `:` followed by a space or the end of the line.
fn key_end(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    if b.is_empty()
        || b"[]{}#&*!|>'\"%@`?-,".contains(&b[0]) && !(b[0] == b'-' && b.len() > 1 && b[1] != b' ')
    {
        return None;
    }
    (0..b.len()).find(|&i| b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' '))
}

/// A quoted scalar at the start of `s`: its value and the length it takes.
fn quoted(s: &str) -> R<Option<(Scalar, usize)>> {
    let b = s.as_bytes();
    match b.first() {
        Some(b'\'') => {
            let mut out = String::new();
            let mut i = 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        out.push('\'');
                        i += 2;
                        continue;
                    }
                    let text = out;
                    let s = Scalar {
                        text,
                        style: Style::Single,
                        tag: Tag::Str,
                    };
                    return Ok(Some((s, i + 1)));
                }
                let c = s[i..].chars().next().expect("in bounds");
                out.push(c);
                i += c.len_utf8();
            }
            Err("quoted scalars over several lines".into())
        }
        Some(b'"') => {
            let mut out = String::new();
            let mut chars = s[1..].char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        let s = Scalar {
                            text: out,
                            style: Style::Double,
                            tag: Tag::Str,
                        };
                        return Ok(Some((s, i + 2)));
                    }
                    '\\' => {
                        let (_, e) = chars.next().ok_or("quoted scalars over several lines")?;
                        let hex = |n: usize, chars: &mut std::str::CharIndices| -> R<char> {
                            let h: String = (0..n)
                                .filter_map(|_| chars.next().map(|(_, c)| c))
                                .collect();
                            u32::from_str_radix(&h, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| "an invalid escape".to_owned())
                        };
                        out.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            '"' => '"',
                            '\\' => '\\',
                            '/' => '/',
                            ' ' => ' ',
                            'x' => hex(2, &mut chars)?,
                            'u' => hex(4, &mut chars)?,
                            'U' => hex(8, &mut chars)?,
                            _ => return Err("an escape kforge does not read".into()),
                        });
                    }
                    c => out.push(c),
                }
            }
            Err("quoted scalars over several lines".into())
        }
        _ => Ok(None),
    }
}

/// A comment after a value on its line: `rest` is what follows the value.
fn trailing_comment(rest: &str) -> R<Option<String>> {
    let t = rest.trim();
    if t.is_empty() {
        Ok(None)
    } else if t.starts_with('#') {
        Ok(Some(t.to_owned()))
    } else {
        Err("text after a value".into())
    }
}

/// A plain scalar's text on one line, and the comment after it.
fn plain(s: &str) -> (String, Option<String>) {
    let cut = s
        .char_indices()
        .find(|&(i, c)| c == '#' && i > 0 && s[..i].ends_with([' ', '\t']))
        .map(|(i, _)| i);
    match cut {
        Some(i) => (
            s[..i].trim_end().to_owned(),
            Some(s[i..].trim_end().to_owned()),
        ),
        None => (s.trim_end().to_owned(), None),
    }
}

fn plain_scalar(text: String) -> Scalar {
    let tag = Tag::of_plain(&text);
    Scalar {
        text,
        style: Style::Plain,
        tag,
    }
}

/// Flow collections written on one line.
struct Flow<'a> {
    s: &'a str,
    pos: usize,
}

impl Flow<'_> {
    fn skip_spaces(&mut self) {
        while self.s[self.pos..].starts_with(' ') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn scalar(&mut self, key: bool) -> R<Scalar> {
        if let Some((s, len)) = quoted(&self.s[self.pos..])? {
            self.pos += len;
            return Ok(s);
        }
        let rest = &self.s[self.pos..];
        let end = rest
            .char_indices()
            .find(|&(i, c)| {
                matches!(c, ',' | ']' | '}')
                    || (c == ':' && (key || rest[i + 1..].starts_with(' ')))
                    || (c == '#' && i > 0 && rest[..i].ends_with(' '))
            })
            .map_or(rest.len(), |(i, _)| i);
        let text = rest[..end].trim().to_owned();
        if text.starts_with(['&', '*', '!']) {
            return Err("anchors, aliases or tags".into());
        }
        self.pos += end;
        Ok(plain_scalar(text))
    }

    /// Whether the collection closes here with `close` (consumed).
    fn closes(&mut self, close: u8) -> R<bool> {
        self.skip_spaces();
        match self.peek() {
            Some(c) if c == close => {
                self.pos += 1;
                Ok(true)
            }
            None => Err("flow collections over several lines".into()),
            _ => Ok(false),
        }
    }

    fn node(&mut self) -> R<Node> {
        self.skip_spaces();
        match self.peek() {
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                while !self.closes(b']')? {
                    let value = self.node()?;
                    self.skip_spaces();
                    if self.peek() == Some(b':') {
                        return Err("a mapping inside a flow sequence".into());
                    }
                    items.push(Item {
                        head: Vec::new(),
                        line: None,
                        value,
                    });
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                    }
                }
                Ok(Node::Seq(Sequence {
                    flow: true,
                    items,
                    foot: Vec::new(),
                }))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                while !self.closes(b'}')? {
                    let key = self.scalar(true)?;
                    self.skip_spaces();
                    let value = if self.peek() == Some(b':') {
                        self.pos += 1;
                        self.skip_spaces();
                        if matches!(self.peek(), Some(b',' | b'}')) {
                            Node::Scalar(plain_scalar(String::new()))
                        } else {
                            self.node()?
                        }
                    } else {
                        Node::Scalar(plain_scalar(String::new()))
                    };
                    entries.push(Entry {
                        head: Vec::new(),
                        key,
                        line: None,
                        value,
                    });
                    self.skip_spaces();
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                    }
                }
                Ok(Node::Map(Mapping {
                    flow: true,
                    entries,
                    foot: Vec::new(),
                }))
            }
            _ => Ok(Node::Scalar(self.scalar(false)?)),
        }
    }
}

impl<'a> Parser<'a> {
    /// Collect comments and blank lines up to the next content line.
    fn skip(&mut self) {
        while let Some(line) = self.lines.get(self.i) {
            if line.blank() {
                let after_comment = self.i > 0 && self.lines[self.i - 1].comment();
                if let Some(c) = self.pending.last_mut().filter(|_| after_comment) {
                    c.blank_after = true;
                }
            } else if line.comment() {
                self.pending.push(Comment {
                    text: line.text.to_owned(),
                    col: line.indent,
                    blank_after: false,
                });
            } else {
                return;
            }
            self.i += 1;
        }
    }

    fn current(&mut self) -> Option<Line<'a>> {
        self.skip();
        self.lines.get(self.i).copied()
    }

    /// Comments before the block ending here that sit at its indentation or deeper.
    fn foot(&mut self, indent: usize) -> Vec<Comment> {
        let n = self.pending.iter().take_while(|c| c.col >= indent).count();
        self.pending.drain(..n).collect()
    }

    fn block(&mut self, line: Line<'a>) -> R<Node> {
        if line.dash() {
            self.seq(line.indent)
        } else if quoted(line.text)?.is_some() || key_end(line.text).is_some() {
            self.map(line.indent)
        } else {
            Err("a scalar on a line of its own".into())
        }
    }

    fn map(&mut self, indent: usize) -> R<Node> {
        let mut entries = Vec::new();
        while let Some(line) = self.current() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || line.dash() {
                return Err("indentation kforge does not read".into());
            }
            let (key, rest) = match quoted(line.text)? {
                Some((k, len)) => {
                    let rest = line.text[len..].trim_start();
                    let Some(rest) = rest.strip_prefix(':') else {
                        return Err("a quoted scalar on a line of its own".into());
                    };
                    (k, rest)
                }
                None => {
                    let end = key_end(line.text).ok_or("a complex or multi-line key")?;
                    let key = line.text[..end].trim_end().to_owned();
                    (
                        Scalar {
                            text: key,
                            style: Style::Plain,
                            tag: Tag::Str,
                        },
                        &line.text[end + 1..],
                    )
                }
            };
            let head = std::mem::take(&mut self.pending);
            self.i += 1;
            let (value, comment) = self.value(rest, indent)?;
            entries.push(Entry {
                head,
                key,
                line: comment,
                value,
            });
        }
        let foot = self.foot(indent);
        Ok(Node::Map(Mapping {
            flow: false,
            entries,
            foot,
        }))
    }

    fn seq(&mut self, indent: usize) -> R<Node> {
        let mut items = Vec::new();
        while let Some(line) = self.current() {
            if line.indent < indent || !line.dash() {
                if line.indent > indent {
                    return Err("indentation kforge does not read".into());
                }
                break;
            }
            if line.indent > indent {
                return Err("indentation kforge does not read".into());
            }
            let head = std::mem::take(&mut self.pending);
            let after = &line.text[1..];
            let rest = after.trim_start();
            let col = indent + 1 + (after.len() - rest.len());
            let inline = Line {
                indent: col,
                text: rest,
                raw: line.raw,
            };
            if !rest.is_empty()
                && (inline.dash() || key_end(rest).is_some() || is_quoted_key(rest)?)
            {
                // `- - a` and `- k: v`: a block starting on the dash's line.
                self.lines[self.i] = inline;
                let value = self.block(inline)?;
                items.push(Item {
                    head,
                    line: None,
                    value,
                });
                continue;
            }
            self.i += 1;
            let (value, comment) = self.value(after, indent)?;
            items.push(Item {
                head,
                line: comment,
                value,
            });
        }
        let foot = self.foot(indent);
        Ok(Node::Seq(Sequence {
            flow: false,
            items,
            foot,
        }))
    }

    /// The value after `key:` or `-` (`rest`), for a parent at `indent`.
    fn value(&mut self, rest: &str, indent: usize) -> R<(Node, Option<String>)> {
        let rest = rest.trim();
        if rest.is_empty() || rest.starts_with('#') {
            let comment = (!rest.is_empty()).then(|| rest.to_owned());
            let next = self.current();
            return match next {
                Some(l) if l.indent > indent || (l.indent == indent && l.dash()) => {
                    Ok((self.block(l)?, comment))
                }
                _ => Ok((Node::Scalar(plain_scalar(String::new())), comment)),
            };
        }
        match rest.as_bytes()[0] {
            b'|' => return self.literal(rest, indent),
            b'>' => return Err("folded scalars".into()),
            b'&' | b'*' | b'!' => return Err("anchors, aliases or tags".into()),
            b'[' | b'{' => {
                let mut f = Flow { s: rest, pos: 0 };
                let node = f.node()?;
                return Ok((node, trailing_comment(&rest[f.pos..])?));
            }
            _ => {}
        }
        let (node, comment) = match quoted(rest)? {
            Some((s, len)) => (s, trailing_comment(&rest[len..])?),
            None => {
                let (text, comment) = plain(rest);
                (plain_scalar(text), comment)
            }
        };
        if let Some(next) = self.lines.get(self.i) {
            if !next.blank() && !next.comment() && next.indent > indent {
                return Err("scalars over several lines".into());
            }
        }
        Ok((Node::Scalar(node), comment))
    }

    fn literal(&mut self, header: &str, indent: usize) -> R<(Node, Option<String>)> {
        let (head, comment) = match header.find(" #") {
            Some(i) => (&header[..i], Some(header[i..].trim().to_owned())),
            None => (header, None),
        };
        let keep = match head {
            "|" => None,
            "|-" => Some(false),
            "|+" => Some(true),
            _ => return Err("block scalar indentation indicators".into()),
        };
        let mut body: Vec<&str> = Vec::new();
        let mut content: Option<usize> = None;
        while let Some(line) = self.lines.get(self.i) {
            if line.blank() {
                body.push("");
                self.i += 1;
                continue;
            }
            let at = *content.get_or_insert(line.indent);
            if at <= indent || line.indent < at {
                break;
            }
            body.push(&line.raw[at..]);
            self.i += 1;
        }
        let trailing = body.iter().rev().take_while(|l| l.is_empty()).count();
        let kept = &body[..body.len() - trailing];
        let mut text = kept.join("\n");
        match keep {
            Some(false) => {}
            None => {
                if !text.is_empty() {
                    text.push('\n');
                }
            }
            Some(true) => {
                text.push('\n');
                text.push_str(&"\n".repeat(trailing));
            }
        }
        let s = Scalar {
            text,
            style: Style::Literal,
            tag: Tag::Str,
        };
        Ok((Node::Scalar(s), comment))
    }
}

fn is_quoted_key(s: &str) -> R<bool> {
    Ok(match quoted(s)? {
        Some((_, len)) => s[len..].trim_start().starts_with(':'),
        None => false,
    })
}

/// Read a document.
pub fn parse(text: &str) -> R<Doc> {
    let mut lines = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = raw.trim_start_matches(' ');
        if trimmed.starts_with('\t') {
            return Err("tabs for indentation".into());
        }
        let t = trimmed.trim_end();
        if t == "---" || t.starts_with("--- ") {
            if n > 0 && !lines.is_empty() || t != "---" {
                return Err("several documents or content on a document marker".into());
            }
            continue;
        }
        if t == "..." || t.starts_with('%') {
            return Err("document end markers or directives".into());
        }
        lines.push(Line {
            indent: raw.len() - trimmed.len(),
            text: t,
            raw,
        });
    }
    let mut p = Parser {
        lines,
        i: 0,
        pending: Vec::new(),
    };
    let root = match p.current() {
        None => Node::Scalar(plain_scalar(String::new())),
        Some(line) if line.dash() || key_end(line.text).is_some() || is_quoted_key(line.text)? => {
            p.block(line)?
        }
        Some(line) => {
            let (node, _) = p
                .value(line.text, 0)
                .map_err(|_| "a scalar document".to_owned())?;
            let _ = line;
            node
        }
    };
    if p.current().is_some() {
        return Err("content kforge does not read".into());
    }
    // Comments left at the end belong to the document.
    let head = std::mem::take(&mut p.pending);
    Ok(Doc { root, head })
}

/// A string scalar as yaml.v3 writes it: double-quoted when it would read as another
/// type, single-quoted (or a block) when plain text cannot hold it, else plain.
fn emitted_string(s: &str) -> String {
    if Tag::of_plain(s) != Tag::Str {
        return double_quoted(s);
    }
    let out = crate::emit::yaml::scalar_text(s);
    // The output writer quotes YAML 1.1 booleans and numbers (`yes`, `0755`) that yaml.v3
    // reads as strings; yaml.v3 writes those plain.
    if out.starts_with('"') {
        return s.to_owned();
    }
    // kyaml's encoder does not fold long lines as the output writer does.
    if !s.contains('\n') && out.contains('\n') {
        return if out.starts_with('\'') {
            format!("'{}'", s.replace('\'', "''"))
        } else {
            s.to_owned()
        };
    }
    out
}

fn double_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn plain_text(s: &Scalar) -> String {
    match s.tag {
        Tag::None => {
            if Tag::of_plain(&s.text) == Tag::Str {
                emitted_string(&s.text)
            } else {
                s.text.clone()
            }
        }
        Tag::Str => emitted_string(&s.text),
        tag if Tag::of_plain(&s.text) == tag => s.text.clone(),
        tag => format!("!!{} {}", tag.name(), s.text),
    }
}

fn scalar_text(s: &Scalar, indent: usize) -> String {
    match s.style {
        Style::Plain => plain_text(s),
        Style::Single if !s.text.contains('\n') => format!("'{}'", s.text.replace('\'', "''")),
        Style::Double | Style::Single => double_quoted(&s.text),
        Style::Literal => {
            let chomp = if s.text.ends_with("\n\n") {
                "+"
            } else if s.text.ends_with('\n') {
                ""
            } else {
                "-"
            };
            let indicator = if s.text.starts_with([' ', '\n']) {
                "2"
            } else {
                ""
            };
            let body = s.text.strip_suffix('\n').unwrap_or(&s.text);
            let pad = " ".repeat(indent);
            let mut out = format!("|{indicator}{chomp}");
            for l in body.split('\n') {
                out.push('\n');
                if !l.is_empty() {
                    out.push_str(&pad);
                    out.push_str(l);
                }
            }
            out
        }
    }
}

fn flow_text(n: &Node) -> String {
    match n {
        Node::Scalar(s) => scalar_text(s, 0),
        Node::Seq(q) => format!(
            "[{}]",
            q.items
                .iter()
                .map(|i| flow_text(&i.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Node::Map(m) => format!(
            "{{{}}}",
            m.entries
                .iter()
                .map(|e| format!("{}: {}", scalar_text(&e.key, 0), flow_text(&e.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn comments(cs: &[Comment], indent: usize, out: &mut String) {
    for c in cs {
        out.push_str(&" ".repeat(indent));
        out.push_str(&c.text);
        out.push('\n');
        if c.blank_after {
            out.push('\n');
        }
    }
}

fn line_end(comment: &Option<String>, out: &mut String) {
    if let Some(c) = comment {
        out.push(' ');
        out.push_str(c);
    }
    out.push('\n');
}

fn is_inline(n: &Node) -> bool {
    match n {
        Node::Scalar(_) => true,
        Node::Map(m) => m.flow || m.entries.is_empty(),
        Node::Seq(s) => s.flow || s.items.is_empty(),
    }
}

/// Write `value` after `key:` or `-` (whose line is open in `out`), at `indent`.
fn write_value(
    value: &Node,
    comment: &Option<String>,
    indent: usize,
    seq_item: bool,
    out: &mut String,
) {
    match value {
        Node::Scalar(s) if s.style == Style::Literal => {
            out.push(' ');
            out.push_str(&scalar_text(s, indent + 2));
            out.push('\n');
        }
        Node::Scalar(s) if s.text.is_empty() && s.style == Style::Plain && s.tag != Tag::Str => {
            line_end(comment, out)
        }
        n if is_inline(n) => {
            out.push(' ');
            out.push_str(&flow_text(n));
            line_end(comment, out);
        }
        Node::Map(m) if seq_item && comment.is_none() => {
            out.push(' ');
            write_map(m, indent + 2, true, out);
        }
        Node::Seq(q) if seq_item && comment.is_none() => {
            out.push(' ');
            write_seq(q, indent + 2, true, out);
        }
        Node::Map(m) => {
            line_end(comment, out);
            write_map(m, indent + 2, false, out);
        }
        Node::Seq(q) => {
            line_end(comment, out);
            write_seq(q, if seq_item { indent + 2 } else { indent }, false, out);
        }
        Node::Scalar(_) => unreachable!("scalars are inline"),
    }
}

/// Start an entry's or item's line (its head comments first), unless it continues the
/// line of a `- ` already written.
fn open_line(head: &[Comment], indent: usize, continues: bool, out: &mut String) {
    if !continues {
        comments(head, indent, out);
        out.push_str(&" ".repeat(indent));
    }
}

fn write_map(m: &Mapping, indent: usize, inline_first: bool, out: &mut String) {
    for (i, e) in m.entries.iter().enumerate() {
        open_line(&e.head, indent, i == 0 && inline_first, out);
        out.push_str(&scalar_text(&e.key, 0));
        out.push(':');
        write_value(&e.value, &e.line, indent, false, out);
    }
    comments(&m.foot, indent, out);
}

fn write_seq(q: &Sequence, indent: usize, inline_first: bool, out: &mut String) {
    for (i, it) in q.items.iter().enumerate() {
        open_line(&it.head, indent, i == 0 && inline_first, out);
        out.push('-');
        write_value(&it.value, &it.line, indent, true, out);
    }
    comments(&q.foot, indent, out);
}

impl Node {
    /// A node for a value written into the document (block style, kustomize's own types).
    pub fn from_value(v: &Value) -> Node {
        match v {
            Value::Object(m) => Node::Map(Mapping {
                flow: false,
                entries: m
                    .iter()
                    .map(|(k, v)| Entry {
                        head: Vec::new(),
                        key: Scalar {
                            text: k.to_string(),
                            style: Style::Plain,
                            tag: Tag::Str,
                        },
                        line: None,
                        value: Node::from_value(v),
                    })
                    .collect(),
                foot: Vec::new(),
            }),
            Value::Array(a) => Node::Seq(Sequence {
                flow: false,
                items: a
                    .iter()
                    .map(|v| Item {
                        head: Vec::new(),
                        line: None,
                        value: Node::from_value(v),
                    })
                    .collect(),
                foot: Vec::new(),
            }),
            Value::String(s) => Node::Scalar(Scalar {
                text: s.clone(),
                style: Style::Plain,
                tag: Tag::Str,
            }),
            other => {
                let text = match other {
                    Value::Null => String::new(),
                    Value::Number(n) => crate::emit::format::format_number(n),
                    v => v.to_string(),
                };
                Node::Scalar(Scalar {
                    text,
                    style: Style::Plain,
                    tag: Tag::of_value(other),
                })
            }
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Node::Scalar(s) => match s.tag {
                Tag::Str | Tag::Timestamp => Value::String(s.text.clone()),
                _ => plain_value(&s.text),
            },
            Node::Map(m) => {
                let mut out = JsonMap::new();
                for e in &m.entries {
                    out.insert(e.key.text.clone(), e.value.to_value());
                }
                Value::Object(out)
            }
            Node::Seq(q) => Value::Array(q.items.iter().map(|i| i.value.to_value()).collect()),
        }
    }
}

impl Doc {
    /// The document as a value (for matching paths).
    pub fn to_value(&self) -> Value {
        self.root.to_value()
    }

    /// The node at `ptr`, created like `value` (the matched value tree) where missing.
    pub fn at(&mut self, ptr: &str, value: &Value) -> &mut Node {
        let mut node = &mut self.root;
        let mut cur = value;
        for raw in ptr.split('/').skip(1) {
            let token = raw.replace("~1", "/").replace("~0", "~");
            let next = match cur {
                Value::Object(m) => m.get(&token),
                Value::Array(a) => token.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            }
            .unwrap_or(&Value::Null);
            node = match node {
                Node::Map(m) => {
                    let pos = match m.entries.iter().position(|e| e.key.text == token) {
                        Some(p) => p,
                        None => {
                            m.entries.push(Entry {
                                head: Vec::new(),
                                key: Scalar {
                                    text: token.clone(),
                                    style: Style::Plain,
                                    tag: Tag::Str,
                                },
                                line: None,
                                value: Node::from_value(next),
                            });
                            m.entries.len() - 1
                        }
                    };
                    &mut m.entries[pos].value
                }
                Node::Seq(q) => {
                    let i = token.parse::<usize>().unwrap_or(q.items.len());
                    if i >= q.items.len() {
                        q.items.push(Item {
                            head: Vec::new(),
                            line: None,
                            value: Node::from_value(next),
                        });
                    }
                    let last = q.items.len() - 1;
                    &mut q.items[i.min(last)].value
                }
                scalar => {
                    *scalar = Node::from_value(next);
                    scalar
                }
            };
            cur = next;
        }
        node
    }

    /// The document as kyaml writes it.
    pub fn write(&self) -> String {
        let mut out = String::new();
        match &self.root {
            Node::Map(m) if !m.flow && !m.entries.is_empty() => write_map(m, 0, false, &mut out),
            Node::Seq(q) if !q.flow && !q.items.is_empty() => write_seq(q, 0, false, &mut out),
            n => {
                out.push_str(&flow_text(n));
                out.push('\n');
            }
        }
        comments(&self.head, 0, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn odd_documents_never_panic() {
        let inputs = [
            "",
            "-",
            "- ",
            "a:",
            ":",
            "a: b: c",
            "- - - x",
            "a:\n  - b\n  -\n",
            "'x",
            "\"x",
            "a: |\n",
            "a: |-\n\n\n",
            "a: |+\n  x\n\n",
            "[",
            "{a: [1, {b: }]}",
            "a: 'it''s' # c",
            "a: \"\\u00e9\\x41\"",
            "é: ü\n",
            "a:\n- b\n  c: d",
            "- a: 1\n  b: 2\n- c",
            "\t- x",
            "#only comment\n",
            "a: b\n\n\n# c\n\n",
            "? a\n: b",
            "a: &x 1",
            "---\n---\n",
            "a:\n    b: 1\n  c: 2",
            "- |\n  lit\n- x",
            "a: [1, 2] # c\nb: {}",
        ];
        for text in inputs {
            if let Ok(doc) = parse(text) {
                let _ = doc.write();
                let _ = doc.to_value();
            }
        }
        let doc = parse("# h\n\nx: 1 # c\nl:\n- a\n").unwrap();
        assert_eq!(doc.write(), "# h\n\nx: 1 # c\nl:\n- a\n");
    }
}
