//! The JSON report, written straight from the findings in serde_json's pretty layout
//! (two-space indents, keys in name order, the order the format has always had).
//!
//! A `check` of a large repository reports tens of thousands of findings (13.7 MB for the
//! 100 environments of the benchmark), written after every environment is done: a string
//! that needs no escaping, which is nearly every string, is found eight bytes at a time and
//! copied as it is; serde_json escapes the rest, so the text is serde_json's byte for byte
//! (the test below compares the two).

use std::io::Write;

use super::Target;
use crate::validate::Finding;

/// The report on `targets`.
pub fn report(targets: &[Target]) -> String {
    let (errors, warnings, infos) = super::counts(targets);
    let size: usize = targets
        .iter()
        .flat_map(|t| &t.findings)
        .map(|f| {
            let help = f.help.as_ref().map_or(0, String::len);
            f.message.len() + help + f.object.len() + f.pointer.len() + f.file.as_os_str().len()
        })
        .sum();
    let findings: usize = targets.iter().map(|t| t.findings.len()).sum();
    let mut out = Vec::with_capacity(size + 320 * findings + 4096);
    out.extend_from_slice(b"{\n  \"kforge\": ");
    string(&mut out, env!("CARGO_PKG_VERSION"));
    out.extend_from_slice(b",\n  \"kubernetesVersion\": ");
    string(&mut out, kforge_k8s::KUBERNETES_VERSION);
    let _ = write!(
        out,
        ",\n  \"summary\": {{\n    \"errors\": {errors},\n    \"infos\": {infos},\n    \"warnings\": {warnings}\n  }},\n  \"targets\": "
    );
    if targets.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.extend_from_slice(b"[\n");
        for (i, t) in targets.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            target(&mut out, t);
        }
        out.extend_from_slice(b"\n  ]");
    }
    out.extend_from_slice(b",\n  \"version\": 1\n}\n");
    String::from_utf8(out).expect("UTF-8 pieces only")
}

/// One target, an item of `targets`.
fn target(out: &mut Vec<u8>, t: &Target) {
    out.extend_from_slice(b"    {\n      \"findings\": ");
    if t.findings.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        out.extend_from_slice(b"[\n");
        for (i, f) in t.findings.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            finding(out, f);
        }
        out.extend_from_slice(b"\n      ]");
    }
    out.extend_from_slice(b",\n      \"name\": ");
    string(out, &t.name);
    if !t.notes.is_empty() {
        out.extend_from_slice(b",\n      \"notes\": [\n");
        for (i, n) in t.notes.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(b"        ");
            string(out, n);
        }
        out.extend_from_slice(b"\n      ]");
    }
    let _ = write!(out, ",\n      \"objects\": {}\n    }}", t.objects);
}

/// One finding, an item of a target's `findings`.
fn finding(out: &mut Vec<u8>, f: &Finding) {
    let _ = write!(out, "        {{\n          \"column\": {}", f.column);
    out.extend_from_slice(b",\n          \"file\": ");
    string(out, &f.file.to_string_lossy());
    if let Some(help) = &f.help {
        out.extend_from_slice(b",\n          \"help\": ");
        string(out, help);
    }
    let _ = write!(out, ",\n          \"line\": {}", f.line);
    out.extend_from_slice(b",\n          \"message\": ");
    string(out, &f.message);
    out.extend_from_slice(b",\n          \"object\": ");
    string(out, &f.object);
    out.extend_from_slice(b",\n          \"pointer\": ");
    string(out, &f.pointer);
    if f.redacted {
        out.extend_from_slice(b",\n          \"redacted\": true");
    }
    out.extend_from_slice(b",\n          \"rule\": ");
    string(out, f.rule);
    out.extend_from_slice(b",\n          \"severity\": ");
    serde_json::to_writer(&mut *out, &f.severity).expect("a unit variant");
    out.extend_from_slice(b"\n        }");
}

/// `s` as a JSON string: copied between quotes when nothing in it needs escaping (quotes,
/// backslashes, control characters), else written by serde_json.
fn string(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        serde_json::to_writer(&mut *out, s).expect("a string");
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// Does `bytes` hold a quote, a backslash or a control character? Eight bytes at a time:
/// a byte below 0x20, or one equal to `"` or `\\` after an exclusive or, sets its high bit
/// in the word tests below (the classic "has a byte less than" bit trick).
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        if below(x, 0x20)
            | below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
            != 0
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Severity;

    fn finding(i: usize, help: Option<&str>, redacted: bool, text: &str) -> Finding {
        Finding {
            rule: "KF307",
            severity: [Severity::Error, Severity::Warning, Severity::Info][i % 3],
            message: format!("{text} #{i}"),
            help: help.map(str::to_owned),
            object: format!("ConfigMap.v1.[noGrp]/cm-{i}.ns"),
            pointer: format!("/data/k~1{i}"),
            file: std::path::PathBuf::from(format!("base/{text}/cm.yaml")),
            line: i as u32,
            column: 3,
            redacted,
            cap: None,
        }
    }

    /// What serde_json writes for the same report.
    fn by_serde(targets: &[Target]) -> String {
        let (errors, warnings, infos) = crate::report::counts(targets);
        let targets: Vec<serde_json::Value> = targets
            .iter()
            .map(|t| {
                let mut v = serde_json::json!({
                    "findings": t.findings.iter().map(|f| {
                        let mut v = serde_json::json!({
                            "column": f.column,
                            "file": f.file.to_string_lossy(),
                            "line": f.line,
                            "message": f.message,
                            "object": f.object,
                            "pointer": f.pointer,
                            "rule": f.rule,
                            "severity": f.severity,
                        });
                        if let Some(h) = &f.help {
                            v["help"] = h.as_str().into();
                        }
                        if f.redacted {
                            v["redacted"] = true.into();
                        }
                        v
                    }).collect::<Vec<_>>(),
                    "name": t.name,
                    "objects": t.objects,
                });
                if !t.notes.is_empty() {
                    v["notes"] = t.notes.clone().into();
                }
                v
            })
            .collect();
        let doc = serde_json::json!({
            "kforge": env!("CARGO_PKG_VERSION"),
            "kubernetesVersion": kforge_k8s::KUBERNETES_VERSION,
            "summary": {"errors": errors, "infos": infos, "warnings": warnings},
            "targets": targets,
            "version": 1,
        });
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    #[test]
    fn escapes_found_at_every_place_of_a_word() {
        for len in 0..20 {
            for at in 0..len {
                for b in (0u8..0x80).chain([0xc3, 0xa9]) {
                    let mut text = vec![b'a'; len];
                    text[at] = b;
                    let want = b < 0x20 || b == b'"' || b == b'\\';
                    assert_eq!(needs_escape(&text), want, "{len} {at} {b:#x}");
                }
            }
        }
        // Neighbours that borrow or carry into each other, across a word's edge too.
        let edge = [
            0x00, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xa9, 0xc3, 0xff,
        ];
        let bad = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
        for at in 0..16 {
            for &x in &edge {
                for &y in &edge {
                    let mut text = vec![b'~'; 17];
                    text[at] = x;
                    text[at + 1] = y;
                    assert_eq!(needs_escape(&text), bad(x) || bad(y), "{at} {x:#x} {y:#x}");
                }
            }
        }
    }

    #[test]
    fn the_same_text_as_serde_json() {
        let odd = "quote \" back \\ tab \t nl \n ctl \u{1} é 日本 \u{7f}";
        let many: Vec<Finding> = (0..2500)
            .map(|i| finding(i, (i % 2 == 0).then_some("fix it"), i % 7 == 0, "plain"))
            .collect();
        let cases: Vec<Vec<Target>> = vec![
            vec![],
            vec![Target {
                name: "empty".into(),
                objects: 0,
                findings: vec![],
                notes: vec![],
            }],
            vec![
                Target {
                    name: format!("odd {odd}"),
                    objects: 3,
                    findings: vec![
                        finding(1, Some(odd), true, odd),
                        finding(2, None, false, "x"),
                    ],
                    notes: vec!["a note".into(), odd.into()],
                },
                Target {
                    name: "many".into(),
                    objects: 2500,
                    findings: many,
                    notes: vec![],
                },
                Target {
                    name: "none, with a note".into(),
                    objects: 1,
                    findings: vec![],
                    notes: vec!["only a note".into()],
                },
            ],
        ];
        for targets in cases {
            assert_eq!(report(&targets), by_serde(&targets));
        }
    }
}
