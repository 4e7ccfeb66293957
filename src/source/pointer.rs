//! JSON pointers (RFC 6901): building them (`Value::pointer` looks them up).

/// Append `/token` to `pointer`, escaping `~` and `/`.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    if !token.bytes().any(|b| b == b'~' || b == b'/') {
        pointer.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// Build a pointer from unescaped tokens.
pub fn from_tokens<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    let mut p = String::new();
    for t in tokens {
        push_token(&mut p, t);
    }
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::from_tokens(["a/b", "c~d", "0"]), "/a~1b/c~0d/0");
    }
}
