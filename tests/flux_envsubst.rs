//! kforge's substitution against the envsubst library Flux uses: every case under
//! `tests/flux/cases/` was run through the library by `tests/flux/oracle.py record`
//! (drone/envsubst, compiled by Go on this machine) and its answers kept in
//! `tests/flux/expected/<case>.json` (and 500 random texts with their answers in
//! `tests/flux/random.json`); here kforge's [`kforge::transform::envsubst`] must give the
//! same answers, in the library's dialect and in Flux's, and name the same first unset
//! variable in strict mode.

use std::collections::BTreeMap;
use std::path::Path;

use kforge::transform::envsubst::{substitute, Dialect, Error};
use serde_json::Value;

const CASES: &str = "tests/flux/cases";
const EXPECTED: &str = "tests/flux/expected";

/// `vars.env`, read as oracle.py reads it.
fn read_vars(dir: &Path) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(dir.join("vars.env")) else {
        return BTreeMap::new();
    };
    text.split('\n')
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').expect("NAME=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// kforge's answer in the oracle's shape.
fn answer(text: &str, vars: &BTreeMap<String, String>, dialect: Dialect) -> Value {
    let lookup = |n: &str| vars.get(n).map(String::as_str);
    match substitute(text, dialect, false, &lookup) {
        Ok(e) => match String::from_utf8(e.bytes) {
            Ok(s) => serde_json::json!({ "output": s }),
            Err(e) => serde_json::json!({ "output_hex": hex(e.as_bytes()) }),
        },
        Err(Error::Syntax(e)) => serde_json::json!({ "error": e.to_string() }),
        Err(Error::OutOfRange(_)) => serde_json::json!({ "panic": true }),
    }
}

/// What differs between kforge and the oracle's answer `want` for one text (and whether
/// Flux's dialect and strict mode were compared).
fn compare(
    name: &str,
    text: &str,
    vars: &BTreeMap<String, String>,
    want: &Value,
    failures: &mut Vec<String>,
) -> (bool, bool) {
    let got = answer(text, vars, Dialect::Library);
    if got != want["library"] {
        failures.push(format!(
            "{name} (library): kforge {got}, library {}",
            want["library"]
        ));
    }
    if want["flux"].is_null() {
        return (false, false);
    }
    let got = answer(text, vars, Dialect::Flux);
    if got != want["flux"] {
        failures.push(format!(
            "{name} (flux): kforge {got}, oracle {}",
            want["flux"]
        ));
    }
    if want["flux"].get("output").is_none() && want["flux"].get("output_hex").is_none() {
        return (true, false);
    }
    let lookup = |n: &str| vars.get(n).map(String::as_str);
    let unset = substitute(text, Dialect::Flux, true, &lookup)
        .map(|e| e.unset.first().map(|u| u.name.clone()))
        .unwrap_or_default();
    let want_unset = want["strict_unset"].as_str().map(str::to_owned);
    if unset != want_unset {
        failures.push(format!(
            "{name} (strict): kforge {unset:?}, oracle {want_unset:?}"
        ));
    }
    (true, true)
}

#[test]
fn substitution_matches_the_library() {
    let mut names: Vec<String> = std::fs::read_dir(CASES)
        .expect("tests/flux/cases")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 50, "the oracle's cases are missing");
    let mut failures = Vec::new();
    let (mut flux_checked, mut strict_checked) = (0, 0);
    for name in &names {
        let dir = Path::new(CASES).join(name);
        let text = std::fs::read_to_string(dir.join("input.txt")).unwrap();
        let vars = read_vars(&dir);
        let expected_path = Path::new(EXPECTED).join(format!("{name}.json"));
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!("{name}: no {}", expected_path.display()));
            continue;
        };
        let want: Value = serde_json::from_str(&expected).unwrap();
        let (flux, strict) = compare(name, &text, &vars, &want, &mut failures);
        flux_checked += usize::from(flux);
        strict_checked += usize::from(strict);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(flux_checked > 40 && strict_checked > 30);
}

/// 500 texts drawn from the syntax's characters (`tests/flux/random.json`, recorded with
/// the library by oracle.py): the corners no one writes a case for.
#[test]
fn random_texts_match_the_library() {
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string("tests/flux/random.json").unwrap()).unwrap();
    let vars: BTreeMap<String, String> = serde_json::from_value(recorded["vars"].clone()).unwrap();
    let cases = recorded["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 500);
    let mut failures = Vec::new();
    let mut errors = 0;
    for c in cases {
        let text = c["text"].as_str().unwrap();
        compare(c["name"].as_str().unwrap(), text, &vars, c, &mut failures);
        errors += usize::from(c["library"].get("error").is_some());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Both readings occur: texts the library reads and texts it refuses.
    assert!(errors > 50 && errors < 450, "{errors}");
}

/// Every `${...}` the library reads is found by [`kforge::transform::envsubst::Template`]:
/// a strict substitution with no variables lists exactly the references without a default
/// (in the same order the evaluation meets them, arguments first).
#[test]
fn references_and_strict_unset_agree() {
    use kforge::transform::envsubst::Template;
    let t = Template::parse("${a} ${b:=${c}} ${#d} ${e/x/${f}}", Dialect::Flux).unwrap();
    let refs: Vec<(String, String)> = t.references().into_iter().map(|r| (r.name, r.op)).collect();
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        refs,
        pairs(&[
            ("a", ""),
            ("b", ":="),
            ("c", ""),
            ("d", "#"),
            ("e", "/"),
            ("f", "")
        ])
    );
    let none = |_: &str| None;
    let unset: Vec<String> = t
        .eval(true, &none)
        .unwrap()
        .unset
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(unset, ["a", "c", "d", "f", "e"]);
}
