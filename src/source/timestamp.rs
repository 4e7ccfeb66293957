//! YAML timestamps as yaml.v3 reads them and Go's JSON encoder writes them (RFC 3339).
//!
//! kustomize turns an unquoted `2024-01-01` in a resource into `"2024-01-01T00:00:00Z"`.
//! Accepted forms: `YYYY-M-D`, `YYYY-M-D h:m:s[.f]` (UTC) and `YYYY-M-D(T|t)h:m:s[.f](Z|±hh:mm)`.

fn num(s: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *i;
    while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
        *i += 1;
    }
    if *i - start < min {
        return None;
    }
    std::str::from_utf8(&s[start..*i]).ok()?.parse().ok()
}

fn eat(s: &[u8], i: &mut usize, c: u8) -> Option<()> {
    if *i < s.len() && s[*i] == c {
        *i += 1;
        Some(())
    } else {
        None
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

/// The RFC 3339 rendering of `text` if yaml.v3 reads it as a timestamp.
pub fn parse(text: &str) -> Option<String> {
    let s = text.as_bytes();
    let mut i = 0;
    let year = num(s, &mut i, 4, 4)?;
    if i != 4 {
        return None;
    }
    eat(s, &mut i, b'-')?;
    let month = num(s, &mut i, 1, 2)?;
    eat(s, &mut i, b'-')?;
    let day = num(s, &mut i, 1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if i == s.len() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let sep = s[i];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return None;
    }
    i += 1;
    let h = num(s, &mut i, 1, 2)?;
    eat(s, &mut i, b':')?;
    let m = num(s, &mut i, 1, 2)?;
    eat(s, &mut i, b':')?;
    let sec = num(s, &mut i, 1, 2)?;
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let mut frac = String::new();
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 {
            return None;
        }
        frac = std::str::from_utf8(&s[start..i])
            .ok()?
            .trim_end_matches('0')
            .to_owned();
    }
    let zone = if sep == b' ' {
        if i != s.len() {
            return None;
        }
        "Z".to_owned()
    } else {
        match s.get(i)? {
            b'Z' => {
                i += 1;
                "Z".to_owned()
            }
            b'+' | b'-' => {
                let sign = s[i] as char;
                i += 1;
                let zh = num(s, &mut i, 2, 2)?;
                eat(s, &mut i, b':')?;
                let zm = num(s, &mut i, 2, 2)?;
                if zh == 0 && zm == 0 {
                    "Z".to_owned()
                } else {
                    format!("{sign}{zh:02}:{zm:02}")
                }
            }
            _ => return None,
        }
    };
    if i != s.len() {
        return None;
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!("{date}T{h:02}:{m:02}:{sec:02}{frac}{zone}"))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn forms() {
        assert_eq!(parse("2024-01-01").unwrap(), "2024-01-01T00:00:00Z");
        assert_eq!(
            parse("2001-12-14t21:59:43.10-05:00").unwrap(),
            "2001-12-14T21:59:43.1-05:00"
        );
        assert_eq!(
            parse("2001-12-14 21:59:43.10").unwrap(),
            "2001-12-14T21:59:43.1Z"
        );
        assert_eq!(parse("2024-02-30"), None);
        assert_eq!(parse("12024-01-01"), None);
        assert_eq!(parse("2024-01-01x"), None);
    }
}
