//! Large YAML streams parsed on all cores: cut at `---` lines into pieces, each parsed on
//! its own and its positions shifted back, with the same documents, positions and errors as
//! one pass of [`super::yaml`]'s parser.

use super::yaml::{parse_serial, Document, Duplicates, Limits, Schema, YamlError};

/// Smallest piece of a stream worth a thread of its own.
pub(super) const PIECE_BYTES: usize = 256 * 1024;

/// [`parse_stream`] with pieces of `piece_bytes` (no size limit, no BOM handling), for
/// tests and fuzzing that compare it with [`parse_stream_in_one_pass`].
#[doc(hidden)]
pub fn parse_stream_in_pieces(
    text: &str,
    schema: Schema,
    limits: Limits,
    piece_bytes: usize,
) -> Result<Vec<Document>, YamlError> {
    parse(text, schema, limits, piece_bytes.max(1))
}

/// Parse `text` in pieces of about `piece_bytes` on all cores, or in one pass when it is
/// small, has directives, or a piece fails (so errors are those of one pass).
pub(super) fn parse(
    text: &str,
    schema: Schema,
    limits: Limits,
    piece_bytes: usize,
) -> Result<Vec<Document>, YamlError> {
    let pieces = split_documents(text, piece_bytes);
    if pieces.len() > 1 {
        let parsed = crate::parallel::map(&pieces, |&(first_line, piece)| {
            let mut docs = parse_serial(piece, schema, limits, Duplicates::Refused).ok()?;
            for d in &mut docs {
                d.shift_lines(first_line);
            }
            Some(docs)
        });
        if parsed.iter().all(Option::is_some) {
            let total = parsed.iter().flatten().map(Vec::len).sum();
            let mut docs = Vec::with_capacity(total);
            for piece in parsed.into_iter().flatten() {
                docs.extend(piece);
            }
            return Ok(docs);
        }
    }
    parse_serial(text, schema, limits, Duplicates::Refused)
}

/// Cut `text` into pieces of about `piece_bytes` (at least), each starting at a `---` line
/// at column 1, which always starts a new document: `(lines before the piece, piece)`.
/// Streams with directives (`%YAML`, `%TAG`, which reach across a `---`) or with a bare
/// carriage return (a line break that line counting here would miss) stay whole.
pub(super) fn split_documents(text: &str, piece_bytes: usize) -> Vec<(u32, &str)> {
    let whole = vec![(0, text)];
    if text.len() < 2 * piece_bytes || text.starts_with('%') || text.contains("\n%") {
        return whole;
    }
    let bytes = text.as_bytes();
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return whole;
    }
    let mut pieces = Vec::new();
    let (mut start, mut start_line) = (0usize, 0u32);
    for (line, nl) in memchr::memchr_iter(b'\n', bytes).enumerate() {
        let at = nl + 1;
        let rest = &bytes[at..];
        let marker = rest.starts_with(b"---")
            && matches!(rest.get(3), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
        if marker && at - start >= piece_bytes && text.len() - at >= piece_bytes {
            // The piece keeps the next `---` (an empty document, dropped) so that the
            // parser sees how its last document ends exactly as in one pass: some
            // positions (e.g. of an empty block scalar) are those of the next token.
            pieces.push((start_line, &text[start..at + 3]));
            start = at;
            start_line = line as u32 + 1;
        }
    }
    pieces.push((start_line, &text[start..]));
    pieces
}

impl Document {
    /// Move every position down by `lines` (for a piece parsed on its own).
    fn shift_lines(&mut self, lines: u32) {
        self.start.line += lines;
        self.spans.shift_lines(lines);
    }
}
