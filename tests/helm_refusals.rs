//! helmCharts that kforge refuses before (or instead of) running helm: each exits 2 with one
//! line naming the kustomization and the line to edit. None of these needs a helm binary.

use std::path::PathBuf;
use std::process::Command;

fn case(kustomization: &str, with_chart: bool) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kforge-helm-refusal-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let chart = dir.join("charts/app/templates");
    std::fs::create_dir_all(&chart).unwrap();
    if with_chart {
        std::fs::write(
            dir.join("charts/app/Chart.yaml"),
            "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        )
        .unwrap();
        std::fs::write(dir.join("charts/app/values.yaml"), "x: 1\n").unwrap();
    } else {
        std::fs::remove_dir_all(dir.join("charts")).unwrap();
    }
    std::fs::write(dir.join("kustomization.yaml"), kustomization).unwrap();
    dir
}

fn refused(dir: &PathBuf, extra: &[&str], line: u32, words: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .arg("build")
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    let msg = stderr.trim_end();
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(
        msg.contains(&format!("kustomization.yaml:{line}:")),
        "{msg}"
    );
    assert!(msg.contains(words), "expected '{words}' in: {msg}");
}

#[test]
fn without_enable_helm() {
    let d = case("helmCharts:\n- name: app\n  releaseName: r\n", true);
    refused(&d, &[], 1, "--enable-helm");
}

#[test]
fn helm_command_that_does_not_exist() {
    let d = case("helmCharts:\n- name: app\n  releaseName: r\n", true);
    refused(
        &d,
        &["--enable-helm", "--helm-command", "/nonexistent/helm"],
        2,
        "cannot run helm command",
    );
}

#[test]
fn remote_chart_is_not_pulled() {
    let d = case(
        "helmCharts:\n- name: app\n  releaseName: r\n  repo: https://charts.example.com\n  version: 1.0.0\n",
        false,
    );
    refused(
        &d,
        &["--enable-helm", "--helm-command", "/bin/true"],
        2,
        "vendor the chart",
    );
}
