//! A fast path for the YAML most Kubernetes files are written in: block mappings and
//! sequences, one-line plain and quoted scalars, literal blocks (`|`, `|-`, `|+`), one-line
//! flow lists of scalars, `{}` and `[]`, comments, and `---` between documents.
//!
//! [`events`] yields the events and spans granit-parser yields for such a stream (the same
//! events, and the same start of every event and end of every scalar, which is what
//! [`super::yaml`]'s builder reads). On anything else (anchors, aliases, tags, folded or
//! multi-line scalars, flow mappings, tabs, control characters, and every error) it gives
//! up and returns `None`, and the caller parses the stream with granit-parser: what this
//! path accepts it must read exactly as granit-parser does, and anything else costs one
//! wasted scan. The unit tests compare both parsers on every YAML file of the repository
//! and on generated variations, and the `yaml` fuzz target on arbitrary input.

use std::borrow::Cow;

use granit_parser::{Event, Marker, ScalarStyle, Span, StructureStyle};

/// Deeper nesting goes through granit-parser (and its limits).
const MAX_DEPTH: usize = 64;

/// Longest mapping key read here (YAML's implicit keys stop at 1024 characters).
const MAX_KEY: usize = 1000;

/// The fast path stops: the stream is read by granit-parser instead.
struct GiveUp;

type R<T> = Result<T, GiveUp>;

/// Hand the events of `src` to `sink`; `false` when the text holds anything this path does
/// not read, or when the sink returned `false` (the caller then reads the stream with
/// granit-parser), after some events may have been handed over.
pub(super) fn events<'a, S: FnMut(Event<'a>, Span) -> bool>(src: &'a str, sink: S) -> bool {
    let Some(ascii) = plain_text(src) else {
        return false;
    };
    let b = src.as_bytes();
    if b.first() == Some(&b'%') || memchr::memmem::find(b, b"\n%").is_some() {
        return false;
    }
    let mut p = Fast {
        src,
        b,
        ascii,
        sink,
        line: 1,
        line_start: 0,
        scanned: 0,
        chars: 0,
        col: 0,
        resume: 0,
        depth: 0,
    };
    p.stream().is_ok()
}

/// Whether the text has only characters this path handles: printable ASCII and line feeds,
/// and beyond ASCII only characters YAML reads as ordinary text (no C1 controls, line or
/// paragraph separators, byte order marks or non-characters). Returns whether it is all
/// ASCII (columns are then byte counts).
fn plain_text(src: &str) -> Option<bool> {
    let b = src.as_bytes();
    // Without an early exit per byte, so that the check runs on whole vectors.
    let printable = |chunk: &[u8]| {
        chunk.iter().fold(true, |ok, &c| {
            ok & (c == b'\n' || (0x20..0x7f).contains(&c))
        })
    };
    if b.chunks(256).all(printable) {
        return Some(true);
    }
    let ok = src.chars().all(|c| match c {
        '\n' | ' '..='~' => true,
        '\u{0}'..='\u{9f}' => false,
        '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}' => false,
        _ => true,
    });
    ok.then_some(false)
}

/// One line of the text: where it starts, how many spaces open it, where it ends.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    indent: usize,
    /// Offset of its line feed, or the text's length.
    end: usize,
}

impl Line {
    fn content(&self) -> usize {
        self.start + self.indent
    }

    /// The start of the line after it (the text's length after the last line).
    fn next(&self, len: usize) -> usize {
        (self.end + 1).min(len)
    }
}

/// What a mapping key turned out to be.
struct Key<'a> {
    text: Cow<'a, str>,
    style: ScalarStyle,
    start: usize,
    end: usize,
    /// Offset of its `:`.
    colon: usize,
    /// The end of its line.
    line_end: usize,
}

/// What follows a node: the next line with content, if any, and where the node's
/// collection ends if that line does not continue it.
#[derive(Clone, Copy)]
enum Next {
    /// The end of the text.
    Eof,
    /// A `---` line.
    Document(Line),
    /// A line with content.
    Line(Line),
}

struct Fast<'a, S> {
    src: &'a str,
    b: &'a [u8],
    ascii: bool,
    sink: S,
    /// Line number (1-based) and start of the line holding `scanned`, up to which line
    /// feeds have been counted (no table of line starts is built: the positions asked for
    /// come in order, so each stretch of text is counted once).
    line: usize,
    line_start: usize,
    scanned: usize,
    /// Characters before `scanned`, and between its line's start and it (texts beyond
    /// ASCII only).
    chars: usize,
    col: usize,
    /// The start of the line after the last one a node took.
    resume: usize,
    depth: usize,
}

/// Whether a plain scalar may start at `i`: not at a space, a line end or one of YAML's
/// indicators, save `-`, `?` and `:` followed by a non-space.
fn opens_plain(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        None | Some(b' ' | b'\n') => false,
        Some(
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`',
        ) => false,
        Some(b'-' | b'?' | b':') => !matches!(b.get(i + 1), None | Some(b' ' | b'\n')),
        Some(_) => true,
    }
}

/// `-` opening a block sequence entry at `i`.
fn is_entry(b: &[u8], i: usize) -> bool {
    b.get(i) == Some(&b'-') && matches!(b.get(i + 1), None | Some(b' ' | b'\n'))
}

fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Event<'_> {
    Event::Scalar(text, style, 0, None)
}

fn null<'a>() -> Event<'a> {
    scalar(Cow::Borrowed("~"), ScalarStyle::Plain)
}

impl<'a, S: FnMut(Event<'a>, Span) -> bool> Fast<'a, S> {
    /// The marker of byte offset `off`.
    fn mark(&mut self, off: usize) -> Marker {
        if off < self.scanned {
            self.line = 1;
            self.line_start = 0;
            self.scanned = 0;
            self.chars = 0;
            self.col = 0;
        }
        // Positions come in order, mostly on the same or the next line.
        let before = self.line_start;
        let from = self.scanned;
        for i in memchr::memchr_iter(b'\n', &self.b[from..off]) {
            self.line += 1;
            self.line_start = from + i + 1;
        }
        let (index, col) = if self.ascii {
            (off, off - self.line_start)
        } else {
            // Counted from where the last position was, so a long text costs one pass.
            if self.line_start != before {
                self.chars += self.src[self.scanned..self.line_start].chars().count();
                self.col = 0;
                self.scanned = self.line_start;
            }
            let n = self.src[self.scanned..off].chars().count();
            self.chars += n;
            self.col += n;
            (self.chars, self.col)
        };
        self.scanned = off;
        Marker::new(index, self.line, col).with_byte_offset(Some(off))
    }

    fn push(&mut self, ev: Event<'a>, start: usize, end: usize) -> R<()> {
        let s = self.mark(start);
        let e = if end == start { s } else { self.mark(end) };
        if (self.sink)(ev, Span::new(s, e)) {
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    fn line_at(&self, start: usize) -> Line {
        let b = self.b;
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |i| start + i);
        let indent = b[start..end].iter().take_while(|&&c| c == b' ').count();
        Line { start, indent, end }
    }

    /// The next line at or after the line start `from` holding something besides spaces
    /// and a comment.
    fn next_content(&self, mut from: usize) -> Next {
        while from < self.b.len() {
            let l = self.line_at(from);
            match self.b.get(l.content()) {
                None | Some(b'\n' | b'#') => from = l.end + 1,
                Some(_) => {
                    return match self.marker(&l) {
                        None => Next::Line(l),
                        Some(_) => Next::Document(l),
                    }
                }
            }
        }
        Next::Eof
    }

    /// `---` or `...` opening a line, followed by a space or the line's end.
    fn marker(&self, l: &Line) -> Option<u8> {
        let rest = &self.b[l.start..l.end];
        let is = rest.len() >= 3
            && (rest.starts_with(b"---") || rest.starts_with(b"..."))
            && matches!(rest.get(3), None | Some(b' '));
        is.then_some(rest[0])
    }

    /// Where the collection ends when `next` does not continue it: the next token, or the
    /// end of the text.
    fn end_at(&self, next: Next) -> usize {
        match next {
            Next::Eof => self.b.len(),
            Next::Document(l) => l.start,
            Next::Line(l) => l.content(),
        }
    }

    /// After a node ending at `from` on a line ending at `end`: only spaces and a comment
    /// may follow; the next node is looked for from the next line.
    fn finish_line(&mut self, from: usize, end: usize) -> R<()> {
        let b = self.b;
        let mut i = from;
        while i < end && b[i] == b' ' {
            i += 1;
        }
        if i < end && !(b[i] == b'#' && i > from) {
            return Err(GiveUp);
        }
        self.resume = (end + 1).min(b.len());
        Ok(())
    }

    fn stream(&mut self) -> R<()> {
        self.push(Event::StreamStart, 0, 0)?;
        let mut next = self.next_content(0);
        loop {
            let body = match next {
                Next::Eof => break,
                Next::Document(l) => {
                    if self.b[l.start] != b'-' {
                        return Err(GiveUp);
                    }
                    self.push(Event::DocumentStart(true, None), l.start, l.start + 3)?;
                    self.finish_line(l.start + 3, l.end)?;
                    match self.next_content(self.resume) {
                        Next::Line(body) => body,
                        other => {
                            // An empty document: a null right after its marker.
                            let at = l.start + 3;
                            self.push(null(), at, at)?;
                            self.push(Event::DocumentEnd, at, at)?;
                            next = other;
                            continue;
                        }
                    }
                }
                Next::Line(l) => {
                    self.push(Event::DocumentStart(false, None), l.content(), l.content())?;
                    l
                }
            };
            self.node(body)?;
            next = self.next_content(self.resume);
            if let Next::Line(_) = next {
                return Err(GiveUp);
            }
            if let Next::Document(l) = next {
                if self.b[l.start] != b'-' {
                    return Err(GiveUp);
                }
            }
            let end = self.end_at(next);
            self.push(Event::DocumentEnd, end, end)?;
        }
        let end = self.b.len();
        self.push(Event::StreamEnd, end, end)?;
        Ok(())
    }

    /// A block collection whose first line is `l` (its content at the collection's
    /// column).
    fn node(&mut self, l: Line) -> R<()> {
        let at = l.content();
        if is_entry(self.b, at) {
            self.sequence(at, l.end, l.indent, false)
        } else {
            let key = self.key(at, l.end)?;
            self.mapping(key, l.indent)
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// A block mapping at column `col` whose first key was read.
    fn mapping(&mut self, first: Key<'a>, col: usize) -> R<()> {
        self.enter()?;
        self.push(
            Event::MappingStart(StructureStyle::Block, 0, None),
            first.start,
            first.start,
        )?;
        let mut key = first;
        let end = loop {
            let (colon, line_end) = (key.colon, key.line_end);
            self.push(scalar(key.text, key.style), key.start, key.end)?;
            self.value(colon, line_end, col)?;
            let next = self.next_content(self.resume);
            match next {
                Next::Line(l) if l.indent == col => {
                    if is_entry(self.b, l.content()) {
                        return Err(GiveUp);
                    }
                    key = self.key(l.content(), l.end)?;
                }
                Next::Line(l) if l.indent > col => return Err(GiveUp),
                _ => break self.end_at(next),
            }
        };
        self.push(Event::MappingEnd, end, end)?;
        self.depth -= 1;
        Ok(())
    }

    /// A block sequence whose first `-` is at `dash` (on a line ending at `line_end`) in
    /// column `col`; `in_mapping`: it is the value of a mapping key at the same column (its
    /// entries end at the next key).
    fn sequence(&mut self, dash: usize, line_end: usize, col: usize, in_mapping: bool) -> R<()> {
        self.enter()?;
        let b = self.b;
        let entry = |dash: usize| {
            let mut at = dash + 1;
            while b.get(at) == Some(&b' ') {
                at += 1;
            }
            match b.get(at) {
                // An empty entry (granit-parser places some of those oddly).
                None | Some(b'\n' | b'#') => Err(GiveUp),
                _ => Ok(at),
            }
        };
        let (mut dash, mut line_end) = (dash, line_end);
        let mut at = entry(dash)?;
        // granit-parser places a sequence as indented as its key at its first entry's
        // content, any other at its first `-`.
        let start = if in_mapping { at } else { dash };
        self.push(
            Event::SequenceStart(StructureStyle::Block, 0, None),
            start,
            start,
        )?;
        let end = loop {
            let item_col = col + (at - dash);
            if is_entry(b, at) {
                self.sequence(at, line_end, item_col, false)?;
            } else if let Some(key) = self.try_key(at, line_end)? {
                self.mapping(key, item_col)?;
            } else {
                self.inline(at, line_end, col)?;
            }
            let next = self.next_content(self.resume);
            match next {
                Next::Line(l) if l.indent == col && is_entry(b, l.content()) => {
                    (dash, line_end) = (l.content(), l.end);
                    at = entry(dash)?;
                }
                Next::Line(l) if l.indent > col || (l.indent == col && !in_mapping) => {
                    return Err(GiveUp)
                }
                _ => break self.end_at(next),
            }
        };
        self.push(Event::SequenceEnd, end, end)?;
        self.depth -= 1;
        Ok(())
    }

    /// The start of the line holding `off`.
    fn line_start_of(&self, off: usize) -> usize {
        memchr::memrchr(b'\n', &self.b[..off]).map_or(0, |i| i + 1)
    }

    /// The value after a key's `:` at `colon` (on a line ending at `line_end`), in a
    /// mapping at column `col`.
    fn value(&mut self, colon: usize, line_end: usize, col: usize) -> R<()> {
        let b = self.b;
        let mut at = colon + 1;
        while at < line_end && b[at] == b' ' {
            at += 1;
        }
        if at < line_end && b[at] != b'#' {
            return self.inline(at, line_end, col);
        }
        if at < line_end && at == colon + 1 {
            // `key:#`: not a comment.
            return Err(GiveUp);
        }
        // Nothing more on the line: a collection on the next lines, or a null.
        self.resume = (line_end + 1).min(b.len());
        match self.next_content(self.resume) {
            Next::Line(l) if l.indent > col => self.node(l),
            Next::Line(l) if l.indent == col && is_entry(b, l.content()) => {
                self.sequence(l.content(), l.end, col, true)
            }
            _ => {
                self.push(null(), colon, colon)?;
                Ok(())
            }
        }
    }

    /// A scalar, a one-line flow list or `{}` starting at `at` on a line ending at
    /// `line_end`, inside a block collection at column `col`.
    fn inline(&mut self, at: usize, line_end: usize, col: usize) -> R<()> {
        let b = self.b;
        match b[at] {
            b'|' => self.literal(at, line_end, col),
            b'"' | b'\'' => {
                let (text, style, end) = self.quoted(at, line_end)?;
                self.push(scalar(text, style), at, end)?;
                self.finish_line(end, line_end)
            }
            b'[' | b'{' => {
                let end = self.flow(at, line_end)?;
                self.finish_line(end, line_end)
            }
            _ if opens_plain(b, at) => {
                let mut end = at;
                let mut i = at;
                while i < line_end {
                    match b[i] {
                        b' ' => {
                            if b.get(i + 1) == Some(&b'#') {
                                break;
                            }
                        }
                        b':' if matches!(b.get(i + 1), None | Some(b' ' | b'\n')) => {
                            return Err(GiveUp)
                        }
                        _ => end = i + 1,
                    }
                    i += 1;
                }
                self.push(
                    scalar(Cow::Borrowed(&self.src[at..end]), ScalarStyle::Plain),
                    at,
                    end,
                )?;
                self.finish_line(end, line_end)
            }
            _ => Err(GiveUp),
        }
    }

    /// A mapping key at `at` (on a line ending at `line_end`), or give up.
    fn key(&mut self, at: usize, line_end: usize) -> R<Key<'a>> {
        self.try_key(at, line_end)?.ok_or(GiveUp)
    }

    /// A mapping key (a plain or one-line quoted scalar followed by `:` and a space or the
    /// line's end) at `at`, on a line ending at `line_end`, or `None` when the text there
    /// is not one.
    fn try_key(&mut self, at: usize, line_end: usize) -> R<Option<Key<'a>>> {
        let b = self.b;
        let colon_ok =
            |i: usize| b.get(i) == Some(&b':') && matches!(b.get(i + 1), None | Some(b' ' | b'\n'));
        if matches!(b[at], b'"' | b'\'') {
            let (text, style, end) = self.quoted(at, line_end)?;
            if !colon_ok(end) {
                return Ok(None);
            }
            if end - at > MAX_KEY {
                return Err(GiveUp);
            }
            return Ok(Some(Key {
                text,
                style,
                start: at,
                end,
                colon: end,
                line_end,
            }));
        }
        if !opens_plain(b, at) {
            return Ok(None);
        }
        let mut i = at;
        while i < line_end {
            match b[i] {
                b':' if colon_ok(i) => {
                    if b[i - 1] == b' ' || i - at > MAX_KEY {
                        return Err(GiveUp);
                    }
                    return Ok(Some(Key {
                        text: Cow::Borrowed(&self.src[at..i]),
                        style: ScalarStyle::Plain,
                        start: at,
                        end: i,
                        colon: i,
                        line_end,
                    }));
                }
                b' ' if b.get(i + 1) == Some(&b'#') => return Ok(None),
                _ => {}
            }
            i += 1;
        }
        Ok(None)
    }

    /// A single- or double-quoted scalar opening at `at` and closing on the same line:
    /// its text, style and the offset after its closing quote.
    fn quoted(&self, at: usize, line_end: usize) -> R<(Cow<'a, str>, ScalarStyle, usize)> {
        let b = self.b;
        let q = b[at];
        let mut i = at + 1;
        let mut owned: Option<String> = None;
        let mut run = i;
        loop {
            if i >= line_end {
                return Err(GiveUp);
            }
            let c = b[i];
            if q == b'\'' && c == b'\'' {
                if b.get(i + 1) == Some(&b'\'') {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.src[run..=i]);
                    i += 2;
                    run = i;
                    continue;
                }
                break;
            }
            if q == b'"' && c == b'"' {
                break;
            }
            if q == b'"' && c == b'\\' {
                let unescaped = match b.get(i + 1) {
                    Some(b'"') => '"',
                    Some(b'\\') => '\\',
                    Some(b'/') => '/',
                    Some(b'n') => '\n',
                    Some(b't') => '\t',
                    _ => return Err(GiveUp),
                };
                let s = owned.get_or_insert_with(String::new);
                s.push_str(&self.src[run..i]);
                s.push(unescaped);
                i += 2;
                run = i;
                continue;
            }
            i += 1;
        }
        let text = match owned {
            Some(mut s) => {
                s.push_str(&self.src[run..i]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&self.src[at + 1..i]),
        };
        let style = if q == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        Ok((text, style, i + 1))
    }

    /// A flow collection (`[a, "b"]`, `{k: v}`, nested) opening at `at` and closing on
    /// the same line; returns the offset after it.
    fn flow(&mut self, at: usize, line_end: usize) -> R<usize> {
        self.enter()?;
        let b = self.b;
        let map = b[at] == b'{';
        let (open, close) = if map {
            (Event::MappingStart(StructureStyle::Flow, 0, None), b'}')
        } else {
            (Event::SequenceStart(StructureStyle::Flow, 0, None), b']')
        };
        self.push(open, at, at + 1)?;
        let skip = |mut i: usize| {
            while i < line_end && b[i] == b' ' {
                i += 1;
            }
            i
        };
        let mut i = skip(at + 1);
        if b.get(i) != Some(&close) {
            loop {
                if map {
                    // A key, `: `, and its value.
                    let end = self.flow_scalar(i, line_end, true)?;
                    if b.get(end) != Some(&b':') || b.get(end + 1) != Some(&b' ') {
                        return Err(GiveUp);
                    }
                    i = skip(end + 1);
                }
                let end = match b.get(i) {
                    Some(b'[' | b'{') => self.flow(i, line_end)?,
                    _ => self.flow_scalar(i, line_end, false)?,
                };
                i = skip(end);
                match b.get(i) {
                    Some(b',') => {
                        i = skip(i + 1);
                        if matches!(b.get(i), Some(b']' | b'}')) {
                            return Err(GiveUp);
                        }
                    }
                    Some(&c) if c == close => break,
                    _ => return Err(GiveUp),
                }
            }
        }
        let end = if map {
            Event::MappingEnd
        } else {
            Event::SequenceEnd
        };
        self.push(end, i, i + 1)?;
        self.depth -= 1;
        Ok(i + 1)
    }

    /// A quoted or plain scalar inside a flow collection at `at`; returns the offset after
    /// it. A plain one ends before `,`, `]`, `}` and spaces before them; with `key`, before
    /// `: ` too (`#`, `[`, `{` and other `:` in it are left to granit-parser).
    fn flow_scalar(&mut self, at: usize, line_end: usize, key: bool) -> R<usize> {
        let b = self.b;
        if at >= line_end {
            return Err(GiveUp);
        }
        if matches!(b[at], b'"' | b'\'') {
            let (text, style, end) = self.quoted(at, line_end)?;
            self.push(scalar(text, style), at, end)?;
            return Ok(end);
        }
        let indicator_then_flow = matches!(b[at], b'-' | b'?' | b':')
            && matches!(b.get(at + 1), Some(b',' | b'[' | b']' | b'{' | b'}'));
        if !opens_plain(b, at) || indicator_then_flow {
            return Err(GiveUp);
        }
        let mut end = at;
        let mut j = at;
        while j < line_end {
            match b[j] {
                b',' | b']' | b'}' => break,
                b':' if key && b.get(j + 1) == Some(&b' ') => break,
                // `a:b` is one scalar; `:` before a space, a flow indicator or the line's
                // end is left to granit-parser.
                b':' if !matches!(
                    b.get(j + 1),
                    None | Some(b' ' | b'\n' | b',' | b'[' | b']' | b'{' | b'}')
                ) =>
                {
                    end = j + 1
                }
                b'[' | b'{' | b':' | b'#' => return Err(GiveUp),
                b' ' => {}
                _ => end = j + 1,
            }
            j += 1;
        }
        if key && end != j {
            // `k : v`: granit-parser reads it, this path does not.
            return Err(GiveUp);
        }
        self.push(
            scalar(Cow::Borrowed(&self.src[at..end]), ScalarStyle::Plain),
            at,
            end,
        )?;
        Ok(end)
    }

    /// A literal block scalar whose header (`|`, `|-`, `|+`) is at `at`, inside a block
    /// collection at column `col`.
    fn literal(&mut self, at: usize, line_end: usize, col: usize) -> R<()> {
        let b = self.b;
        let mut i = at + 1;
        let chomp = match b.get(i) {
            Some(b'-') => {
                i += 1;
                Some(false)
            }
            Some(b'+') => {
                i += 1;
                Some(true)
            }
            _ => None,
        };
        if i < line_end && b[i] != b' ' {
            return Err(GiveUp);
        }
        self.finish_line(i, line_end)?;
        let len = b.len();
        let first = self.line_at(self.resume);
        // Leading blank lines, an empty block or a block at the end of a text without a
        // final line break: granit-parser reads those.
        if first.start >= len || first.indent <= col || first.content() == first.end {
            return Err(GiveUp);
        }
        let indent = first.indent;
        let mut text = String::new();
        let mut pending = 0usize;
        let mut l = first;
        let end = loop {
            let blank = l.content() == l.end;
            if blank && l.indent <= indent {
                if l.end >= len {
                    return Err(GiveUp);
                }
                pending += 1;
            } else if l.indent >= indent {
                if l.end >= len {
                    return Err(GiveUp);
                }
                for _ in 0..pending {
                    text.push('\n');
                }
                pending = 0;
                text.push_str(&self.src[l.start + indent..l.end]);
                text.push('\n');
            } else {
                break l.content();
            }
            let n = l.next(len);
            if n >= len {
                break len;
            }
            l = self.line_at(n);
        };
        match chomp {
            Some(true) => {
                for _ in 0..pending {
                    text.push('\n');
                }
            }
            Some(false) => {
                text.pop();
            }
            None => {}
        }
        self.push(
            scalar(Cow::Owned(text), ScalarStyle::Literal),
            first.content(),
            end,
        )?;
        self.resume = self.line_start_of(end.min(len));
        if end == len && len > 0 && b[len - 1] == b'\n' {
            self.resume = len;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// An event with the parts of its span that the builder or an error message may read.
    fn show((ev, span): &(Event<'_>, Span)) -> String {
        let m = |m: &Marker| format!("{}:{}@{:?}", m.line(), m.col(), m.byte_offset());
        format!("{ev:?} {} .. {}", m(&span.start), m(&span.end))
    }

    fn fast(text: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        events(text, |ev, span| {
            out.push(show(&(ev, span)));
            true
        })
        .then_some(out)
    }

    fn granit(text: &str) -> Option<Vec<String>> {
        granit_parser::Parser::new_from_str(text)
            .map(|item| item.ok().map(|e| show(&e)))
            .collect()
    }

    /// Whether the fast path read `text`; panics when it read it otherwise than
    /// granit-parser does (or read what granit-parser refuses).
    fn agrees(text: &str, name: &str) -> bool {
        let Some(mine) = fast(text) else {
            return false;
        };
        let theirs = granit(text).unwrap_or_else(|| {
            panic!("{name}: granit-parser refuses what the fast path read:\n{text}")
        });
        for (i, (a, b)) in mine.iter().zip(&theirs).enumerate() {
            assert_eq!(a, b, "{name}: event {i} differs in\n{text}");
        }
        assert_eq!(mine.len(), theirs.len(), "{name}: event count\n{text}");
        true
    }

    /// The YAML files of the repository (template, fixtures, differential cases), each as
    /// written and with a few deterministic edits (pieces of YAML syntax inserted, deleted
    /// or replaced): the fast path reads most of the files and every edit it reads agrees.
    #[test]
    fn reads_the_repository_as_granit_parser_does() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in [
            "base",
            "components",
            "overlays",
            "ci",
            "tests",
            "src/tables",
        ] {
            collect(&root.join(dir), &mut files);
        }
        files.sort();
        const PIECES: &[&str] = &[
            " ", "\n", "#", "- ", ":", ": ", "|", "|-", "|+", "'", "\"", "  ", "\n  ", "\n- ",
            "---\n", "[", "]", ",", "{}", "x", "\n\n", "\\", "1", "  - ", "\n#c\n", ": |\n  ", "é",
            "~", "{a: b}", "[a, -c]",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut read, mut total) = (0, 0);
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if text.len() > 64 * 1024 {
                continue;
            }
            let name = path.display().to_string();
            total += 1;
            read += usize::from(agrees(&text, &name));
            for _ in 0..3 {
                let mut t = text.clone();
                let mut at = rand(t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + 1 + rand(3)).min(t.len());
                while !t.is_char_boundary(end) {
                    end += 1;
                }
                let piece = PIECES[rand(PIECES.len())];
                match rand(3) {
                    0 => t.insert_str(at, piece),
                    1 => t.replace_range(at..end, ""),
                    _ => t.replace_range(at..end, piece),
                }
                agrees(&t, &format!("{name} (edited at byte {at})"));
            }
        }
        assert!(
            read * 10 >= total * 8,
            "the fast path read only {read} of {total} files"
        );
    }

    fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                out.push(p);
            }
        }
    }

    #[test]
    fn reads_common_shapes_as_granit_parser_does() {
        for text in [
            "a:\nb: 1\nc:\n  d:\n  e: x # comment\n# full\nf:\n- 1\n-  2\n- k: v\n  l: w\n- {}\n- []\n",
            "g: |\n  line1\n   line2\n\n  line3\nh: |-\n  x\ni: 'it''s'\nj: \"q\\\"x\"\nk: [a, \"b\", 'c', 1]\n",
            "---\na: |\n  x\n\n\nb: |+\n  y\n\n# c\nc:\n  - p\n  - - q\n    - r\nd: # com\n  e: 1\n",
            "\"f\": v\n'g h': w\ni: a#b\nj: http://x:80/y\nk: \"a\\nb\\\\c\"\nl: x  \nm:   \n---\n- a\n- b: |\n    lit\n  c: 2\n--- # doc\nz: 1\n",
            "# lead\n\n---\n# only comment\n---\n---\na: |\n  x\n  y\nb: 2\n---\n",
            "c: |  # hdr\n  t\n     \n  u\n\n   # cm\nd: 1\n",
            "ports:\n- {name: http, port: 80, targetPort: http}\n- { a: 1 , \"b\": 'c' }\nx: {k: v}\ny: {k: [1, 2], m: {}}\nz: [{a: 1}, b, -c, system:*]\n",
            "名前: 値\nキー:\n- ü ñ\n",
            "  indented: doc\n  more: x\n",
        ] {
            assert!(agrees(text, text), "the fast path gave up on\n{text}");
        }
    }

    #[test]
    fn leaves_the_rest_to_granit_parser() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: >\n  folded\n",
            "a: plain\n  continued\n",
            "a:\n- \n- x\n",
            "a:\n\tb: 1\n",
            "a: 1\r\nb: 2\r\n",
            "\u{feff}a: 1\n",
            "a: 1\n...\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: |2\n   x\n",
            "a: |\n  x",
            "a: [1,\n  2]\n",
            "a: \"two\n  lines\"\n",
            "? complex\n: key\n",
            "a: b: c\n",
            "a: \"\\x41\"\n",
            "a : 1\n",
            "a: {b}\n",
            "scalar\n",
        ] {
            assert!(fast(text).is_none(), "the fast path read\n{text}");
        }
    }
}
