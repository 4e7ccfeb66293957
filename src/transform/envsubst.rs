//! Flux's post-build variable language: `${var}`, `${var:=default}`, `${var/a/b}` and the
//! other bash-like operators, read and evaluated as the envsubst library that
//! kustomize-controller substitutes with (fluxcd/pkg/envsubst, a fork of drone/envsubst).
//! A pure function of a text and the variables: no files, no objects.
//!
//! What the library does, and kforge with it (`tests/flux/` records the library's answers
//! with the library itself, and `docs/flux.md` describes the language):
//!
//! - The text outside `${...}` is copied, except that `$$` writes one `$` (so `$${var}`
//!   writes `${var}`). The drone library also reads `\\` as `\` and `\/` as `/` there;
//!   Flux's fork does not ([`Dialect`]). `$var` without braces is text.
//! - `${name}` where the name is letters, digits and `_`; after it one operator: `:=`,
//!   `:-`, `:?`, `:+`, `=` (a default when the value is empty, the text after it being
//!   text and further `${...}`), `:offset[:length]`, `#`/`##`/`%`/`%%` (glob trimming),
//!   `/`, `//`, `/#`, `/%` (replacement), `^`, `^^`, `,`, `,,` (case); `${#name}` is the
//!   length in bytes. Anything else is one of the library's five syntax errors.
//! - Lengths, offsets and trimming count bytes, as Go strings do: a cut through a
//!   multi-byte character leaves bytes that are not UTF-8, so the result is bytes.
//! - In strict mode (Flux's default since kustomize-controller 1.9) a variable with no
//!   value is an error unless its operator supplies a default (`-`, `=`, `?`, `+`, with
//!   or without `:`). Every function's arguments are evaluated before the variable is
//!   looked up, so `${set:=${unset}}` fails too. The library stops at the first such
//!   variable; [`Template::eval`] lists them all, in the library's order.

use std::fmt;

/// Which reading of backslashes outside `${...}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// fluxcd/pkg/envsubst (what kustomize-controller runs): outside `${...}` only `$$` is
    /// an escape; inside, `$$`, `\\` and `\/` are, as in the library.
    Flux,
    /// drone/envsubst: `$$`, `\\` and `\/` are escapes everywhere.
    Library,
}

/// One of the library's syntax errors, with the byte offset of the `${` being read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset of the `${` where reading failed.
    pub offset: usize,
    /// Which error.
    pub kind: SyntaxKind,
}

/// The library's syntax errors (their messages are the library's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxKind {
    /// `bad substitution`.
    BadSubstitution,
    /// `missing closing brace`.
    MissingClosingBrace,
    /// `unable to parse variable name`.
    VariableName,
    /// `unable to parse substitution within function`.
    FunctionArgument,
    /// `unable to parse default function`.
    DefaultFunction,
}

impl SyntaxKind {
    /// The library's message.
    pub fn message(self) -> &'static str {
        match self {
            SyntaxKind::BadSubstitution => "bad substitution",
            SyntaxKind::MissingClosingBrace => "missing closing brace",
            SyntaxKind::VariableName => "unable to parse variable name",
            SyntaxKind::FunctionArgument => "unable to parse substitution within function",
            SyntaxKind::DefaultFunction => "unable to parse default function",
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.message())
    }
}

/// A `${...}` of the text: its variable, operator and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The variable's name.
    pub name: String,
    /// The operator (`""` for `${name}`, `":="`, `"#"`, ...).
    pub op: String,
    /// Byte offset of its `${`.
    pub offset: usize,
}

impl Reference {
    /// Whether the operator supplies a value when the variable has none (strict mode
    /// accepts the variable unset then).
    pub fn has_default(&self) -> bool {
        matches!(
            self.op.as_str(),
            "-" | "+" | "=" | "?" | ":-" | ":+" | ":=" | ":?"
        )
    }
}

/// A parsed text.
#[derive(Clone, Debug)]
pub struct Template {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Func(Box<Func>),
}

#[derive(Clone, Debug)]
struct Func {
    reference: Reference,
    args: Vec<Node>,
}

/// What evaluating a text gives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluated {
    /// The result (not UTF-8 when an offset or a trim cut a character).
    pub bytes: Vec<u8>,
    /// In strict mode, the variables read with no value and no default, in the order the
    /// library meets them (it fails at the first); evaluation went on with `""` for them.
    pub unset: Vec<Reference>,
}

/// Evaluation failed where the library's Go code panics: `${var:offset:length}` with a
/// negative length that ends before the offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfRange {
    /// Byte offset of the `${`.
    pub offset: usize,
}

/// Why a substitution failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The text does not parse.
    Syntax(SyntaxError),
    /// A substring out of range.
    OutOfRange(OutOfRange),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax(e) => e.fmt(f),
            Error::OutOfRange(_) => f.write_str("substring out of range"),
        }
    }
}

/// Parse and evaluate `text` with the variables `lookup` knows (`None`: not set).
pub fn substitute<'v>(
    text: &str,
    dialect: Dialect,
    strict: bool,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
) -> Result<Evaluated, Error> {
    Template::parse(text, dialect)
        .map_err(Error::Syntax)?
        .eval(strict, lookup)
        .map_err(Error::OutOfRange)
}

impl Template {
    /// Parse `text`.
    pub fn parse(text: &str, dialect: Dialect) -> Result<Template, SyntaxError> {
        let mut p = Parser {
            s: Scanner::new(text, dialect),
            at: 0,
        };
        p.parse_text().map(|nodes| Template { nodes })
    }

    /// Every `${...}`, outer ones before the ones in their arguments.
    pub fn references(&self) -> Vec<Reference> {
        fn walk(nodes: &[Node], out: &mut Vec<Reference>) {
            for n in nodes {
                if let Node::Func(f) = n {
                    out.push(f.reference.clone());
                    walk(&f.args, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.nodes, &mut out);
        out
    }

    /// Evaluate with the variables `lookup` knows; in `strict` mode record the variables
    /// with no value and no default ([`Evaluated::unset`]).
    pub fn eval<'v>(
        &self,
        strict: bool,
        lookup: &dyn Fn(&str) -> Option<&'v str>,
    ) -> Result<Evaluated, OutOfRange> {
        let mut ev = Evaluated::default();
        let mut bytes = Vec::new();
        for n in &self.nodes {
            eval_node(n, strict, lookup, &mut ev.unset, &mut bytes)?;
        }
        ev.bytes = bytes;
        Ok(ev)
    }
}

fn eval_node<'v>(
    node: &Node,
    strict: bool,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    unset: &mut Vec<Reference>,
    out: &mut Vec<u8>,
) -> Result<(), OutOfRange> {
    match node {
        Node::Text(t) => out.extend_from_slice(t.as_bytes()),
        Node::Func(f) => {
            let mut args = Vec::with_capacity(f.args.len());
            for a in &f.args {
                let mut buf = Vec::new();
                eval_node(a, strict, lookup, unset, &mut buf)?;
                args.push(buf);
            }
            let r = &f.reference;
            let value = lookup(&r.name);
            if strict && value.is_none() && !r.has_default() {
                unset.push(r.clone());
            }
            let value = value.unwrap_or("").as_bytes();
            let result = ops::apply(&r.op, value, &args).ok_or(OutOfRange { offset: r.offset })?;
            out.extend_from_slice(&result);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading: a scanner of tokens in modes, as the library's reads them.

/// What the scanner recognises in its current mode.
#[derive(Clone, Copy)]
struct Mode {
    /// A run of accepted characters.
    ident: bool,
    /// `${`.
    open: bool,
    /// `}`.
    close: bool,
    /// Escape pairs (`$$`, and `\\`, `\/` where the dialect reads them).
    escape: bool,
}

const fn mode(ident: bool, open: bool, close: bool, escape: bool) -> Mode {
    Mode {
        ident,
        open,
        close,
        escape,
    }
}

const TEXT: Mode = mode(true, true, false, true);
const WORD: Mode = mode(true, false, false, false);
const WORD_OR_CLOSE: Mode = mode(true, false, true, false);
const CLOSE: Mode = mode(false, false, true, false);
const ESCAPED_WORD: Mode = mode(true, false, false, true);

/// Which characters a token takes: the character and how many bytes the token has once it
/// is taken (escape characters not counted).
type Accept = fn(char, usize) -> bool;

#[derive(Debug, PartialEq, Eq)]
enum Token {
    End,
    Open,
    Close,
    Word,
    Illegal,
}

struct Scanner<'t> {
    text: &'t str,
    pos: usize,
    /// The current token's text, escape characters removed.
    word: String,
    mode: Mode,
    accept: Accept,
    /// Whether `\\` and `\/` are escapes right now (the `$$` pair always is, in a mode
    /// that reads escapes).
    backslash: bool,
    dialect: Dialect,
}

fn accept_any(_: char, _: usize) -> bool {
    true
}
/// Letters, digits and `_` (Unicode letters and decimal digits, as Go classes them; see
/// `docs/flux.md` for the rare characters Rust's tables class otherwise).
fn accept_name(c: char, _: usize) -> bool {
    c == '_' || c.is_alphanumeric()
}
fn accept_colons(c: char, _: usize) -> bool {
    c == ':'
}
fn accept_one_colon(c: char, n: usize) -> bool {
    n == 1 && c == ':'
}
fn accept_one_hash(c: char, n: usize) -> bool {
    n == 1 && c == '#'
}
fn accept_one_equal(c: char, n: usize) -> bool {
    n == 1 && c == '='
}
fn accept_hashes(c: char, n: usize) -> bool {
    c == '#' && n < 3
}
fn accept_percents(c: char, n: usize) -> bool {
    c == '%' && n < 3
}
fn accept_case(c: char, n: usize) -> bool {
    (c == ',' || c == '^') && n < 3
}
fn accept_default_op(c: char, n: usize) -> bool {
    (n == 1 && c == ':') || (n == 2 && matches!(c, '=' | '-' | '?' | '+'))
}
fn accept_replace_op(c: char, n: usize) -> bool {
    (n == 1 && c == '/') || (n == 2 && matches!(c, '/' | '#' | '%'))
}
fn accept_slashes(c: char, _: usize) -> bool {
    c == '/'
}
fn accept_not_slash(c: char, _: usize) -> bool {
    c != '/'
}
fn accept_not_close(c: char, _: usize) -> bool {
    c != '}'
}
fn accept_not_colon_or_close(c: char, _: usize) -> bool {
    c != ':' && c != '}'
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str, dialect: Dialect) -> Scanner<'t> {
        Scanner {
            text,
            pos: 0,
            word: String::new(),
            mode: TEXT,
            accept: accept_any,
            backslash: dialect == Dialect::Library,
            dialect,
        }
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.text.get(at..).and_then(|s| s.chars().next())
    }

    fn peek(&self) -> Option<char> {
        self.char_at(self.pos)
    }

    /// Whether the characters at `at` are `${` (in a mode that reads it).
    fn opens_at(&self, at: usize) -> bool {
        self.mode.open && self.text.as_bytes().get(at..at + 2) == Some(b"${")
    }

    /// Whether the character at `at` starts an escape pair (in a mode that reads them).
    fn escape_at(&self, at: usize) -> bool {
        if !self.mode.escape {
            return false;
        }
        let b = self.text.as_bytes();
        match (b.get(at), b.get(at + 1)) {
            (Some(b'$'), Some(b'$')) => true,
            (Some(b'\\'), Some(b'\\' | b'/')) => self.backslash,
            _ => false,
        }
    }

    /// Read the next token in the current mode.
    fn scan(&mut self) -> Token {
        self.word.clear();
        let Some(c) = self.peek() else {
            return Token::End;
        };
        if self.opens_at(self.pos) {
            self.pos += 2;
            return Token::Open;
        }
        if self.mode.close && c == '}' {
            self.pos += 1;
            return Token::Close;
        }
        if self.mode.ident && self.scan_word() {
            return Token::Word;
        }
        // The character is consumed, as the library consumes it (an error follows).
        self.pos += c.len_utf8();
        Token::Illegal
    }

    /// A run of accepted characters (an escape pair contributes its second character,
    /// unchecked); stops before `${` where the mode reads it.
    fn scan_word(&mut self) -> bool {
        let mut taken = 0usize;
        let mut first = true;
        while let Some(c) = self.peek() {
            if !first && self.opens_at(self.pos) {
                break;
            }
            if self.escape_at(self.pos) {
                let second = self.char_at(self.pos + 1).expect("an escape pair");
                self.word.push(second);
                self.pos += 1 + second.len_utf8();
                taken += second.len_utf8();
                first = false;
                continue;
            }
            if !(self.accept)(c, taken + c.len_utf8()) {
                if first {
                    return false;
                }
                break;
            }
            self.word.push(c);
            self.pos += c.len_utf8();
            taken += c.len_utf8();
            first = false;
        }
        !first
    }

    fn set(&mut self, accept: Accept, mode: Mode) {
        self.accept = accept;
        self.mode = mode;
    }
}

struct Parser<'t> {
    s: Scanner<'t>,
    /// Offset of the `${` being read (for errors).
    at: usize,
}

impl Parser<'_> {
    fn fail(&self, kind: SyntaxKind) -> SyntaxError {
        SyntaxError {
            offset: self.at,
            kind,
        }
    }

    /// The whole text: words and `${...}`.
    fn parse_text(&mut self) -> Result<Vec<Node>, SyntaxError> {
        let mut nodes = Vec::new();
        loop {
            self.s.set(accept_any, TEXT);
            self.s.backslash = self.s.dialect == Dialect::Library;
            let start = self.s.pos;
            match self.s.scan() {
                Token::End => return Ok(nodes),
                Token::Word => nodes.push(Node::Text(std::mem::take(&mut self.s.word))),
                Token::Open => nodes.push(self.parse_func(start)?),
                _ => return Err(self.fail(SyntaxKind::BadSubstitution)),
            }
        }
    }

    /// After `${` (at byte `start`): the name, an operator and its arguments, `}`.
    fn parse_func(&mut self, start: usize) -> Result<Node, SyntaxError> {
        let outer = std::mem::replace(&mut self.at, start);
        // Inside a function every escape pair is read, in both dialects.
        self.s.backslash = true;
        let node = if self.s.peek() == Some('#') {
            self.parse_length(start)
        } else {
            self.parse_named(start)
        };
        self.at = outer;
        node
    }

    fn func(name: String, op: &str, offset: usize, args: Vec<Node>) -> Node {
        Node::Func(Box::new(Func {
            reference: Reference {
                name,
                op: op.to_owned(),
                offset,
            },
            args,
        }))
    }

    /// A token of `accept` in `mode`, else `error`.
    fn expect_word(
        &mut self,
        accept: Accept,
        mode: Mode,
        error: SyntaxKind,
    ) -> Result<String, SyntaxError> {
        self.s.set(accept, mode);
        match self.s.scan() {
            Token::Word => Ok(std::mem::take(&mut self.s.word)),
            _ => Err(self.fail(error)),
        }
    }

    fn expect_close(&mut self) -> Result<(), SyntaxError> {
        self.s.set(accept_any, CLOSE);
        match self.s.scan() {
            Token::Close => Ok(()),
            _ => Err(self.fail(SyntaxKind::BadSubstitution)),
        }
    }

    /// `${#name}`.
    fn parse_length(&mut self, start: usize) -> Result<Node, SyntaxError> {
        let op = self.expect_word(accept_one_hash, WORD, SyntaxKind::BadSubstitution)?;
        let name = self.expect_word(accept_name, WORD, SyntaxKind::BadSubstitution)?;
        self.expect_close()?;
        Ok(Self::func(name, &op, start, Vec::new()))
    }

    fn parse_named(&mut self, start: usize) -> Result<Node, SyntaxError> {
        let name = self.expect_word(accept_name, WORD, SyntaxKind::VariableName)?;
        match self.s.peek() {
            Some(':') => match self.s.char_at(self.s.pos + 1) {
                Some('=' | '-' | '?' | '+') => self.parse_default(name, start),
                // The library looks one character past the `:` and steps back by that
                // character's width: at the end of the text it stays past the `:`, and
                // after a multi-byte character it lands inside the name; either way it
                // then fails to read the `:`.
                None => Err(self.fail(SyntaxKind::BadSubstitution)),
                Some(c) if c.len_utf8() > 1 => Err(self.fail(SyntaxKind::BadSubstitution)),
                Some(_) => self.parse_substring(name, start),
            },
            Some('=') => self.parse_default(name, start),
            Some(',' | '^') => {
                let op = self.expect_word(accept_case, WORD, SyntaxKind::BadSubstitution)?;
                self.expect_close()?;
                Ok(Self::func(name, &op, start, Vec::new()))
            }
            Some('/') => self.parse_replace(name, start),
            Some('#') => self.parse_trim(name, start, accept_hashes),
            Some('%') => self.parse_trim(name, start, accept_percents),
            _ => {
                self.s.set(accept_name, CLOSE);
                match self.s.scan() {
                    Token::Close => Ok(Self::func(name, "", start, Vec::new())),
                    _ => Err(self.fail(SyntaxKind::MissingClosingBrace)),
                }
            }
        }
    }

    /// One argument: a nested `${...}` or a word of `accept` in `mode`.
    fn parse_arg(&mut self, accept: Accept, mode: Mode) -> Result<Node, SyntaxError> {
        self.s.set(accept, Mode { open: true, ..mode });
        let start = self.s.pos;
        match self.s.scan() {
            Token::Open => self.parse_func(start),
            Token::Word | Token::Close => Ok(Node::Text(std::mem::take(&mut self.s.word))),
            _ => Err(self.fail(SyntaxKind::FunctionArgument)),
        }
    }

    /// `${name:offset}` and `${name:offset:length}`.
    fn parse_substring(&mut self, name: String, start: usize) -> Result<Node, SyntaxError> {
        let op = self.expect_word(accept_one_colon, WORD, SyntaxKind::BadSubstitution)?;
        let mut args = vec![self.parse_arg(accept_not_colon_or_close, WORD)?];
        self.s.set(accept_colons, WORD_OR_CLOSE);
        match self.s.scan() {
            Token::Close => return Ok(Self::func(name, &op, start, args)),
            Token::Word => {}
            _ => return Err(self.fail(SyntaxKind::BadSubstitution)),
        }
        args.push(self.parse_arg(accept_not_close, WORD)?);
        self.expect_close()?;
        Ok(Self::func(name, &op, start, args))
    }

    /// `${name#glob}`, `##`, `%`, `%%`.
    fn parse_trim(
        &mut self,
        name: String,
        start: usize,
        accept: Accept,
    ) -> Result<Node, SyntaxError> {
        let op = self.expect_word(accept, WORD, SyntaxKind::BadSubstitution)?;
        let args = vec![self.parse_arg(accept_not_close, WORD)?];
        self.expect_close()?;
        Ok(Self::func(name, &op, start, args))
    }

    /// `${name/from/to}`, `//`, `/#`, `/%`.
    fn parse_replace(&mut self, name: String, start: usize) -> Result<Node, SyntaxError> {
        let op = self.expect_word(accept_replace_op, WORD, SyntaxKind::BadSubstitution)?;
        let mut args = vec![self.parse_arg(accept_not_slash, ESCAPED_WORD)?];
        self.expect_word(accept_slashes, WORD, SyntaxKind::BadSubstitution)?;
        if self.s.peek() != Some('}') {
            args.push(self.parse_arg(accept_not_close, ESCAPED_WORD)?);
        }
        self.expect_close()?;
        Ok(Self::func(name, &op, start, args))
    }

    /// `${name:=default}`, `:-`, `:?`, `:+`, `=`: any number of arguments up to `}`.
    fn parse_default(&mut self, name: String, start: usize) -> Result<Node, SyntaxError> {
        let accept: Accept = if self.s.peek() == Some('=') {
            accept_one_equal
        } else {
            accept_default_op
        };
        let op = self.expect_word(accept, WORD, SyntaxKind::DefaultFunction)?;
        let mut args = Vec::new();
        while self.s.peek() != Some('}') {
            args.push(self.parse_arg(accept_not_close, WORD)?);
        }
        self.expect_close()?;
        Ok(Self::func(name, &op, start, args))
    }
}

// ---------------------------------------------------------------------------------------
// The operators, on bytes as Go strings are.

mod ops {
    /// Go's decoding of one rune at the start of `b`: the character (U+FFFD for a byte
    /// that starts no valid sequence) and its width (1 for such a byte).
    pub(super) fn rune(b: &[u8]) -> (char, usize) {
        let n = match b.first() {
            None => return ('\u{FFFD}', 0),
            Some(0x00..=0x7F) => 1,
            Some(0xC2..=0xDF) => 2,
            Some(0xE0..=0xEF) => 3,
            Some(0xF0..=0xF4) => 4,
            Some(_) => return ('\u{FFFD}', 1),
        };
        match b.get(..n).and_then(|s| std::str::from_utf8(s).ok()) {
            Some(s) => (s.chars().next().expect("one character"), n),
            None => ('\u{FFFD}', 1),
        }
    }

    fn runes(b: &[u8]) -> Vec<char> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let (c, n) = rune(&b[i..]);
            out.push(c);
            i += n;
        }
        out
    }

    fn encode(cs: impl Iterator<Item = char>) -> Vec<u8> {
        cs.collect::<String>().into_bytes()
    }

    /// One rune through Go's simple case mapping (one rune to one rune). Rust maps with
    /// the full mapping, which gives several characters where the simple one gives one or
    /// none: the simple mappings among those are the dotted capital I (lower case `i`) and
    /// the Greek vowels with ypogegrammeni (upper case: the same vowel with
    /// prosgegrammeni); the others keep the rune.
    fn map_case(c: char, upper: bool) -> char {
        let special = match (upper, c as u32) {
            (false, 0x130) => Some(0x69),
            (true, u @ (0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7)) => Some(u + 8),
            (true, 0x1FB3) => Some(0x1FBC),
            (true, 0x1FC3) => Some(0x1FCC),
            (true, 0x1FF3) => Some(0x1FFC),
            _ => None,
        };
        if let Some(m) = special.and_then(char::from_u32) {
            return m;
        }
        let mut it: Box<dyn Iterator<Item = char>> = if upper {
            Box::new(c.to_uppercase())
        } else {
            Box::new(c.to_lowercase())
        };
        match (it.next(), it.next()) {
            (Some(m), None) => m,
            _ => c,
        }
    }

    fn case_all(s: &[u8], upper: bool) -> Vec<u8> {
        // Valid UTF-8 maps rune by rune; bytes that are not UTF-8 become U+FFFD, as
        // Go's strings.Map writes them.
        encode(runes(s).into_iter().map(|c| map_case(c, upper)))
    }

    fn case_first(s: &[u8], upper: bool) -> Vec<u8> {
        if s.is_empty() {
            return Vec::new();
        }
        let (c, n) = rune(s);
        let mut out = encode(std::iter::once(map_case(c, upper)));
        out.extend_from_slice(&s[n..]);
        out
    }

    /// Go's strconv.Atoi: an optional sign and decimal digits, within 64 bits.
    fn atoi(s: &[u8]) -> Option<i64> {
        let text = std::str::from_utf8(s).ok()?;
        let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<i64>().ok()
    }

    /// `${var:offset[:length]}`; `None` where the library's slicing panics.
    fn substring(s: &[u8], args: &[Vec<u8>]) -> Option<Vec<u8>> {
        let Some(first) = args.first() else {
            return Some(s.to_vec());
        };
        let len = s.len() as i64;
        let Some(mut pos) = atoi(first) else {
            return Some(s.to_vec());
        };
        if pos < 0 {
            pos = (len + pos).max(0);
        }
        if args.len() == 1 {
            return Some(if pos < len {
                s[pos as usize..].to_vec()
            } else {
                Vec::new()
            });
        }
        let Some(length) = atoi(&args[1]) else {
            return Some(s.to_vec());
        };
        let end = pos.wrapping_add(length);
        if end >= len {
            return Some(if pos < len {
                s[pos as usize..].to_vec()
            } else {
                Vec::new()
            });
        }
        if end < pos || end < 0 || pos > len {
            return None;
        }
        Some(s[pos as usize..end as usize].to_vec())
    }

    fn find(s: &[u8], pat: &[u8], from: usize) -> Option<usize> {
        if pat.is_empty() {
            return Some(from);
        }
        s.get(from..)?
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|i| i + from)
    }

    /// Go's strings.Replace: `n` replacements (`None`: all); an empty `old` matches before
    /// each rune and at the end.
    fn replace(s: &[u8], old: &[u8], new: &[u8], n: Option<usize>) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len());
        let mut done = 0usize;
        let mut at = 0usize;
        let limit = n.unwrap_or(usize::MAX);
        if old.is_empty() {
            while done < limit {
                out.extend_from_slice(new);
                done += 1;
                if at >= s.len() {
                    return out;
                }
                let (_, w) = rune(&s[at..]);
                out.extend_from_slice(&s[at..at + w]);
                at += w;
            }
            out.extend_from_slice(&s[at..]);
            return out;
        }
        while done < limit {
            let Some(i) = find(s, old, at) else { break };
            out.extend_from_slice(&s[at..i]);
            out.extend_from_slice(new);
            at = i + old.len();
            done += 1;
        }
        out.extend_from_slice(&s[at..]);
        out
    }

    fn reverse(s: &[u8]) -> Vec<u8> {
        let mut cs = runes(s);
        cs.reverse();
        encode(cs.into_iter())
    }

    /// Trim the shortest (or longest) prefix of `s` matching `pat`.
    fn trim(s: &[u8], pat: &[u8], longest: bool) -> Vec<u8> {
        let mut found: Option<usize> = None;
        for cut in (1..=s.len()).rev() {
            match super::glob::matches(pat, &s[..cut]) {
                Err(()) => return s.to_vec(),
                Ok(true) => {
                    found = Some(cut);
                    if longest {
                        break;
                    }
                }
                Ok(false) => {}
            }
        }
        match found {
            Some(cut) => s[cut..].to_vec(),
            None => s.to_vec(),
        }
    }

    fn trim_suffix(s: &[u8], pat: &[u8], longest: bool) -> Vec<u8> {
        reverse(&trim(&reverse(s), &reverse(pat), longest))
    }

    /// The operator `op` on the value `v` with its evaluated arguments; `None` where the
    /// library panics.
    pub(super) fn apply(op: &str, v: &[u8], args: &[Vec<u8>]) -> Option<Vec<u8>> {
        let arg = |i: usize| args.get(i).map(Vec::as_slice);
        Some(match op {
            "," => case_first(v, false),
            ",," => case_all(v, false),
            "^" => case_first(v, true),
            "^^" => case_all(v, true),
            "#" => match arg(0) {
                None => v.len().to_string().into_bytes(),
                Some(p) => trim(v, p, false),
            },
            "##" => arg(0).map_or_else(|| v.to_vec(), |p| trim(v, p, true)),
            "%" => arg(0).map_or_else(|| v.to_vec(), |p| trim_suffix(v, p, false)),
            "%%" => arg(0).map_or_else(|| v.to_vec(), |p| trim_suffix(v, p, true)),
            ":" => return substring(v, args),
            "/#" => match (arg(0), arg(1), args.len()) {
                (Some(from), Some(to), 2) if v.starts_with(from) => replace(v, from, to, Some(1)),
                _ => v.to_vec(),
            },
            "/%" => match (arg(0), arg(1), args.len()) {
                (Some(from), Some(to), 2) if v.ends_with(from) => {
                    let mut out = v[..v.len() - from.len()].to_vec();
                    out.extend_from_slice(to);
                    out
                }
                _ => v.to_vec(),
            },
            "/" | "//" => {
                let n = (op == "/").then_some(1);
                match (arg(0), arg(1)) {
                    (None, _) => v.to_vec(),
                    (Some(from), to) => replace(v, from, to.unwrap_or_default(), n),
                }
            }
            // `:=`, `:-`, `=`, `:?`, `:+`, `-`, `+` and any other operator: the value,
            // or the arguments joined when it is empty.
            _ if v.is_empty() && !args.is_empty() => args.concat(),
            _ => v.to_vec(),
        })
    }
}

// ---------------------------------------------------------------------------------------
// The library's glob matcher for `#`, `##`, `%`, `%%` (Go's path.Match with two changes:
// `*` and `?` also match `/`, and a trailing `*` matches the rest).

mod glob {
    use super::ops::rune;

    /// The next chunk: whether stars lead it, the chunk up to the next star outside a
    /// class, and the rest.
    fn chunk(p: &[u8]) -> (bool, &[u8], &[u8]) {
        let mut p = p;
        let mut star = false;
        while let Some((b'*', rest)) = p.split_first() {
            p = rest;
            star = true;
        }
        let mut in_class = false;
        let mut i = 0;
        while i < p.len() {
            match p[i] {
                b'\\' if i + 1 < p.len() => i += 1,
                b'[' => in_class = true,
                b']' => in_class = false,
                b'*' if !in_class => break,
                _ => {}
            }
            i += 1;
        }
        (star, &p[..i], &p[i..])
    }

    /// A possibly escaped character of a class: the character and the rest.
    fn class_char(c: &[u8]) -> Result<(char, &[u8]), ()> {
        let mut c = c;
        match c.first() {
            None | Some(b'-') | Some(b']') => return Err(()),
            Some(b'\\') => {
                c = &c[1..];
                if c.is_empty() {
                    return Err(());
                }
            }
            _ => {}
        }
        let (r, n) = rune(c);
        let rest = &c[n..];
        if (r == '\u{FFFD}' && n == 1) || rest.is_empty() {
            return Err(());
        }
        Ok((r, rest))
    }

    /// Whether `chunk` matches the start of `s`: the rest of `s` when it does. `Err` for
    /// a malformed pattern (found only where matching reaches it).
    fn match_chunk<'s>(chunk: &[u8], s: &'s [u8]) -> Result<Option<&'s [u8]>, ()> {
        let mut chunk = chunk;
        let mut s = s;
        while !chunk.is_empty() {
            if s.is_empty() {
                return Ok(None);
            }
            match chunk[0] {
                b'[' => {
                    let (r, n) = rune(s);
                    s = &s[n..];
                    chunk = &chunk[1..];
                    let mut negated = false;
                    if chunk.first() == Some(&b'^') {
                        negated = true;
                        chunk = &chunk[1..];
                    }
                    let mut matched = false;
                    let mut ranges = 0;
                    loop {
                        if chunk.first() == Some(&b']') && ranges > 0 {
                            chunk = &chunk[1..];
                            break;
                        }
                        let (lo, rest) = class_char(chunk)?;
                        chunk = rest;
                        let mut hi = lo;
                        if chunk[0] == b'-' {
                            let (h, rest) = class_char(&chunk[1..])?;
                            hi = h;
                            chunk = rest;
                        }
                        if lo <= r && r <= hi {
                            matched = true;
                        }
                        ranges += 1;
                    }
                    if matched == negated {
                        return Ok(None);
                    }
                }
                b'?' => {
                    let (_, n) = rune(s);
                    s = &s[n..];
                    chunk = &chunk[1..];
                }
                b => {
                    let lit = if b == b'\\' {
                        chunk = &chunk[1..];
                        *chunk.first().ok_or(())?
                    } else {
                        b
                    };
                    if lit != s[0] {
                        return Ok(None);
                    }
                    s = &s[1..];
                    chunk = &chunk[1..];
                }
            }
        }
        Ok(Some(s))
    }

    /// Whether all of `name` matches `pattern`.
    pub(super) fn matches(pattern: &[u8], name: &[u8]) -> Result<bool, ()> {
        let mut pattern = pattern;
        let mut name = name;
        'chunks: while !pattern.is_empty() {
            let (star, chunk, rest) = chunk(pattern);
            pattern = rest;
            if star && chunk.is_empty() {
                return Ok(true);
            }
            match match_chunk(chunk, name) {
                Ok(Some(t)) if t.is_empty() || !pattern.is_empty() => {
                    name = t;
                    continue;
                }
                Err(()) => return Err(()),
                _ => {}
            }
            if star {
                for i in 0..name.len() {
                    match match_chunk(chunk, &name[i + 1..]) {
                        Ok(Some(t)) => {
                            if pattern.is_empty() && !t.is_empty() {
                                continue;
                            }
                            name = t;
                            continue 'chunks;
                        }
                        Err(()) => return Err(()),
                        Ok(None) => {}
                    }
                }
            }
            return Ok(false);
        }
        Ok(name.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, vars: &[(&str, &str)], dialect: Dialect, strict: bool) -> String {
        let lookup = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        match substitute(text, dialect, strict, &lookup) {
            Ok(e) if e.unset.is_empty() => String::from_utf8_lossy(&e.bytes).into_owned(),
            Ok(e) => format!("unset: {}", e.unset[0].name),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn the_documented_operators() {
        let v = [("env", "prod"), ("name", "Hello World"), ("empty", "")];
        let f = |t: &str| run(t, &v, Dialect::Flux, false);
        assert_eq!(f("a-${env}-b"), "a-prod-b");
        assert_eq!(f("${missing:=dev}"), "dev");
        assert_eq!(f("${empty:-x${env}y}"), "xprody");
        assert_eq!(f("${#name}"), "11");
        assert_eq!(
            f("${name^^}/${name,,}/${env^}"),
            "HELLO WORLD/hello world/Prod"
        );
        assert_eq!(
            f("${name:6}|${name:0:5}|${name:-5}"),
            "World|Hello|Hello World"
        );
        assert_eq!(
            f("${name/o/0}|${name//o/0}|${name/#Hello/Bye}"),
            "Hell0 World|Hell0 W0rld|Bye World"
        );
        assert_eq!(
            f("${name#*o}|${name##*o}|${name%o*}|${name%%o*}"),
            " World|rld|Hello W|Hell"
        );
        assert_eq!(f("$${env} $env $"), "${env} $env $");
        assert_eq!(f("${var-x}"), "error: missing closing brace");
        assert_eq!(f("${}"), "error: unable to parse variable name");
        assert_eq!(f("${env"), "error: missing closing brace");
        assert_eq!(
            f("${env:=a"),
            "error: unable to parse substitution within function"
        );
    }

    #[test]
    fn backslashes_outside_braces_differ_by_dialect() {
        let t = r"a\\b\/c ${x/\//-}";
        let v = [("x", "p/q")];
        assert_eq!(run(t, &v, Dialect::Library, false), r"a\b/c p-q");
        assert_eq!(run(t, &v, Dialect::Flux, false), r"a\\b\/c p-q");
    }

    #[test]
    fn strict_mode_lists_unset_variables_in_order() {
        let lookup = |n: &str| (n == "set").then_some("v");
        let e = substitute(
            "${a} ${set:=${b}} ${c:=x} ${#d}",
            Dialect::Flux,
            true,
            &lookup,
        )
        .unwrap();
        let names: Vec<&str> = e.unset.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "d"]);
        assert_eq!(e.unset[1].offset, 12);
    }

    #[test]
    fn byte_offsets_can_cut_characters() {
        let v = [("s", "héllo")];
        let lookup = |n: &str| v.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        let e = substitute("${s:0:2}", Dialect::Flux, false, &lookup).unwrap();
        assert_eq!(e.bytes, b"h\xC3");
        assert!(matches!(
            substitute("${s:3:-2}", Dialect::Flux, false, &lookup),
            Err(Error::OutOfRange(_))
        ));
    }
}
