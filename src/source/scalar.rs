//! Typing of YAML scalars: which plain text is a null, bool, number or timestamp, under
//! yaml.v3 rules (kustomize's resources) or YAML 1.1 rules (kustomization files).

use granit_parser::ScalarStyle;
use kforge_value::{Number, Value};

use super::timestamp;
use super::yaml::Schema;

pub(crate) fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&str>,
    schema: Schema,
) -> Result<Value, String> {
    if let Some(tag) = tag {
        return resolve_tagged(text, tag, schema);
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    match schema {
        Schema::Kyaml => resolve_v3(text),
        Schema::Yaml11 => resolve_v2(text),
    }
}

fn resolve_tagged(text: &str, tag: &str, schema: Schema) -> Result<Value, String> {
    if tag == "binary" && schema == Schema::Kyaml {
        return binary(text);
    }
    let typed = match schema {
        Schema::Kyaml => resolve_v3(text)?,
        Schema::Yaml11 => resolve_v2(text)?,
    };
    let ok = match tag {
        "str" => return Ok(Value::String(text.to_owned())),
        "null" => matches!(typed, Value::Null),
        "bool" => matches!(typed, Value::Bool(_)),
        "int" => typed.is_i64() || typed.is_u64(),
        "float" => {
            if let Value::Number(n) = &typed {
                if let Some(f) = n.as_f64() {
                    return Ok(float_value(f).unwrap_or(typed));
                }
            }
            false
        }
        _ => return Ok(Value::String(text.to_owned())),
    };
    if ok {
        Ok(typed)
    } else {
        Err(format!("cannot decode {text:?} as !!{tag}"))
    }
}

/// `!!binary`: yaml.v3 decodes the base64 text (white space ignored) into the bytes, which
/// kustomize then handles as a string.
fn binary(text: &str) -> Result<Value, String> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "!!binary value contains invalid base64 data".to_owned())?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| "!!binary value is not UTF-8 text once decoded; put binary data in a Secret's data or a ConfigMap's binaryData as plain base64".to_owned())
}

fn float_value(f: f64) -> Option<Value> {
    Number::from_f64(f).map(Value::Number)
}

/// Whether plain `text` is a string for both readers (yaml.v3 and YAML 1.1), judged by its
/// first character: every keyword, number, timestamp and non-finite float of either starts
/// with one of the characters ruled out here.
pub(crate) fn is_plain_text(text: &str) -> bool {
    text.as_bytes().first().is_some_and(|b| {
        !matches!(
            b,
            b'0'..=b'9'
                | b'+'
                | b'-'
                | b'.'
                | b'~'
                | b'n'
                | b'N'
                | b't'
                | b'T'
                | b'f'
                | b'F'
                | b'y'
                | b'Y'
                | b'o'
                | b'O'
        )
    })
}

const NON_FINITE: &[&str] = &[
    ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN",
    ".NAN",
];

/// `.inf`, `-.Inf`, `.nan`, ...: floats that JSON cannot hold.
pub(crate) fn is_non_finite(text: &str) -> bool {
    NON_FINITE.contains(&text)
}

/// What yaml.v3 (kustomize's reader) types plain `text` as when it is not a string:
/// `number`, `boolean`, `null` or `timestamp`. kustomize cannot build an object with such
/// a mapping key (`1:`, `true:`, `null:`), nor an annotation, label or generated data key
/// it writes with such text.
pub fn typed_key(text: &str) -> Option<&'static str> {
    if text.is_empty() || is_plain_text(text) {
        return None;
    }
    // A word (`name`, `namespace`, `template`): only the null and boolean words are typed,
    // settled here without building the string value.
    match text {
        "~" | "null" | "Null" | "NULL" => return Some("null"),
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return Some("boolean"),
        _ if text.as_bytes()[0].is_ascii_alphabetic() => return None,
        _ => {}
    }
    match resolve_v3(text) {
        Err(_) => Some("number"),
        Ok(Value::Null) => Some("null"),
        Ok(Value::Bool(_)) => Some("boolean"),
        Ok(Value::Number(_)) => Some("number"),
        Ok(Value::String(s)) if s != text => Some("timestamp"),
        Ok(_) => None,
    }
}

/// The first of `keys` that [`typed_key`] types, with what it is read as.
pub fn first_typed_key<'k, K: AsRef<str> + ?Sized + 'k>(
    keys: impl IntoIterator<Item = &'k K>,
) -> Option<(&'k K, &'static str)> {
    keys.into_iter()
        .find_map(|k| typed_key(k.as_ref()).map(|what| (k, what)))
}

/// Whether plain `text`, typed as kustomize types resources, is `value`.
pub fn resolves_to(text: &str, value: &Value) -> bool {
    if text.is_empty() {
        return value.is_null();
    }
    resolve_v3(text).is_ok_and(|v| v == *value)
}

fn non_finite(text: &str) -> Result<Value, String> {
    Err(format!(
        "{text} is not representable in JSON (kustomize fails on it too); quote it if you meant a string"
    ))
}

/// Go `strconv.ParseInt(s, 0, 64)` / `ParseUint`; underscores already removed.
pub(crate) fn go_parse_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) =
        if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, r)
        } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, r)
        } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, r)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= (i64::MAX as u128) + 1 {
            return Some(Value::Number(Number::from((-(mag as i128)) as i64)));
        }
        None
    } else if mag <= i64::MAX as u128 {
        Some(Value::Number(Number::from(mag as i64)))
    } else if mag <= u64::MAX as u128 {
        Some(Value::Number(Number::from(mag as u64)))
    } else {
        None
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub(crate) fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn number_like(text: &str, v3: bool) -> Option<Result<Value, String>> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(v) = go_parse_int(&plain) {
        return Some(Ok(v));
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Some(float_value(f).ok_or_else(|| format!("{text} is out of range")));
        }
    }
    if let Some(rest) = plain.strip_prefix("-0b") {
        if let Ok(v) = i64::from_str_radix(rest, 2) {
            return Some(Ok(Value::Number(Number::from(-v))));
        }
    }
    if v3 {
        if let Some(rest) = plain.strip_prefix("-0o") {
            if let Ok(v) = i64::from_str_radix(rest, 8) {
                return Some(Ok(Value::Number(Number::from(-v))));
            }
        }
    }
    None
}

/// yaml.v3 typing of a plain scalar.
pub(crate) fn resolve_v3(text: &str) -> Result<Value, String> {
    if is_plain_text(text) {
        return Ok(Value::String(text.to_owned()));
    }
    typed_v3(text)
}

/// [`resolve_v3`] for text [`is_plain_text`] does not rule out.
fn typed_v3(text: &str) -> Result<Value, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    if NON_FINITE.contains(&text) {
        return non_finite(text);
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.' {
        if first.is_ascii_digit() {
            if let Some(ts) = timestamp::parse(text) {
                return Ok(Value::String(ts));
            }
        }
        if let Some(v) = number_like(text, true) {
            return v;
        }
    }
    Ok(Value::String(text.to_owned()))
}

/// go-yaml v2 (YAML 1.1) typing of a plain scalar, as sigs.k8s.io/yaml reads it.
pub(crate) fn resolve_v2(text: &str) -> Result<Value, String> {
    if is_plain_text(text) {
        return Ok(Value::String(text.to_owned()));
    }
    typed_v2(text)
}

/// [`resolve_v2`] for text [`is_plain_text`] does not rule out.
fn typed_v2(text: &str) -> Result<Value, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false))
        }
        _ => {}
    }
    if NON_FINITE.contains(&text) {
        return non_finite(text);
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.' {
        if let Some(v) = number_like(text, false) {
            return v;
        }
    }
    Ok(Value::String(text.to_owned()))
}

/// How kustomize's resources read `text` written as a plain scalar (yaml.v3 typing); text
/// that yaml.v3 would refuse to type stays a string.
pub fn plain_value(text: &str) -> Value {
    resolve_v3(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text that [`is_plain_text`] calls a string is one for both readers.
    #[test]
    fn plain_text_is_a_string_for_both_readers() {
        let alphabet: Vec<char> = (' '..='~').chain(['é', 'ü']).collect();
        let mut texts: Vec<String> = Vec::new();
        for a in &alphabet {
            texts.push(a.to_string());
            for b in &alphabet {
                texts.push(format!("{a}{b}"));
                texts.push(format!("{a}{b}1"));
            }
        }
        for word in [
            "yes",
            "Yes",
            "YES",
            "on",
            "On",
            "ON",
            "no",
            "No",
            "NO",
            "off",
            "Off",
            "OFF",
            "null",
            "Null",
            "NULL",
            "true",
            "True",
            "TRUE",
            "false",
            "False",
            "FALSE",
            ".inf",
            "-.Inf",
            ".NaN",
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "1e3",
            "2024-01-01",
            "1:20",
            "<<",
            "=",
            "Infinity",
            "NaN",
            "_1",
        ] {
            texts.push(word.to_owned());
        }
        for t in texts.iter().filter(|t| is_plain_text(t)) {
            let s = Ok(Value::String(t.clone()));
            assert_eq!(typed_v3(t), s, "{t:?}");
            assert_eq!(typed_v2(t), s, "{t:?}");
        }
    }
}
