//! Go's `path/filepath` patterns (Unix), which `kustomize edit add resource` expands
//! against the file system and `kustomize edit remove resource` matches against the listed
//! entries: `*` (any run of characters but `/`), `?` (one character but `/`), `[...]`
//! classes with ranges and a leading `^` for negation, and `\` escaping the next character.
//! A malformed pattern is an error (Go's `ErrBadPattern`), also when the name stops
//! matching before the malformed part.

use std::path::Path;

/// Go's `filepath.ErrBadPattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

/// Whether `name` matches `pattern` as a whole.
pub fn matches(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pat = pattern.as_bytes();
    let mut name = name.as_bytes();
    'chunks: while !pat.is_empty() {
        let (star, chunk, rest) = next_chunk(pat);
        pat = rest;
        if star && chunk.is_empty() {
            // A trailing star takes the rest of the name, unless it crosses a separator.
            return Ok(!name.contains(&b'/'));
        }
        // The chunk right here; when it is the last one it must use up the name.
        let here = match_chunk(chunk, name)?;
        if let Some(left) = here {
            if left.is_empty() || !pat.is_empty() {
                name = left;
                continue;
            }
        }
        if star {
            // Let the star take 1, 2, ... characters, never a separator.
            let mut skip = 0;
            while skip < name.len() && name[skip] != b'/' {
                skip += 1;
                if let Some(left) = match_chunk(chunk, &name[skip..])? {
                    if pat.is_empty() && !left.is_empty() {
                        continue;
                    }
                    name = left;
                    continue 'chunks;
                }
            }
        }
        // No match: the rest of the pattern must still be well formed.
        while !pat.is_empty() {
            let (_, chunk, rest) = next_chunk(pat);
            pat = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Split off the leading stars and the chunk up to the next star outside a class.
fn next_chunk(mut pat: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let [b'*', rest @ ..] = pat {
        pat = rest;
        star = true;
    }
    let mut in_class = false;
    let mut i = 0;
    while i < pat.len() {
        match pat[i] {
            b'\\' if i + 1 < pat.len() => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'*' if !in_class => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pat[..i], &pat[i..])
}

/// Match a star-free chunk at the start of `s`: what is left of `s`, `None` when it does
/// not match. The whole chunk is always checked for syntax.
fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<Option<&'a [u8]>, BadPattern> {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            b'[' => {
                let mut ch = None;
                if !failed {
                    let (r, n) = first_char(s);
                    ch = Some(r);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut hit = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&b']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = class_char(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (h, rest) = class_char(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if ch.is_some_and(|r| lo <= r && r <= hi) {
                        hit = true;
                    }
                    ranges += 1;
                }
                if hit == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    let (_, n) = first_char(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                let lit = if c == b'\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(BadPattern)?
                } else {
                    c
                };
                if !failed {
                    if s[0] != lit {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok((!failed).then_some(s))
}

/// The first character of `s` and its length in bytes (an invalid byte counts as one).
fn first_char(s: &[u8]) -> (char, usize) {
    let take = s.len().min(4);
    for n in 1..=take {
        if let Ok(text) = std::str::from_utf8(&s[..n]) {
            if let Some(c) = text.chars().next() {
                return (c, n);
            }
        }
    }
    (char::REPLACEMENT_CHARACTER, 1)
}

/// One character of a class (escapes resolved), and the rest of the chunk, which must not
/// end there.
fn class_char(chunk: &[u8]) -> Result<(char, &[u8]), BadPattern> {
    let mut chunk = match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => &chunk[1..],
        Some(_) => chunk,
    };
    if chunk.is_empty() {
        return Err(BadPattern);
    }
    let (c, n) = first_char(chunk);
    if c == char::REPLACEMENT_CHARACTER && n == 1 && std::str::from_utf8(&chunk[..1]).is_err() {
        return Err(BadPattern);
    }
    chunk = &chunk[n..];
    if chunk.is_empty() {
        return Err(BadPattern);
    }
    Ok((c, chunk))
}

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '\\'])
}

/// Go's `filepath.Glob` with relative patterns taken from `base`: the matching paths,
/// spelled as the pattern spells them (sorted within each directory), or the pattern itself
/// when it has no special characters and names something that exists. Unreadable
/// directories are skipped, as in Go.
pub fn glob(base: &Path, pattern: &str) -> Result<Vec<String>, BadPattern> {
    matches(pattern, "")?;
    glob_depth(base, pattern, 0)
}

fn glob_depth(base: &Path, pattern: &str, depth: usize) -> Result<Vec<String>, BadPattern> {
    if depth > 10_000 {
        return Err(BadPattern);
    }
    if !has_meta(pattern) {
        return Ok(if std::fs::symlink_metadata(base.join(pattern)).is_ok() {
            vec![pattern.to_owned()]
        } else {
            Vec::new()
        });
    }
    let (dir, file) = match pattern.rfind('/') {
        Some(i) => (&pattern[..=i], &pattern[i + 1..]),
        None => ("", pattern),
    };
    let dir = match dir {
        "" => ".",
        "/" => "/",
        d => &d[..d.len() - 1],
    };
    if !has_meta(dir) {
        return read_matching(base, dir, file, Vec::new());
    }
    if dir == pattern {
        return Err(BadPattern);
    }
    let mut out = Vec::new();
    for d in glob_depth(base, dir, depth + 1)? {
        out = read_matching(base, &d, file, out)?;
    }
    Ok(out)
}

/// The entries of directory `dir` matching `pattern`, joined to it as Go's `Join` does.
fn read_matching(
    base: &Path,
    dir: &str,
    pattern: &str,
    mut out: Vec<String>,
) -> Result<Vec<String>, BadPattern> {
    let full = base.join(dir);
    if !std::fs::metadata(&full).is_ok_and(|m| m.is_dir()) {
        return Ok(out);
    }
    let Ok(entries) = std::fs::read_dir(&full) else {
        return Ok(out);
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        if matches(pattern, &n)? {
            out.push(join_clean(dir, &n));
        }
    }
    Ok(out)
}

/// `filepath.Join(dir, name)`: joined and cleaned (`./a` is `a`, `x/../a` is `a`).
fn join_clean(dir: &str, name: &str) -> String {
    let joined = format!("{dir}/{name}");
    let absolute = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    match (absolute, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_cases() {
        // Cases from the behaviour of Go's filepath.Match.
        let ok = |p: &str, n: &str, want: bool| assert_eq!(matches(p, n), Ok(want), "{p} {n}");
        ok("abc", "abc", true);
        ok("*", "abc", true);
        ok("*c", "abc", true);
        ok("a*", "a", true);
        ok("a*", "abc", true);
        ok("a*", "ab/c", false);
        ok("a*/b", "abc/b", true);
        ok("a*/b", "a/c/b", false);
        ok("a*b*c*d*e*/f", "axbxcxdxe/f", true);
        ok("a*b*c*d*e*/f", "axbxcxdxexxx/f", true);
        ok("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false);
        ok("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false);
        ok("a*b?c*x", "abxbbxdbxebxczzx", true);
        ok("a*b?c*x", "abxbbxdbxebxczzy", false);
        ok("ab[c]", "abc", true);
        ok("ab[b-d]", "abc", true);
        ok("ab[e-g]", "abc", false);
        ok("ab[^c]", "abc", false);
        ok("ab[^b-d]", "abc", false);
        ok("ab[^e-g]", "abc", true);
        ok("a\\*b", "a*b", true);
        ok("a\\*b", "ab", false);
        ok("a?b", "a☺b", true);
        ok("a[^a]b", "a☺b", true);
        ok("a???b", "a☺b", false);
        ok("a[^a][^a][^a]b", "a☺b", false);
        ok("[a-ζ]*", "α", true);
        ok("*[a-ζ]", "A", false);
        ok("a?b", "a/b", false);
        ok("a*b", "a/b", false);
        ok("[\\]a]", "]", true);
        ok("[\\-]", "-", true);
        ok("[x\\-]", "x", true);
        ok("[x\\-]", "-", true);
        ok("[x\\-]", "z", false);
        ok("[\\-x]", "x", true);
        ok("*x", "xxx", true);
        let bad = |p: &str, n: &str| assert_eq!(matches(p, n), Err(BadPattern), "{p} {n}");
        bad("[]a]", "]");
        bad("[-]", "-");
        bad("[x-]", "x");
        bad("[-x]", "x");
        bad("\\", "a");
        bad("[a-b-c]", "a");
        bad("[", "a");
        bad("[^", "a");
        bad("[^bc", "a");
        bad("a[", "a");
        bad("a[", "ab");
        bad("a[", "x");
        bad("a/b[", "x");
        bad("*x[", "xxx");
    }

    #[test]
    fn glob_lists_sorted_matches_spelled_like_the_pattern() {
        let dir = std::env::temp_dir().join(format!("kforge-glob-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub/deep")).unwrap();
        for f in [
            "b.yaml",
            "a.yaml",
            ".hidden.yaml",
            "sub/c.yaml",
            "sub/deep/d.yaml",
        ] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        assert_eq!(
            glob(&dir, "*.yaml").unwrap(),
            [".hidden.yaml", "a.yaml", "b.yaml"]
        );
        assert_eq!(glob(&dir, "*/c.yaml").unwrap(), ["sub/c.yaml"]);
        assert_eq!(glob(&dir, "sub/*/*.yaml").unwrap(), ["sub/deep/d.yaml"]);
        assert_eq!(glob(&dir, "./sub/../a.yaml").unwrap(), ["./sub/../a.yaml"]);
        assert_eq!(glob(&dir, "./s*/c.yaml").unwrap(), ["sub/c.yaml"]);
        assert!(glob(&dir, "missing.yaml").unwrap().is_empty());
        assert_eq!(glob(&dir, "[").unwrap_err(), BadPattern);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
