//! The YAML writer whose bytes match `kubectl kustomize`.
//!
//! kustomize prints every object by marshalling its JSON form with go-yaml v2, so this is a
//! model of that encoder: go-yaml v2 key order, block style with unindented sequences,
//! YAML 1.1 quoting decisions, scalar style analysis, 80-column folding and Go's float
//! formatting. The rules are written down in `shared/design/kustomize-compat.md` §1.

use kforge_value::Value;

use super::format::{compare_keys, format_number};

const BEST_WIDTH: usize = 80;
const INDENT: usize = 2;

/// Write several documents separated by `---`, as kustomize prints a build.
pub fn to_string_multi<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out = write(out, d);
    }
    out
}

/// Write one document (always ends with a newline).
pub fn to_string(doc: &Value) -> String {
    write(String::new(), doc)
}

/// `out` with one document written after it.
fn write(out: String, doc: &Value) -> String {
    let mut e = Emitter::new();
    e.out = out;
    e.node(doc, 0, Ctx::Root);
    e.put_break();
    e.out
}

/// A string as this writer puts it after `key: ` (plain when that reads back as the same
/// string, else quoted).
pub fn scalar_text(s: &str) -> String {
    let mut m = kforge_value::Map::new();
    m.insert("k", Value::String(s.to_owned()));
    let text = to_string(&Value::Object(m));
    let v = text.strip_suffix('\n').unwrap_or(&text);
    v.strip_prefix("k: ").unwrap_or(v).to_owned()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Root,
    MapValue,
    SeqItem,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Emitter {
    out: String,
    column: usize,
    indent: usize,
    whitespace: bool,
    indention: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    let o = c as u32;
    (o == 0x0A
        || (0x20..=0x7E).contains(&o)
        || (0xA0..=0xD7FF).contains(&o)
        || ((0xE000..=0xFFFD).contains(&o) && o != 0xFEFF))
        && o <= 0xFFFF
}

#[derive(Debug, PartialEq, Eq)]
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

fn analyze(v: &str) -> Analysis {
    if v.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single: true,
            block: false,
        };
    }
    analyze_printable_ascii(v.as_bytes()).unwrap_or_else(|| analyze_chars(v))
}

/// [`analyze`], one character at a time.
fn analyze_chars(v: &str) -> Analysis {
    let mut chars = v.chars().peekable();
    let mut block_ind = v.starts_with("---") || v.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let mut preceded_ws = true;
    let (mut prev_space, mut prev_break) = (false, false);
    let mut first = true;
    while let Some(ch) = chars.next() {
        let next = chars.peek().copied();
        let last = next.is_none();
        let followed_ws = next.is_none_or(|c| c == ' ' || c == '\t' || is_break(c));
        if first {
            match ch {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_ind = true,
                '?' | ':' | '-' if followed_ws => block_ind = true,
                _ => {}
            }
        } else {
            match ch {
                ':' if followed_ws => block_ind = true,
                '#' if preceded_ws => block_ind = true,
                _ => {}
            }
        }
        if !is_printable(ch) {
            special = true;
        }
        if ch == ' ' {
            if first {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(ch) {
            line_breaks = true;
            if first {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = ch == ' ' || ch == '\t' || is_break(ch);
        first = false;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain: true,
        single: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single = false;
        a.block = false;
    }
    if line_breaks || block_ind {
        a.block_plain = false;
    }
    a
}

/// [`analyze`] for text of printable ASCII characters only (no tabs or line breaks), which
/// most scalars are; `None` for any other text.
fn analyze_printable_ascii(b: &[u8]) -> Option<Analysis> {
    if !b.iter().all(|c| (b' '..=b'~').contains(c)) {
        return None;
    }
    let n = b.len();
    let followed_ws = |i: usize| i + 1 >= n || b[i + 1] == b' ';
    let mut block_ind = b.starts_with(b"---")
        || b.starts_with(b"...")
        || matches!(
            b[0],
            b'#' | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        )
        || (matches!(b[0], b'?' | b':' | b'-') && followed_ws(0));
    if !block_ind {
        // Later on: `:` before a space or the end, `#` after a space.
        block_ind = memchr::memchr2_iter(b':', b'#', &b[1..]).any(|j| {
            let i = j + 1;
            if b[i] == b':' {
                followed_ws(i)
            } else {
                b[i - 1] == b' '
            }
        });
    }
    let leading_space = b[0] == b' ';
    let trailing_space = b[n - 1] == b' ';
    Some(Analysis {
        multiline: false,
        block_plain: !(leading_space || trailing_space || block_ind),
        single: true,
        block: !trailing_space,
    })
}

/// Would go-yaml v2 read this plain text as something other than a string? (`<<` is not
/// quoted: kustomize writes it plain.)
fn needs_quotes(s: &str) -> bool {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return true,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return true
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return true
        }
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return true,
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first == b'.' {
        return s.len() > 1
            && s.as_bytes()[1].is_ascii_digit()
            && crate::source::scalar::is_yaml_float(s);
    }
    if first.is_ascii_digit() || first == b'+' || first == b'-' {
        if v2_timestamp(s) {
            return true;
        }
        let plain: std::borrow::Cow<str> = if s.contains('_') {
            s.replace('_', "").into()
        } else {
            s.into()
        };
        if crate::source::scalar::go_parse_int(&plain).is_some()
            || crate::source::scalar::is_yaml_float(&plain)
        {
            return true;
        }
        if let Some(rest) = plain.strip_prefix("-0b") {
            if i64::from_str_radix(rest, 2).is_ok() {
                return true;
            }
        }
        if is_base60(s) {
            return true;
        }
    }
    false
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml v2 timestamp check: exactly four digits, a dash, then a valid date(-time).
fn v2_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    crate::source::timestamp::parse(s).is_some()
}

fn str_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if needs_quotes(s) {
        Style::Double
    } else {
        Style::Plain
    }
}

fn is_simple_key(k: &str) -> bool {
    k.len() <= 128 && !k.chars().any(is_break)
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            indent: 0,
            whitespace: true,
            indention: true,
        }
    }

    fn put(&mut self, c: char) {
        if c == '\n' {
            self.out.push('\n');
            self.column = 0;
        } else {
            self.out.push(c);
            self.column += 1;
        }
    }

    fn put_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// A line break of the text: `\n` as a line break, any other (`\r`, NEL, LS, PS) as
    /// itself, after which go-yaml counts a new line.
    fn write_break(&mut self, ch: char) {
        if ch == '\n' {
            self.put_break();
        } else {
            self.out.push(ch);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let ind = self.indent;
        if !self.indention || self.column > ind || (self.column == ind && !self.whitespace) {
            self.put_break();
        }
        while self.column < ind {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        self.put_str(s);
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn plain(&mut self, text: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        if !text.contains([' ', '\n']) {
            // Nothing to fold or break (most scalars): the text as it is.
            self.out.push_str(text);
            self.column += text.chars().count();
        } else {
            let v: Vec<char> = text.chars().collect();
            let mut spaces = false;
            for (i, &ch) in v.iter().enumerate() {
                if ch == ' ' {
                    let next_space = v.get(i + 1) == Some(&' ');
                    if !spaces && self.column > BEST_WIDTH && !next_space {
                        self.write_indent();
                    } else {
                        self.put(ch);
                    }
                    spaces = true;
                } else {
                    self.put(ch);
                    self.indention = false;
                    spaces = false;
                }
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn single(&mut self, v: &[char]) {
        self.indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let n = v.len();
        for (i, &ch) in v.iter().enumerate() {
            if ch == ' ' {
                if !spaces && self.column > BEST_WIDTH && i > 0 && i < n - 1 && v[i + 1] != ' ' {
                    self.write_indent();
                } else {
                    self.put(ch);
                }
                spaces = true;
            } else if is_break(ch) {
                if !breaks && ch == '\n' {
                    self.put_break();
                }
                self.write_break(ch);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if ch == '\'' {
                    self.put('\'');
                }
                self.put(ch);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn double(&mut self, v: &[char]) {
        let mut spaces = false;
        self.indicator("\"", true, false, false);
        let n = v.len();
        // go-yaml's BOM test looks at the start of the string whatever the position: a
        // string that starts with a BOM has every character escaped (`"\uFEFF\x61"`).
        let starts_with_bom = v.first() == Some(&'\u{FEFF}');
        for (i, &ch) in v.iter().enumerate() {
            let o = ch as u32;
            if starts_with_bom
                || !is_printable(ch)
                || o == 0xFEFF
                || is_break(ch)
                || ch == '"'
                || ch == '\\'
            {
                self.put('\\');
                let esc = match o {
                    0x00 => Some('0'),
                    0x07 => Some('a'),
                    0x08 => Some('b'),
                    0x09 => Some('t'),
                    0x0A => Some('n'),
                    0x0B => Some('v'),
                    0x0C => Some('f'),
                    0x0D => Some('r'),
                    0x1B => Some('e'),
                    0x22 => Some('"'),
                    0x5C => Some('\\'),
                    0x85 => Some('N'),
                    0xA0 => Some('_'),
                    0x2028 => Some('L'),
                    0x2029 => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(c) => self.put(c),
                    None if o <= 0xFF => self.put_str(&format!("x{o:02X}")),
                    None if o <= 0xFFFF => self.put_str(&format!("u{o:04X}")),
                    None => self.put_str(&format!("U{o:08X}")),
                }
                spaces = false;
            } else if ch == ' ' {
                if !spaces && self.column > BEST_WIDTH && i > 0 && i < n - 1 {
                    self.write_indent();
                    if v[i + 1] == ' ' {
                        self.put('\\');
                    }
                } else {
                    self.put(ch);
                }
                spaces = true;
            } else {
                self.put(ch);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, v: &[char]) {
        self.indicator("|", true, false, false);
        if v.first() == Some(&' ') || v.first().is_some_and(|c| is_break(*c)) {
            self.indicator("2", false, false, false);
        }
        let n = v.len();
        let chomp = if n == 0 || !is_break(v[n - 1]) {
            "-"
        } else if n == 1 || is_break(v[n - 2]) {
            "+"
        } else {
            ""
        };
        if !chomp.is_empty() {
            self.indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &ch in v {
            if is_break(ch) {
                self.write_break(ch);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(ch);
                self.indention = false;
                breaks = false;
            }
        }
    }

    fn scalar(&mut self, text: &str, requested: Style, simple_key: bool) {
        let a = analyze(text);
        let mut style = requested;
        if simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && (!a.block_plain || (text.is_empty() && simple_key)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block || simple_key) {
            style = Style::Double;
        }
        let chars = || text.chars().collect::<Vec<char>>();
        match style {
            Style::Plain => self.plain(text),
            Style::Single => self.single(&chars()),
            Style::Double => self.double(&chars()),
            Style::Literal => self.literal(&chars()),
        }
    }

    fn scalar_value(&mut self, v: &Value, simple_key: bool) {
        match v {
            Value::Null => self.scalar("null", Style::Plain, simple_key),
            Value::Bool(b) => {
                self.scalar(if *b { "true" } else { "false" }, Style::Plain, simple_key)
            }
            Value::Number(n) => self.scalar(&format_number(n), Style::Plain, simple_key),
            Value::String(s) => self.scalar(s, str_style(s), simple_key),
            _ => {}
        }
    }

    /// One entry of a block mapping whose entries are written at indent `child`; `i`, its
    /// place in the mapping.
    fn entry(&mut self, i: usize, k: &str, value: &Value, child: usize, ctx: Ctx) {
        self.indent = child;
        if !(i == 0 && ctx == Ctx::SeqItem) {
            self.write_indent();
        }
        if is_simple_key(k) {
            self.scalar(k, str_style(k), true);
            self.indicator(":", false, false, false);
        } else {
            self.indicator("?", true, false, true);
            self.indent = child + INDENT;
            self.scalar(k, str_style(k), false);
            self.indent = child;
            self.write_indent();
            self.indicator(":", true, false, true);
        }
        self.node(value, child, Ctx::MapValue);
    }

    fn node(&mut self, v: &Value, indent: usize, ctx: Ctx) {
        match v {
            Value::Object(m) => {
                if m.is_empty() {
                    self.indicator("{", true, true, false);
                    self.indicator("}", false, false, false);
                    return;
                }
                let child = if ctx == Ctx::Root {
                    indent
                } else {
                    indent + INDENT
                };
                // The mapping holds its keys in byte order, which is go-yaml's order for most
                // keys (lower-case names): those are written without a sorted copy.
                let in_order = m
                    .keys()
                    .zip(m.keys().skip(1))
                    .all(|(a, b)| compare_keys(a, b) != std::cmp::Ordering::Greater);
                if in_order {
                    for (i, (k, value)) in m.iter().enumerate() {
                        self.entry(i, k, value, child, ctx);
                    }
                } else {
                    let mut entries: Vec<(&kforge_value::Key, &Value)> = m.iter().collect();
                    entries.sort_by(|a, b| compare_keys(a.0, b.0));
                    for (i, (k, value)) in entries.into_iter().enumerate() {
                        self.entry(i, k, value, child, ctx);
                    }
                }
            }
            Value::Array(items) => {
                if items.is_empty() {
                    self.indicator("[", true, true, false);
                    self.indicator("]", false, false, false);
                    return;
                }
                let child = if ctx == Ctx::SeqItem {
                    indent + INDENT
                } else {
                    indent
                };
                for (i, item) in items.iter().enumerate() {
                    self.indent = child;
                    if !(i == 0 && ctx == Ctx::SeqItem) {
                        self.write_indent();
                    }
                    self.indicator("-", true, false, true);
                    self.node(item, child, Ctx::SeqItem);
                }
            }
            scalar => {
                self.indent = if ctx == Ctx::Root {
                    indent
                } else {
                    indent + INDENT
                };
                self.scalar_value(scalar, false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::format::format_go_float;
    use super::*;
    use kforge_value::json;
    use kforge_value::Number;

    #[test]
    fn floats_like_go() {
        assert_eq!(format_go_float(1234567.5), "1.2345675e+06");
        assert_eq!(format_go_float(123456.5), "123456.5");
        assert_eq!(format_go_float(0.0001), "0.0001");
        assert_eq!(format_go_float(0.00001), "1e-05");
        assert_eq!(format_go_float(1.5e-7), "1.5e-07");
        assert_eq!(format_go_float(1e20), "1e+20");
        assert_eq!(
            format_number(&Number::from_f64(1e19).unwrap()),
            "10000000000000000000"
        );
        assert_eq!(format_number(&Number::from_f64(1.0).unwrap()), "1");
    }

    #[test]
    fn key_order() {
        let mut keys = vec![
            "éa", "zz", "b2c10", "b2c9", "ab", "aB", "a10", "a9", "a001", "a01", "a1", "a00", "a0",
            "a~", "a_b", "a/b", "a.b", "a-b", "a b", "a", "Z", "A", "10", "9", "1", "_x",
        ];
        keys.sort_by(|a, b| compare_keys(a, b));
        assert_eq!(
            keys,
            vec![
                "_x", "1", "9", "10", "A", "Z", "a", "a b", "a-b", "a.b", "a/b", "a_b", "a~", "a0",
                "a00", "a1", "a01", "a001", "a9", "a10", "aB", "ab", "b2c9", "b2c10", "zz", "éa"
            ]
        );
    }

    #[test]
    fn ascii_analysis_is_the_general_one() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b" :#-?.,[]{}&*!|>'\"%@`ax1";
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 1 + (seed % 7) as usize;
            let s: String = (0..len)
                .map(|i| alphabet[((seed >> (8 * i)) % alphabet.len() as u64) as usize] as char)
                .collect();
            assert_eq!(
                analyze_printable_ascii(s.as_bytes()),
                Some(analyze_chars(&s)),
                "{s:?}"
            );
        }
    }

    #[test]
    fn structure() {
        let v = json!({"kind": "X", "list": [{"name": "a", "v": [1, [2, 3]]}], "empty": {}, "none": [], "n": null});
        assert_eq!(
            to_string(&v),
            "empty: {}\nkind: X\nlist:\n- name: a\n  v:\n  - 1\n  - - 2\n    - 3\n\"n\": null\nnone: []\n"
        );
    }

    #[test]
    fn quoting() {
        let v = json!({"a": "yes", "b": "0755", "c": "a: b", "d": "it's", "e": "a\tb", "f": "x\ny\n", "g": "1:20", "h": " x", "i": ""});
        assert_eq!(
            to_string(&v),
            "a: \"yes\"\nb: \"0755\"\nc: 'a: b'\nd: it's\ne: \"a\\tb\"\nf: |\n  x\n  y\ng: \"1:20\"\nh: ' x'\ni: \"\"\n"
        );
    }
}
