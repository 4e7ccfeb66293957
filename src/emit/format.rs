//! go-yaml v2's orderings and number formats: map key order and Go's float printing.

use std::cmp::Ordering;

use kforge_value::Number;

fn key_less<C: Copy + PartialOrd + Into<char>>(a: &[C], b: &[C]) -> bool {
    let ch = |c: C| -> char { c.into() };
    let n = a.len().min(b.len());
    for i in 0..n {
        if a[i] == b[i] {
            continue;
        }
        let al = ch(a[i]).is_alphabetic();
        let bl = ch(b[i]).is_alphabetic();
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ch(a[i]) == '0' || ch(b[i]) == '0' {
            let mut j = i;
            while j > 0 && ch(a[j - 1]).is_ascii_digit() {
                if ch(a[j - 1]) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
                j -= 1;
            }
        }
        let mut ai = i;
        while ai < a.len() && ch(a[ai]).is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(ch(a[ai]) as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && ch(b[bi]).is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(ch(b[bi]) as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

/// go-yaml v2's map key order.
pub fn compare_keys(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        // One byte per character: compare the bytes as they are.
        return ordering(key_less(a.as_bytes(), b.as_bytes()), || {
            key_less(b.as_bytes(), a.as_bytes())
        });
    }
    let ac: Vec<char> = a.chars().collect();
    let bc: Vec<char> = b.chars().collect();
    ordering(key_less(&ac, &bc), || key_less(&bc, &ac))
}

fn ordering(less: bool, greater: impl FnOnce() -> bool) -> Ordering {
    if less {
        Ordering::Less
    } else if greater() {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Go `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn format_go_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f.is_nan() {
        return ".nan".into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{:e}", f);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mant) = match mant.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    if !(-4..6).contains(&exp) {
        let rest = &digits[1..];
        let m = if rest.is_empty() {
            digits[..1].to_string()
        } else {
            format!("{}.{}", &digits[..1], rest)
        };
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{es}{:02}", exp.abs());
    }
    if exp >= 0 {
        let e = exp as usize;
        if digits.len() <= e + 1 {
            format!("{sign}{}{}", digits, "0".repeat(e + 1 - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..=e], &digits[e + 1..])
        }
    } else {
        format!("{sign}0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    }
}

/// How a JSON number prints after kustomize's JSON round trip and go-yaml v2.
pub fn format_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.is_finite() {
        // 2^63 and 2^64 are exact in f64.
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        const TWO_64: f64 = 18_446_744_073_709_551_616.0;
        if (-TWO_63..TWO_63).contains(&f) {
            return (f as i64).to_string();
        }
        if (0.0..TWO_64).contains(&f) {
            return (f as u64).to_string();
        }
    }
    format_go_float(f)
}
