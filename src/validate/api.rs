//! What the rules ported from the API server's validation (KF220–KF249) share: a reporter
//! bound to one rule, readers of list and number fields, and the syntax checks of
//! apimachinery (port numbers and names, int-or-percent values, label selectors, IPs and
//! CIDRs). `docs/api-validation.md` maps each check to its Kubernetes function.

use std::net::IpAddr;

use kforge_value::{Map, Value};

use super::rules::{valid_key, valid_value};
use super::sourcemap::Anchor;
use super::{Context, Finding, RuleMeta};
use crate::source::pointer::push_token;

/// Findings of one rule, pushed as they are found.
pub struct Report<'c, 'a, 'o> {
    /// The objects.
    pub cx: &'c Context<'a>,
    rule: &'static RuleMeta,
    out: &'o mut Vec<Finding>,
}

impl<'c, 'a, 'o> Report<'c, 'a, 'o> {
    /// A reporter for `rule` into `out`.
    pub fn new(cx: &'c Context<'a>, rule: &'static RuleMeta, out: &'o mut Vec<Finding>) -> Self {
        Report { cx, rule, out }
    }

    /// A finding on object `i` at the value of `pointer`.
    pub fn at(&mut self, i: usize, pointer: &str, message: String, help: &str) {
        self.push(i, pointer, Anchor::Value, message, help);
    }

    /// A finding on object `i` at the key of `pointer` (for a whole block).
    pub fn key(&mut self, i: usize, pointer: &str, message: String, help: &str) {
        self.push(i, pointer, Anchor::Key, message, help);
    }

    fn push(&mut self, i: usize, pointer: &str, anchor: Anchor, message: String, help: &str) {
        let f = self
            .cx
            .finding(self.rule, i)
            .at(pointer)
            .anchor(anchor)
            .message(message);
        let f = if help.is_empty() {
            f
        } else {
            f.help(help.to_owned())
        };
        self.out.push(f.build());
    }
}

/// `base` with unescaped `keys` appended as pointer tokens.
pub fn ptr<'k>(base: &str, keys: impl IntoIterator<Item = &'k str>) -> String {
    let mut p = base.to_owned();
    for k in keys {
        push_token(&mut p, k);
    }
    p
}

/// The objects of `group` and `kind` (any version), with their index.
pub fn objects<'c, 'a: 'c>(
    cx: &'c Context<'a>,
    group: &'c str,
    kind: &'c str,
) -> impl Iterator<Item = (usize, &'a Value)> + 'c {
    cx.of_kind(kind).iter().copied().filter_map(move |i| {
        let r = cx.objects[i].resource;
        (r.gvk_ref().group == group).then_some((i, &r.value))
    })
}

/// The elements of the list at `field` of `v`, with their indexes.
pub fn items<'v>(v: &'v Value, field: &str) -> impl Iterator<Item = (usize, &'v Value)> {
    v.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// The string at `field` of `v`.
pub fn str_of<'v>(v: &'v Value, field: &str) -> Option<&'v str> {
    v.get(field).and_then(Value::as_str)
}

/// The integer at `field` of `v` (only a JSON integer: a string is KF101's business).
pub fn int_of(v: &Value, field: &str) -> Option<i64> {
    v.get(field).and_then(Value::as_i64)
}

/// A TCP/UDP port number: 1–65535.
pub fn port_number(n: i64) -> bool {
    (1..=65535).contains(&n)
}

/// An IANA service name (`IsValidPortName`): 1–15 of [a-z0-9-], at least one letter, no
/// leading, trailing or double `-`.
pub fn port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Why an int-or-string port (a probe's, a Service's targetPort, a NetworkPolicy's) is
/// invalid: a number outside 1–65535 or a string that is not an IANA port name.
pub fn port_problem(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(n) if port_number(n) => None,
            _ => Some(format!("port {n} is not between 1 and 65535")),
        },
        Value::String(s) if port_name(s) => None,
        Value::String(s) => Some(format!(
            "port `{s}` is neither a number nor an IANA port name (at most 15 lowercase letters, digits and '-', with a letter)"
        )),
        _ => None,
    }
}

/// An int-or-percent value: the number and whether it was a percentage; `Err` with the
/// API's complaint for a string that is not `N%` or a negative number.
pub fn int_or_percent(v: &Value) -> Option<Result<(i64, bool), String>> {
    match v {
        Value::Number(n) => Some(match n.as_i64() {
            Some(n) if n >= 0 => Ok((n, false)),
            _ => Err(format!("{n} must be greater than or equal to 0")),
        }),
        Value::String(s) => Some(
            s.strip_suffix('%')
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<i64>().ok())
                .map(|n| (n, true))
                .ok_or_else(|| {
                    format!("`{s}` is not a number or a percentage (a number followed by '%')")
                }),
        ),
        _ => None,
    }
}

/// A qualified name (label keys, resource names, finalizers): `[prefix/]name`.
pub fn qualified_name(s: &str) -> bool {
    valid_key(s)
}

/// A label value: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
pub fn label_value(s: &str) -> bool {
    valid_value(s)
}

/// A DNS-1123 label.
pub fn dns_label(s: &str) -> bool {
    crate::text::dns_label(s)
}

/// A DNS-1123 subdomain.
pub fn dns_subdomain(s: &str) -> bool {
    crate::text::dns_subdomain(s)
}

/// An IPv4 or IPv6 address as the API parses it (no leading zeros in IPv4 parts).
pub fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

/// A CIDR `addr/len`: the address and the prefix length.
pub fn cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (a, l) = s.split_once('/')?;
    let addr = ip(a)?;
    if l.is_empty() || !l.bytes().all(|b| b.is_ascii_digit()) || (l.len() > 1 && l.starts_with('0'))
    {
        return None;
    }
    let len: u8 = l.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((addr, len))
}

/// The address bits of an IP, left-aligned in 128 bits, and its width.
fn bits(a: IpAddr) -> (u128, u8) {
    match a {
        IpAddr::V4(v) => ((u128::from(u32::from(v))) << 96, 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    }
}

/// Whether CIDR `inner` lies inside `outer` (same family, longer or equal prefix).
pub fn cidr_contains(outer: (IpAddr, u8), inner: (IpAddr, u8)) -> bool {
    let ((o, ow), (n, nw)) = (bits(outer.0), bits(inner.0));
    if ow != nw || inner.1 < outer.1 {
        return false;
    }
    let mask = if outer.1 == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(outer.1))
    };
    o & mask == n & mask
}

/// The checks of a metav1 LabelSelector (`ValidateLabelSelector`) at `at`: `matchLabels`
/// keys qualified names and values label values; each `matchExpressions` requirement with a
/// qualified key, In/NotIn with values, Exists/DoesNotExist without.
pub fn label_selector(rep: &mut Report, i: usize, at: &str, sel: &Map) {
    const HELP: &str = "In and NotIn need values; Exists and DoesNotExist take none";
    for (k, v) in sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let p = ptr(at, ["matchLabels", k]);
        if !qualified_name(k) {
            rep.key(
                i,
                &p,
                format!("selector key `{k}` is not a qualified name"),
                "a label key: `[prefix/]name`, the name at most 63 of [A-Za-z0-9-_.]",
            );
        }
        if let Some(s) = v.as_str() {
            if !label_value(s) {
                rep.at(
                    i,
                    &p,
                    format!("selector value `{s}` is not a valid label value"),
                    "at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric",
                );
            }
        }
    }
    let exprs = sel.get("matchExpressions").map(items_of);
    for (j, e) in exprs.into_iter().flatten() {
        let p = ptr(at, ["matchExpressions", &j.to_string()]);
        let key = str_of(e, "key").unwrap_or("");
        if !key.is_empty() && !qualified_name(key) {
            rep.at(
                i,
                &ptr(&p, ["key"]),
                format!("selector key `{key}` is not a qualified name"),
                "a label key: `[prefix/]name`",
            );
        }
        let values: Vec<&Value> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        match str_of(e, "operator").unwrap_or("") {
            "In" | "NotIn" if values.is_empty() => rep.at(i, &ptr(&p, ["operator"]), format!("selector requirement on `{key}` has no values (must be specified when `operator` is 'In' or 'NotIn')"), HELP),
            "Exists" | "DoesNotExist" if !values.is_empty() => rep.key(i, &ptr(&p, ["values"]), format!("selector requirement on `{key}` has values (may not be specified when `operator` is 'Exists' or 'DoesNotExist')"), HELP),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            op => rep.at(i, &ptr(&p, ["operator"]), format!("`{op}` is not a valid selector operator"), "use In, NotIn, Exists or DoesNotExist"),
        }
        for (k, v) in values.iter().enumerate() {
            if let Some(s) = v.as_str() {
                if !label_value(s) {
                    rep.at(
                        i,
                        &ptr(&p, ["values", &k.to_string()]),
                        format!("selector value `{s}` is not a valid label value"),
                        "at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric",
                    );
                }
            }
        }
    }
}

/// The elements of a list value, with their indexes.
pub fn items_of(v: &Value) -> impl Iterator<Item = (usize, &Value)> {
    v.as_array().into_iter().flatten().enumerate()
}

/// Whether a LabelSelector selects nothing by construction: no matchLabels entry and no
/// matchExpressions requirement (an empty selector, which workloads may not have).
pub fn selector_is_empty(sel: &Map) -> bool {
    let n = |f: &str| {
        sel.get(f).map_or(0, |v| match v {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 1,
        })
    };
    n("matchLabels") == 0 && n("matchExpressions") == 0
}

/// A ConfigMap or Secret key (`IsConfigMapKey`): at most 253 of [-._a-zA-Z0-9], not `.` or
/// `..` and not starting with `..`.
pub fn config_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && k != "."
        && !k.starts_with("..")
}

/// Why a volume file path (`items[].path`, a projected path) is invalid: empty, absolute,
/// or with a `..` element.
pub fn relative_path_problem(p: &str) -> Option<&'static str> {
    if p.is_empty() {
        Some("is empty")
    } else if p.starts_with('/') {
        Some("must be a relative path")
    } else if p.split('/').any(|e| e == "..") {
        Some("must not contain '..'")
    } else if p.starts_with("..") {
        Some("must not start with '..'")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_percent() {
        let o = cidr("10.0.0.0/8").unwrap();
        assert!(cidr_contains(o, cidr("10.1.0.0/16").unwrap()));
        assert!(!cidr_contains(o, cidr("11.0.0.0/16").unwrap()));
        assert!(!cidr_contains(cidr("10.1.0.0/16").unwrap(), o));
        assert!(cidr("10.0.0.0/33").is_none());
        assert!(cidr("10.0.0.0").is_none());
        assert!(cidr("fd00::/8").is_some());
        assert_eq!(int_or_percent(&"25%".into()), Some(Ok((25, true))));
        assert!(int_or_percent(&"25".into()).unwrap().is_err());
        assert!(int_or_percent(&(-1).into()).unwrap().is_err());
        assert!(config_key("tls.crt") && config_key(".dockerconfigjson"));
        assert!(!config_key("my file") && !config_key("..data") && !config_key("a/b"));
        assert!(port_name("http") && !port_name("8080") && !port_name("prometheus-metrics"));
    }
}
