//! Where GitOps teams use kforge: the release workflow and the Dockerfile build the same
//! way, the workflows and the Action validate against GitHub's schemas, the Action's
//! download-and-verify script installs a good release and refuses a tampered one (from a
//! local HTTP server), and the pre-commit hooks run.
//!
//! Tools a test needs beyond cargo (`check-jsonschema` and `pre-commit` from PyPI, python3,
//! docker) are required when `CI` is set (`.ci/run` installs them) and skipped with a note
//! otherwise; the Docker image is built only where a Docker daemon answers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kforge::value::Value;

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    use kforge::source::yaml::{parse_single, Limits, Schema};
    parse_single(&read(path), Schema::Kyaml, Limits::default())
        .unwrap_or_else(|e| panic!("{path}: {e:?}"))
        .unwrap_or_else(|| panic!("{path}: empty"))
        .value
}

/// Whether python3 can import `module`; when it cannot, a skip note locally and a failure
/// in CI (`.ci/run` installs what the tests need).
fn have_python(module: &str, install: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs the Python module {module}: {install}"
        );
        eprintln!("SKIPPED: Python module {module} not found ({install})");
    }
    ok
}

/// `python3 -m module`.
fn python_m(module: &str) -> Command {
    let mut c = Command::new("python3");
    c.args(["-m", module]);
    c
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{:?}: {e}", cmd.get_program()))
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A kustomization in `dir` (made) whose ConfigMap has a typo (`lables`): a KF100 error.
fn kustomization_with_typo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "resources: [cm.yaml]\n").unwrap();
    std::fs::write(
        dir.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  lables: {}\n",
    )
    .unwrap();
}

/// The `cargo build` command of a text with its target spelled `<target>`.
fn cargo_build_line(text: &str, target_spelling: &str) -> String {
    let line = text
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("run:")
                .trim_start_matches("&&")
                .trim()
        })
        .find(|l| l.starts_with("cargo build"))
        .expect("a cargo build command");
    line.replace(target_spelling, "<target>")
        .trim_end_matches('\\')
        .trim()
        .to_owned()
}

#[test]
fn dockerfile_builds_as_the_release_workflow() {
    let workflow = read(".github/workflows/release.yaml");
    let dockerfile = read("Dockerfile");
    let release = cargo_build_line(&workflow, "${{ matrix.target }}");
    assert_eq!(
        release,
        "cargo build --release --locked --target <target> --bin kforge"
    );
    assert_eq!(cargo_build_line(&dockerfile, "\"$target\""), release);

    // The workflow builds every target the README names (install.sh picks among them by
    // `uname`), the Linux ones for musl (static).
    let w = yaml(".github/workflows/release.yaml");
    let targets: Vec<&str> = w["jobs"]["binaries"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    let readme = read("README.md");
    for t in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
    ] {
        assert!(targets.contains(&t), "{t}");
        assert!(readme.contains(t), "README: {t}");
    }
    // Both architectures the Dockerfile maps to are release targets.
    for arch in ["x86_64", "aarch64"] {
        assert!(dockerfile.contains(&format!("{arch} ;;")));
        assert!(targets.contains(&format!("{arch}-unknown-linux-musl").as_str()));
    }
    let steps = w["jobs"]["release"]["steps"].as_array().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses.contains(&"actions/attest-build-provenance@v2"));
    assert!(workflow.contains("sha256sum kforge-*.tar.gz > SHA256SUMS"));
    assert_eq!(w["on"]["push"]["tags"][0], "v*");

    // Minimal, non-root runtime with kforge as the entry point.
    assert!(dockerfile.contains("FROM gcr.io/distroless/static:nonroot AS runtime-no"));
    assert!(dockerfile.contains("USER 65532:65532"));
    assert!(dockerfile.contains("ENTRYPOINT [\"kforge\"]"));
}

#[test]
fn docker_image_builds_and_runs() {
    let daemon = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    if !daemon {
        eprintln!("SKIPPED: no Docker daemon (the Dockerfile's build command is checked against the release workflow's)");
        return;
    }
    let tag = format!("kforge-test:{}", std::process::id());
    let out = run(Command::new("docker").args(["build", "-q", "-t", &tag, "."]));
    assert!(out.status.success(), "{}", text(&out));
    let out = run(Command::new("docker").args(["run", "--rm", &tag, "--version"]));
    let _ = Command::new("docker").args(["rmi", "-f", &tag]).output();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("kforge "));
}

#[test]
fn workflows_and_action_match_githubs_schemas() {
    if !have_python("check_jsonschema", "pip install check-jsonschema==0.39.0") {
        return;
    }
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(".github/workflows")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    workflows.sort();
    assert!(workflows.len() >= 3);
    let out = run(python_m("check_jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .args(&workflows));
    assert!(out.status.success(), "{}", text(&out));
    let out = run(python_m("check_jsonschema").args([
        "--builtin-schema",
        "vendor.github-actions",
        "action.yml",
    ]));
    assert!(out.status.success(), "{}", text(&out));
    // The validator fails what breaks the schema.
    let bad = std::env::temp_dir().join(format!("kforge-bad-workflow-{}.yaml", std::process::id()));
    std::fs::write(
        &bad,
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n",
    )
    .unwrap();
    let out = run(python_m("check_jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(&bad));
    let _ = std::fs::remove_file(&bad);
    assert!(!out.status.success(), "{}", text(&out));
}

#[allow(dead_code)]
fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A loopback HTTP server (Python's http.server) over `dir`, stopped when dropped.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        use std::io::BufRead;
        let script = "import functools, http.server, sys\n\
            h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n\
            h.log_message = lambda *a: None\n\
            s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n\
            print(s.server_address[1], flush=True)\n\
            s.serve_forever()\n";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().expect("the server's port");
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A release directory as GitHub serves one: `download/<tag>/` and `latest/download/`, each
/// with `kforge-<target>.tar.gz` (a stand-in kforge printing `label`) and `SHA256SUMS`.
fn fake_release(root: &Path, dir: &str, target: &str, label: &str, sums: impl Fn(&str) -> String) {
    let d = root.join(dir);
    let stage = root.join(format!("stage-{label}"));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    let bin = stage.join("kforge");
    std::fs::write(&bin, format!("#!/bin/sh\necho 'kforge {label}'\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let asset = format!("kforge-{target}.tar.gz");
    let out = run(Command::new("tar")
        .arg("-czf")
        .arg(d.join(&asset))
        .arg("-C")
        .arg(&stage)
        .arg("kforge"));
    assert!(out.status.success(), "{}", text(&out));
    let hash = sha256_hex(&std::fs::read(d.join(&asset)).unwrap());
    std::fs::write(d.join("SHA256SUMS"), sums(&format!("{hash}  {asset}\n"))).unwrap();
}

fn install(server: &Server, dest: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg("ci/action/install.sh")
        .arg(dest)
        .env("KFORGE_RELEASES_URL", format!("{}/releases", server.url))
        .env_remove("KFORGE_VERSION")
        .env_remove("KFORGE_TARGET")
        .env_remove("GITHUB_PATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// This machine's release target, as install.sh detects it.
fn host_target() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        other => panic!("no release target for {other}"),
    };
    match std::env::consts::OS {
        "linux" => format!("{arch}-unknown-linux-musl"),
        "macos" => format!("{arch}-apple-darwin"),
        other => panic!("no release target for {other}"),
    }
}

#[test]
fn action_install_script_verifies_the_download() {
    let root = std::env::temp_dir().join(format!("kforge-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let rel = root.join("srv/releases");
    let target = host_target();
    fake_release(&rel, "download/v1.2.3", &target, "1.2.3", |s| s.to_owned());
    fake_release(&rel, "latest/download", &target, "latest", |s| {
        format!("0000  kforge-other.tar.gz\n{s}")
    });
    // A release whose SHA256SUMS does not match its asset (a tampered download).
    fake_release(&rel, "download/v6.6.6", &target, "tampered", |s| {
        let (hash, rest) = s.split_at(64);
        let flipped: String = hash
            .chars()
            .map(|c| if c == '0' { '1' } else { '0' })
            .collect();
        format!("{flipped}{rest}")
    });
    // A release whose SHA256SUMS has no line for this machine's asset.
    fake_release(&rel, "download/v7.7.7", &target, "unlisted", |_| {
        "0000  kforge-elsewhere.tar.gz\n".to_owned()
    });
    let server = Server::start(&root.join("srv"));

    // A pinned version (with or without `v`) installs and runs.
    for version in ["v1.2.3", "1.2.3"] {
        let dest = root.join(format!("bin-{version}"));
        let out = install(&server, &dest, &[("KFORGE_VERSION", version)]);
        assert!(out.status.success(), "{}", text(&out));
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert_eq!(Path::new(&path), dest.join("kforge"));
        let ran = run(&mut Command::new(&path));
        assert_eq!(String::from_utf8_lossy(&ran.stdout), "kforge 1.2.3\n");
    }

    // `latest` (the default) reads releases/latest/download, and GITHUB_PATH gets the dir.
    let dest = root.join("bin-latest");
    let gh_path = root.join("github_path");
    let out = install(
        &server,
        &dest,
        &[("GITHUB_PATH", gh_path.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", text(&out));
    let ran = run(&mut Command::new(dest.join("kforge")));
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "kforge latest\n");
    assert_eq!(
        std::fs::read_to_string(&gh_path).unwrap().trim(),
        dest.to_str().unwrap()
    );

    // A checksum mismatch, a missing SHA256SUMS line, a missing release, an asset for
    // another target: non-zero exit, nothing installed, a message saying why.
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("KFORGE_VERSION", "v6.6.6")], "checksum mismatch"),
        (&[("KFORGE_VERSION", "v7.7.7")], "has no line for"),
        (&[("KFORGE_VERSION", "v9.9.9")], "could not download"),
        (
            &[
                ("KFORGE_VERSION", "v1.2.3"),
                ("KFORGE_TARGET", "aarch64-apple-darwin"),
            ],
            "could not download",
        ),
    ];
    for (i, (env, why)) in cases.iter().enumerate() {
        let dest = root.join(format!("bad-{i}"));
        let out = install(&server, &dest, env);
        assert!(!out.status.success(), "{env:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{env:?}: {err}");
        assert!(!dest.join("kforge").exists(), "{env:?}");
    }
    // A tampered release over an installed one leaves the installed binary as it was.
    let dest = root.join("bin-v1.2.3");
    let out = install(&server, &dest, &[("KFORGE_VERSION", "v6.6.6")]);
    assert!(!out.status.success());
    let ran = run(&mut Command::new(dest.join("kforge")));
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "kforge 1.2.3\n");

    drop(server);
    let _ = std::fs::remove_dir_all(&root);
}

/// The `run:` script of the action.yml step with `id`.
fn action_step(id: &str) -> String {
    let a = yaml("action.yml");
    a["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("action.yml has no step {id}"))["run"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Run an action step's script as a composite action runs it (`bash -eo pipefail`), with a
/// fresh GITHUB_OUTPUT and step summary under `tmp`; its exit code, output and the outputs
/// it set.
fn run_step(id: &str, tmp: &Path, env: &[(&str, &str)]) -> (Output, Vec<(String, String)>) {
    let outputs = tmp.join(format!("{id}.outputs"));
    let _ = std::fs::remove_file(&outputs);
    let mut cmd = Command::new("bash");
    cmd.args([
        "--noprofile",
        "--norc",
        "-eo",
        "pipefail",
        "-c",
        &action_step(id),
    ])
    .env("GITHUB_OUTPUT", &outputs)
    .env("GITHUB_STEP_SUMMARY", tmp.join("summary.md"))
    .env("RUNNER_TEMP", tmp)
    .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
    .env_remove("KFORGE_DOCS_BASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run(&mut cmd);
    let set = std::fs::read_to_string(&outputs)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (out, set)
}

fn output<'a>(set: &'a [(String, String)], key: &str) -> &'a str {
    set.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no output {key} in {set:?}"))
}

#[test]
fn action_steps_check_and_diff() {
    let tmp = std::env::temp_dir().join(format!("kforge-action-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();

    // `kforge-binary` given: nothing downloaded, the path made absolute.
    let (out, set) = run_step(
        "install",
        &tmp,
        &[
            ("KFORGE_BINARY", env!("CARGO_BIN_EXE_kforge")),
            ("KFORGE_VERSION", "latest"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let kforge = output(&set, "kforge").to_owned();
    assert_eq!(Path::new(&kforge), Path::new(env!("CARGO_BIN_EXE_kforge")));

    // A repository with an error: annotations in the log, SARIF with the docs base asked
    // for, findings=true (the last step fails the job), the step itself succeeds.
    let bad = tmp.join("bad");
    let d = bad.join("overlays/dev");
    kustomization_with_typo(&d);
    let check_env = |root: &Path| -> Vec<(&'static str, String)> {
        vec![
            ("KFORGE", kforge.clone()),
            ("ROOT", root.to_str().unwrap().to_owned()),
            ("FORMAT", "github".to_owned()),
            ("FAIL_ON", "error".to_owned()),
            (
                "DOCS_BASE_URL",
                "https://docs.example.com/kforge/".to_owned(),
            ),
        ]
    };
    let env = check_env(&bad);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (out, set) = run_step("check", &tmp, &env);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(output(&set, "findings"), "true");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::error file="),
        "{}",
        text(&out)
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(output(&set, "sarif-file")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "KF100");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules
        .iter()
        .any(|r| r["helpUri"] == "https://docs.example.com/kforge/KF100.md"));

    // This repository: no findings.
    let env = check_env(Path::new("."));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (out, set) = run_step("check", &tmp, &env);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(output(&set, "findings"), "false");

    // A tool failure (no overlays to read) fails the step with kforge's exit code.
    let empty = tmp.join("empty");
    std::fs::create_dir_all(empty.join("overlays/dev")).unwrap();
    let env = check_env(&empty);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (out, _) = run_step("check", &tmp, &env);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // The diff against a base directory, outside a pull request: the Markdown with the
    // comment marker, and the job summary.
    let new = tmp.join("new");
    let nd = new.join("overlays/dev");
    std::fs::create_dir_all(&nd).unwrap();
    std::fs::write(nd.join("kustomization.yaml"), "resources: [cm.yaml]\n").unwrap();
    std::fs::write(
        nd.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: changed\n",
    )
    .unwrap();
    let (out, set) = run_step(
        "diff",
        &tmp,
        &[
            ("KFORGE", kforge.as_str()),
            ("ROOT", new.to_str().unwrap()),
            ("BASE", bad.to_str().unwrap()),
            ("PR", ""),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let md = std::fs::read_to_string(output(&set, "diff-file")).unwrap();
    assert!(md.starts_with("<!-- kforge-diff -->\n"), "{md}");
    assert!(md.contains("changed"), "{md}");
    let summary = std::fs::read_to_string(tmp.join("summary.md")).unwrap();
    assert!(
        summary.contains("changed") && !summary.contains("<!--"),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

fn hook(id: &str) -> Value {
    yaml(".pre-commit-hooks.yaml")
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("no hook {id}"))
        .clone()
}

fn package_version() -> String {
    read("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap()
        .to_owned()
}

/// PATH with the kforge under test first.
fn path_with_kforge() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_kforge")).parent().unwrap();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

#[test]
fn pre_commit_hooks() {
    for id in ["kforge-check", "kforge-check-system", "kforge-check-docker"] {
        let h = hook(id);
        assert_eq!(h["pass_filenames"], false, "{id}");
        assert!(h["files"].as_str().unwrap().contains("ya?ml"), "{id}");
    }
    // The image hook names the image of this version.
    assert_eq!(
        hook("kforge-check-docker")["entry"],
        format!("ghcr.io/kforge-dev/kforge:{} check", package_version())
    );

    // The system hook's entry, run as pre-commit runs it (no file names), with the kforge
    // under test on PATH: exit 0 on this repository, 1 on one with an error.
    let entry = hook("kforge-check-system")["entry"]
        .as_str()
        .unwrap()
        .to_owned();
    let words: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(words[0], "kforge");
    let out = run(Command::new("sh")
        .args(["-c", &entry])
        .env("PATH", path_with_kforge()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let tmp = std::env::temp_dir().join(format!("kforge-hook-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let d = tmp.join("bad/overlays/dev");
    kustomization_with_typo(&d);
    let out = run(Command::new("sh")
        .args(["-c", &entry])
        .current_dir(tmp.join("bad"))
        .env("PATH", path_with_kforge()));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("KF100"));

    // The script hook: the release of this version, downloaded once into the cache.
    let rel = tmp.join("srv/releases");
    let version = package_version();
    fake_release(
        &rel,
        &format!("download/v{version}"),
        &host_target(),
        "from-release",
        |s| s.to_owned(),
    );
    let server = Server::start(&tmp.join("srv"));
    let script_hook = |server_url: &str| {
        run(Command::new("ci/pre-commit/kforge-check.sh")
            .env("XDG_CACHE_HOME", tmp.join("cache"))
            .env("KFORGE_RELEASES_URL", format!("{server_url}/releases"))
            .env_remove("KFORGE")
            .env_remove("KFORGE_VERSION"))
    };
    let out = script_hook(&server.url);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "kforge from-release\n"
    );
    assert!(tmp
        .join(format!("cache/kforge/pre-commit/v{version}/kforge"))
        .is_file());
    let url = server.url.clone();
    drop(server);
    let out = script_hook(&url);
    assert!(
        out.status.success(),
        "the cached binary runs offline: {}",
        text(&out)
    );
    // $KFORGE overrides the download: the real check of this repository.
    let out =
        run(Command::new("ci/pre-commit/kforge-check.sh")
            .env("KFORGE", env!("CARGO_BIN_EXE_kforge")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn pre_commit_runs_the_hooks() {
    if !have_python("pre_commit", "pip install pre-commit==4.7.0") {
        return;
    }
    let out = run(python_m("pre_commit").args(["validate-manifest", ".pre-commit-hooks.yaml"]));
    assert!(out.status.success(), "{}", text(&out));
    // pre-commit itself, trying this repository's hooks on this repository (it copies the
    // committed tree plus the tracked changes, so an uncommitted hook file is not seen).
    let tracked =
        run(Command::new("git").args(["ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"]));
    if !tracked.status.success() {
        eprintln!("SKIPPED: .pre-commit-hooks.yaml is not committed yet");
        return;
    }
    let home = std::env::temp_dir().join(format!("kforge-pre-commit-{}", std::process::id()));
    let out = run(python_m("pre_commit")
        .args(["try-repo", ".", "kforge-check-system", "--all-files"])
        .env("PATH", path_with_kforge())
        .env("PRE_COMMIT_HOME", &home));
    let _ = std::fs::remove_dir_all(&home);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Passed"),
        "{}",
        text(&out)
    );
}

/// Run the Argo CD plugin's `generate` command in `dir` as the cmp-server runs it: the
/// Application's plugin parameters (name, string value) in `ARGOCD_APP_PARAMETERS`, and
/// the other variables given.
fn cmp_generate(dir: &Path, params: &[(&str, &str)], env: &[(&str, &str)]) -> Output {
    let p = yaml("ci/gitops/argocd/cmp/plugin.yaml");
    assert_eq!(p["kind"], "ConfigManagementPlugin");
    let gen = &p["spec"]["generate"];
    let command: Vec<&str> = gen["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        command[0], "kforge",
        "the plugin runs kforge itself, no shell"
    );
    let mut cmd = Command::new(command[0]);
    cmd.args(&command[1..])
        .args(
            gen["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a.as_str().unwrap()),
        )
        .current_dir(dir)
        .env("PATH", path_with_kforge())
        .env_remove("ARGOCD_APP_PARAMETERS")
        .env_remove("KUBE_VERSION")
        .env_remove("KUBE_API_VERSIONS");
    if !params.is_empty() {
        let list: Vec<Value> = params
            .iter()
            .map(|(name, value)| kforge::value::json!({"name": name, "string": value}))
            .collect();
        cmd.env("ARGOCD_APP_PARAMETERS", Value::Array(list).to_string());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

#[test]
fn argocd_plugin_generates_only_valid_output() {
    // The template's dev overlay: exactly `kforge build`'s bytes.
    let out = cmp_generate(Path::new("overlays/dev"), &[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let built = run(Command::new(env!("CARGO_BIN_EXE_kforge")).args(["build", "overlays/dev"]));
    assert!(!out.stdout.is_empty());
    assert_eq!(out.stdout, built.stdout);

    // The plugin's own Component on a stub argocd-repo-server: the sidecar as user 999 with
    // its own /tmp, and the ConfigMap holding plugin.yaml (compared with kubectl kustomize
    // where $KUBECTL is set, as in CI).
    let tmp = std::env::temp_dir().join(format!("kforge-cmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let app = tmp.join("argocd");
    std::fs::create_dir_all(app.join("cmp")).unwrap();
    for f in [
        "kustomization.yaml",
        "plugin.yaml",
        "repo-server-patch.yaml",
    ] {
        std::fs::copy(
            Path::new("ci/gitops/argocd/cmp").join(f),
            app.join("cmp").join(f),
        )
        .unwrap();
    }
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources: [repo-server.yaml]\ncomponents: [cmp]\n",
    )
    .unwrap();
    std::fs::write(
        app.join("repo-server.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\nspec:\n  \
         selector:\n    matchLabels: {app: repo}\n  template:\n    metadata:\n      labels: {app: repo}\n    \
         spec:\n      containers:\n      - name: argocd-repo-server\n        image: quay.io/argoproj/argocd:v3.1.0\n      \
         volumes:\n      - name: var-files\n        emptyDir: {}\n      - name: plugins\n        emptyDir: {}\n",
    )
    .unwrap();
    let out = cmp_generate(&app, &[], &[]);
    assert!(
        out.status.success(),
        "warnings do not fail by default: {}",
        text(&out)
    );
    let docs: Vec<Value> = kforge::source::yaml::parse_stream(
        &String::from_utf8_lossy(&out.stdout),
        kforge::source::yaml::Schema::Kyaml,
        kforge::source::yaml::Limits::default(),
    )
    .unwrap()
    .into_iter()
    .map(|d| d.value)
    .collect();
    let cm = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    assert_eq!(cm["metadata"]["name"], "kforge-cmp-plugin");
    assert_eq!(
        cm["data"]["plugin.yaml"].as_str().unwrap(),
        read("ci/gitops/argocd/cmp/plugin.yaml")
    );
    let deploy = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let pod = &deploy["spec"]["template"]["spec"];
    let item = |list: &Value, key: &str, want: &str| -> Value {
        list.as_array()
            .unwrap()
            .iter()
            .find(|x| x[key] == want)
            .unwrap_or_else(|| panic!("no {key}: {want} in {list}"))
            .clone()
    };
    let sidecar = item(&pod["containers"], "name", "kforge");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    let tmp_mount = item(&sidecar["volumeMounts"], "mountPath", "/tmp");
    let tmp_volume = item(&pod["volumes"], "name", tmp_mount["name"].as_str().unwrap());
    assert!(tmp_volume["emptyDir"].is_object(), "{tmp_volume}");
    if let Some(kubectl) = std::env::var_os("KUBECTL").filter(|k| !k.is_empty()) {
        let k = run(Command::new(kubectl).arg("kustomize").arg(&app));
        assert!(k.status.success(), "{}", text(&k));
        assert_eq!(
            String::from_utf8_lossy(&k.stdout),
            String::from_utf8_lossy(&out.stdout)
        );
    }

    // The cluster's Kubernetes version (KUBE_VERSION, from Argo CD) differing from kforge's:
    // a warning on stderr, the same output.
    let out2 = cmp_generate(&app, &[], &[("KUBE_VERSION", "v1.30.4+k3s1")]);
    assert!(out2.status.success(), "{}", text(&out2));
    assert_eq!(out2.stdout, out.stdout);
    assert!(
        String::from_utf8_lossy(&out2.stderr).contains(
            "warning: the cluster runs Kubernetes 1.30; kforge validates against the 1.37 types"
        ),
        "{}",
        text(&out2)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cluster runs"));
    let same = cmp_generate(&app, &[], &[("KUBE_VERSION", "1.37.2")]);
    assert!(!String::from_utf8_lossy(&same.stderr).contains("cluster runs"));

    // `fail-on: warning` turns the stub's warnings into a failed sync with no output.
    let out = cmp_generate(&app, &[("fail-on", "warning")], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KF501"));

    // An error finding, a build failure, a bad parameter: non-zero, nothing on stdout.
    let bad = tmp.join("bad");
    kustomization_with_typo(&bad);
    let out = cmp_generate(&bad, &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KF100"));
    std::fs::write(
        bad.join("kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .unwrap();
    let out = cmp_generate(&bad, &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty());
    for (params, want) in [
        (
            &[("enable-helm", "yes")][..],
            "enable-helm must be true or false, not 'yes'",
        ),
        (&[("fail_on", "warning")], "unknown parameter 'fail_on'"),
        (
            &[("fail-on", "fatal")],
            "fail-on must be error, warning or info",
        ),
    ] {
        let out = cmp_generate(Path::new("overlays/dev"), params, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(out.stdout.is_empty());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(want),
            "{}",
            text(&out)
        );
    }
    // Parameters that are not strings, and ones Argo CD sets that kforge knows.
    let out = cmp_generate(
        Path::new("overlays/dev"),
        &[],
        &[(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"fail-on","array":["error"]}]"#,
        )],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = cmp_generate(
        Path::new("overlays/dev"),
        &[
            ("enable-helm", "false"),
            ("load-restrictor", "LoadRestrictionsNone"),
            ("fail-on", "error"),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(out.stdout, built.stdout);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn argocd_plugin_gives_helm_the_clusters_versions() {
    // With enable-helm, a chart that sets no kubeVersion/apiVersions gets the cluster's
    // (KUBE_VERSION, KUBE_API_VERSIONS), as Argo CD's own kustomize builds pass them with
    // --helm-kube-version and --helm-api-versions.
    let helm = std::env::var("HELM").unwrap_or_else(|_| "target/tools/helm/helm".into());
    let helm = std::fs::canonicalize(&helm).unwrap_or_else(|_| {
        panic!("helm not found at {helm}: run python3 tests/tools/fetch_helm.py")
    });
    let case = Path::new("tests/kustomize/cases/helm-capabilities-flags");
    let mut paths = vec![helm.parent().unwrap().to_path_buf()];
    paths.extend(std::env::split_paths(&path_with_kforge()));
    let out = cmp_generate(
        case,
        &[("enable-helm", "true")],
        &[
            (
                "PATH",
                std::env::join_paths(paths).unwrap().to_str().unwrap(),
            ),
            ("KUBE_VERSION", "1.30.4"),
            ("KUBE_API_VERSIONS", "example.com/v1,apps/v1"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kubeVersion: v1.30.4"), "{stdout}");
    assert!(stdout.contains("hasExampleV1: \"true\""), "{stdout}");
    // The same as kubectl kustomize given those flags, where kubectl is here.
    if let Some(kubectl) = std::env::var_os("KUBECTL").filter(|k| !k.is_empty()) {
        let k = run(Command::new(kubectl)
            .args(["kustomize", "--enable-helm", "--helm-command"])
            .arg(&helm)
            .args(["--helm-kube-version", "1.30.4"])
            .args([
                "--helm-api-versions",
                "example.com/v1",
                "--helm-api-versions",
                "apps/v1",
            ])
            .arg(case));
        assert!(k.status.success(), "{}", text(&k));
        assert_eq!(String::from_utf8_lossy(&k.stdout), stdout);
    }
    // Without enable-helm the chart is refused, as kustomize refuses it.
    let out = cmp_generate(case, &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty());
}
