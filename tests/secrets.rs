//! Secret values never appear in diagnostics: not in messages, not in source snippets, in
//! no output format. (`kforge diff` redaction is tested in tests/diff.rs.)

mod common;
use common::kforge;

const FIXTURE: &str = "tests/fixtures/secrets/secret-with-bad-values.yaml";

#[test]
fn findings_on_secret_values_do_not_show_them() {
    for format in ["human", "json", "sarif", "junit", "github"] {
        let (code, out, err) = kforge(&["validate", "--format", format, FIXTURE]);
        assert_eq!(code, Some(1), "{format}: {err}");
        for secret in ["hunter2", "98765", "Off"] {
            assert!(
                !out.contains(secret),
                "{format} output shows `{secret}`:\n{out}"
            );
        }
        assert!(
            out.contains("KF101"),
            "{format}: the finding is still reported"
        );
    }
}
