//! Remote resources without the network: Git repositories made in a temporary directory
//! and named by `file://` URLs, and plain files served by a small HTTP server on the
//! loopback address. Where kubectl (kustomize v5.8.1) is available (`$KUBECTL`, else a
//! `kubectl` on PATH reporting v5.8.1), kforge's output is compared with it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common;
use common::{git, kubectl};

/// A fresh directory for one test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kforge-remote-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir.canonicalize().unwrap())
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// `name/kustomization.yaml` with `text`; returns the directory.
    fn kustomization(&self, name: &str, text: &str) -> PathBuf {
        self.write(&format!("{name}/kustomization.yaml"), text);
        self.path(name)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Git repository at `dir` with `files` committed; returns the commit id.
fn repo(dir: &Path, files: &[(&str, &str)]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    if !dir.join(".git").exists() {
        git(dir, &["init", "--quiet"]);
    }
    commit(dir, files)
}

fn commit(dir: &Path, files: &[(&str, &str)]) -> String {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "--quiet", "-m", "change"]);
    git(dir, &["rev-parse", "HEAD"])
}

fn url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

fn configmap(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: \"{value}\"\n"
    )
}

/// Run kforge with its cache in `cache`.
fn kforge(cache: &Path, args: &[&str]) -> Output {
    kforge_env(cache, args, &[])
}

fn kforge_env(cache: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kforge"));
    cmd.args(args).env("KFORGE_CACHE_DIR", cache);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Build `dir` and return the output, failing the test on an error.
fn build(cache: &Path, dir: &Path) -> String {
    let out = kforge(cache, &["build", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

/// Build `dir` expecting exit 2 with one error line naming `file:line` and `words`.
fn refused(cache: &Path, dir: &Path, extra: &[&str], at: &str, words: &[&str]) -> String {
    let mut args = vec!["build"];
    args.extend_from_slice(extra);
    args.push(dir.to_str().unwrap());
    let out = kforge(cache, &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(stdout(&out).is_empty(), "no partial output");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(at), "expected {at} in: {err}");
    for w in words {
        assert!(err.contains(w), "expected '{w}' in: {err}");
    }
    err
}

/// kforge's output must be kubectl's, byte for byte (when kubectl is here).
fn same_as_kubectl(dir: &Path, kforge_out: &str) {
    let Some(exe) = kubectl() else {
        eprintln!("kubectl with kustomize v5.8.1 not found: comparison skipped");
        return;
    };
    let out = Command::new(exe)
        .args(["kustomize", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        kforge_out,
        String::from_utf8_lossy(&out.stdout),
        "kforge vs kubectl"
    );
}

/// Build `name/kustomization.yaml` holding `text`, check it against kubectl, return it.
fn build_checked(s: &Scratch, cache: &Path, name: &str, text: &str) -> String {
    let dir = s.kustomization(name, text);
    let out = build(cache, &dir);
    same_as_kubectl(&dir, &out);
    out
}

/// kubectl must refuse `dir` too (when kubectl is here).
fn kubectl_refuses(dir: &Path) {
    let Some(exe) = kubectl() else { return };
    let out = Command::new(exe)
        .args(["kustomize", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success(), "kubectl accepted {}", dir.display());
}

/// A repository `lib` with `base/` (a ConfigMap) at three points: tag `v1` (value 1), a
/// branch `feature` (value feature), and main (value 2). Returns (repo, v1 commit).
fn three_refs(s: &Scratch) -> (PathBuf, String) {
    let lib = s.path("repos/lib");
    let v1 = repo(
        &lib,
        &[
            ("base/kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("base/cm.yaml", &configmap("settings", "1")),
        ],
    );
    git(&lib, &["tag", "v1"]);
    git(&lib, &["checkout", "--quiet", "-b", "feature"]);
    commit(&lib, &[("base/cm.yaml", &configmap("settings", "feature"))]);
    git(&lib, &["checkout", "--quiet", "main"]);
    commit(&lib, &[("base/cm.yaml", &configmap("settings", "2"))]);
    (lib, v1)
}

#[test]
fn git_urls_at_a_tag_a_commit_a_branch_and_head() {
    let s = Scratch::new("refs");
    let cache = s.path("cache");
    let (lib, v1) = three_refs(&s);
    let cases = [
        ("?ref=v1", "\"1\""),
        (&format!("?ref={v1}") as &str, "\"1\""),
        ("?version=feature", "feature"),
        ("?ref=feature&version=v1", "feature"),
        ("", "\"2\""),
    ];
    for (i, (query, value)) in cases.iter().enumerate() {
        let text = format!(
            "resources:\n- {}//base{query}\nnamePrefix: app-\n",
            url(&lib)
        );
        let out = build_checked(&s, &cache, &format!("overlay{i}"), &text);
        assert!(out.contains("name: app-settings"), "{out}");
        assert!(out.contains(&format!("value: {value}")), "{query}: {out}");
    }
}

#[test]
fn repository_root_and_dot_git_forms() {
    let s = Scratch::new("forms");
    let cache = s.path("cache");
    // A repository whose kustomization is at its root, in a directory named *.git.
    let lib = s.path("repos/lib.git");
    repo(
        &lib,
        &[
            ("kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("cm.yaml", &configmap("root", "r")),
            ("sub/kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("sub/cm.yaml", &configmap("sub", "s")),
        ],
    );
    git(&lib, &["tag", "v1"]);
    for (i, entry) in [
        format!("{}?ref=v1", url(&lib)),
        format!("{}/sub?ref=v1", url(&lib)),
        format!(
            "git::{}//sub?ref=v1&timeout=90s&submodules=false",
            url(&lib)
        ),
    ]
    .iter()
    .enumerate()
    {
        let text = format!("resources:\n- {entry}\n");
        let out = build_checked(&s, &cache, &format!("o{i}"), &text);
        let name = if i == 0 { "name: root" } else { "name: sub" };
        assert!(out.contains(name), "{out}");
    }
}

#[test]
fn a_remote_base_naming_another_remote_and_a_remote_component() {
    let s = Scratch::new("nested");
    let cache = s.path("cache");
    let inner = s.path("repos/inner");
    repo(
        &inner,
        &[
            ("base/kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("base/cm.yaml", &configmap("inner", "i")),
            (
                "comp/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  from: component\n",
            ),
        ],
    );
    git(&inner, &["tag", "v1.0.0"]);
    let outer = s.path("repos/outer");
    repo(
        &outer,
        &[
            (
                "app/kustomization.yaml",
                &format!(
                    "resources:\n- {}//base?ref=v1.0.0\n- ../shared\n- cm.yaml\nnamePrefix: outer-\n",
                    url(&inner)
                ),
            ),
            ("app/cm.yaml", &configmap("outer", "o")),
            ("shared/kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("shared/cm.yaml", &configmap("shared", "s")),
        ],
    );
    git(&outer, &["tag", "v2"]);
    let dir = s.path("overlay");
    s.write(
        "overlay/kustomization.yaml",
        &format!(
            "resources:\n- {}//app?ref=v2\ncomponents:\n- {}//comp?ref=v1.0.0\n",
            url(&outer),
            url(&inner)
        ),
    );
    let out = build(&cache, &dir);
    for name in ["outer-inner", "outer-shared", "outer-outer"] {
        assert!(out.contains(&format!("name: {name}")), "{out}");
    }
    assert!(out.contains("from: component"), "{out}");
    same_as_kubectl(&dir, &out);
}

#[test]
fn submodules_are_checked_out_unless_turned_off() {
    let s = Scratch::new("submodules");
    let cache = s.path("cache");
    let lib = s.path("repos/lib");
    repo(
        &lib,
        &[
            ("base/kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("base/cm.yaml", &configmap("from-submodule", "m")),
        ],
    );
    let top = s.path("repos/top");
    repo(&top, &[("README", "top\n")]);
    let allow = ["-c", "protocol.file.allow=always"];
    git(
        &top,
        &[
            &allow[..],
            &["submodule", "--quiet", "add", &url(&lib), "mod"],
        ]
        .concat(),
    );
    git(&top, &["commit", "--quiet", "-m", "submodule"]);
    git(&top, &["tag", "v1"]);
    // git refuses file:// submodules unless told otherwise (kustomize's tests do the same).
    let env = [
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", "protocol.file.allow"),
        ("GIT_CONFIG_VALUE_0", "always"),
    ];
    let dir = s.kustomization(
        "with",
        &format!("resources:\n- {}//mod/base?ref=v1\n", url(&top)),
    );
    let out = kforge_env(&cache, &["build", dir.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("name: from-submodule"),
        "{}",
        stdout(&out)
    );
    if let Some(exe) = kubectl() {
        let k = Command::new(exe)
            .args(["kustomize", dir.to_str().unwrap()])
            .envs(env)
            .output()
            .unwrap();
        assert_eq!(
            stdout(&out),
            String::from_utf8_lossy(&k.stdout),
            "kforge vs kubectl"
        );
    }
    let dir = s.kustomization(
        "without",
        &format!(
            "resources:\n- {}//mod/base?ref=v1&submodules=false\n",
            url(&top)
        ),
    );
    let out = kforge_env(&cache, &["build", dir.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no directory 'mod/base'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_cached_pinned_checkout_needs_neither_the_repository_nor_git() {
    let s = Scratch::new("cache");
    let cache = s.path("cache");
    let (lib, v1) = three_refs(&s);
    let dir = s.path("overlay");
    // Two copies of the same object would collide: make the second a separate overlay.
    s.write(
        "overlay/kustomization.yaml",
        &format!("resources:\n- {}//base?ref=v1\n- commit\n", url(&lib)),
    );
    s.write(
        "overlay/commit/kustomization.yaml",
        &format!(
            "resources:\n- {}//base?ref={v1}\nnamespace: other\n",
            url(&lib)
        ),
    );
    let first = build(&cache, &dir);
    assert_eq!(first.matches("name: settings").count(), 2, "{first}");
    std::fs::remove_dir_all(&lib).unwrap();
    // No repository, and no git on PATH: only the cache can answer.
    let again = kforge_env(
        &cache,
        &["build", dir.to_str().unwrap()],
        &[("PATH", "/nonexistent")],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(stdout(&again), first);
    // A fresh cache must fetch, and the repository is gone.
    refused(
        &s.path("cache2"),
        &dir,
        &[],
        "kustomization.yaml:2:3",
        &["does not appear to be a git repository"],
    );
}

#[test]
fn require_pinned_remotes_accepts_tags_and_commits_only() {
    let s = Scratch::new("pinned");
    let cache = s.path("cache");
    let (lib, v1) = three_refs(&s);
    let flag = ["--require-pinned-remotes"];
    for (i, (query, pinned)) in [
        ("?ref=v1", true),
        (&format!("?ref={v1}") as &str, true),
        ("?ref=feature", false),
        ("", false),
    ]
    .iter()
    .enumerate()
    {
        let dir = s.path(&format!("o{i}"));
        s.write(
            &format!("o{i}/kustomization.yaml"),
            &format!("namePrefix: p-\nresources:\n- {}//base{query}\n", url(&lib)),
        );
        if *pinned {
            let out = kforge(
                &cache,
                &["build", "--require-pinned-remotes", dir.to_str().unwrap()],
            );
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        } else {
            refused(
                &cache,
                &dir,
                &flag,
                "kustomization.yaml:3:3",
                &["--require-pinned-remotes", "tag or a commit"],
            );
            // Without the flag it builds.
            build(&cache, &dir);
        }
    }
    // The flag is shared by the commands that build.
    let dir = s.path("o2");
    let out = kforge(
        &cache,
        &[
            "validate",
            "--require-pinned-remotes",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a branch"), "{}", stderr(&out));
}

#[test]
fn fetch_errors_name_the_kustomization_line() {
    let s = Scratch::new("errors");
    let cache = s.path("cache");
    let (lib, _) = three_refs(&s);
    let case = |name: &str, entry: String| {
        let dir = s.path(name);
        s.write(
            &format!("{name}/kustomization.yaml"),
            &format!("# remote\nresources:\n- {entry}\n"),
        );
        dir
    };
    let dir = case("ref", format!("{}//base?ref=v9", url(&lib)));
    refused(
        &cache,
        &dir,
        &[],
        "kustomization.yaml:3:3",
        &["ref 'v9'", "?ref="],
    );
    kubectl_refuses(&dir);
    let dir = case("subdir", format!("{}//nothere?ref=v1", url(&lib)));
    refused(
        &cache,
        &dir,
        &[],
        "kustomization.yaml:3:3",
        &["no directory 'nothere'"],
    );
    kubectl_refuses(&dir);
    let dir = case(
        "norepo",
        format!("{}//base?ref=v1", url(&s.path("repos/none"))),
    );
    refused(
        &cache,
        &dir,
        &[],
        "kustomization.yaml:3:3",
        &["git ls-remote", "does not appear to be a git repository"],
    );
    let dir = case("nokust", format!("{}?ref=v1", url(&lib)));
    refused(
        &cache,
        &dir,
        &[],
        "kustomization.yaml:3:3",
        &["has no kustomization.yaml"],
    );
    kubectl_refuses(&dir);
    // git missing (and nothing cached for this ref).
    let dir = case("nogit", format!("{}//base?ref=feature", url(&lib)));
    let out = kforge_env(
        &s.path("cache-empty"),
        &["build", dir.to_str().unwrap()],
        &[("PATH", "/nonexistent")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("kustomization.yaml:3:3") && err.contains("git is not installed"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_git_command_past_the_time_limit_is_stopped() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new("timeout");
    // A `git` that never answers.
    let bin = s.write("bin/git", "#!/bin/sh\nexec sleep 30\n");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = s.kustomization(
        "overlay",
        "resources:\n- file:///nowhere/repo//base?ref=main&timeout=1\n",
    );
    let path = format!("{}:/usr/bin:/bin", s.path("bin").display());
    let start = std::time::Instant::now();
    let out = kforge_env(
        &s.path("cache"),
        &["build", dir.to_str().unwrap()],
        &[("PATH", &path)],
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "stopped in time"
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("kustomization.yaml:2:3") && err.contains("did not finish within 1s"),
        "{err}"
    );
}

#[test]
fn a_remote_kustomization_reads_only_inside_its_own_directory() {
    let s = Scratch::new("restrict");
    let cache = s.path("cache");
    let lib = s.path("repos/lib");
    repo(
        &lib,
        &[
            ("app/kustomization.yaml", "resources:\n- ../outside.yaml\n"),
            ("outside.yaml", &configmap("outside", "o")),
        ],
    );
    git(&lib, &["tag", "v1"]);
    let dir = s.path("overlay");
    s.write(
        "overlay/kustomization.yaml",
        &format!("resources:\n- {}//app?ref=v1\n", url(&lib)),
    );
    for extra in [&[][..], &["--load-restrictor", "LoadRestrictionsNone"][..]] {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        args.push(dir.to_str().unwrap());
        let out = kforge(&cache, &args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("a remote kustomization may read only files"),
            "{}",
            stderr(&out)
        );
    }
    kubectl_refuses(&dir);
}

/// A tiny HTTP/1.1 server on the loopback address serving `files` (404 otherwise) until
/// `stop` is set; at most 200 connections.
struct Server {
    base: String,
    files: Arc<Mutex<HashMap<String, String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (f, st) = (files.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().take(200) {
                let Ok(mut conn) = conn else { continue };
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&req);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let body = if st.load(Ordering::SeqCst) {
                    None
                } else {
                    f.lock().unwrap().get(&path).cloned()
                };
                let (status, body) = match body {
                    Some(b) => ("200 OK", b),
                    None => ("404 Not Found", "not found\n".to_owned()),
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Server { base, files, stop }
    }

    fn serve(&self, path: &str, body: &str) -> String {
        self.files
            .lock()
            .unwrap()
            .insert(path.to_owned(), body.to_owned());
        format!("{}{path}", self.base)
    }
}

#[test]
fn plain_http_files_and_status_errors() {
    let s = Scratch::new("http");
    let cache = s.path("cache");
    let server = Server::start();
    let cm = server.serve("/manifests/cm.yaml", &configmap("served", "h"));
    let dir = s.path("ok");
    s.write(
        "ok/kustomization.yaml",
        &format!("resources:\n- {cm}\n- local.yaml\nnamePrefix: web-\n"),
    );
    s.write("ok/local.yaml", &configmap("local", "l"));
    let out = build(&cache, &dir);
    assert!(
        out.contains("name: web-served") && out.contains("name: web-local"),
        "{out}"
    );
    same_as_kubectl(&dir, &out);

    let dir = s.path("missing");
    s.write(
        "missing/kustomization.yaml",
        &format!("resources:\n- {}/nothing.yaml\n", server.base),
    );
    refused(
        &cache,
        &dir,
        &[],
        "kustomization.yaml:2:3",
        &["status code 404 (Not Found)"],
    );
    kubectl_refuses(&dir);
}

#[test]
fn vendor_then_build_offline_with_identical_output() {
    let s = Scratch::new("vendor");
    let cache = s.path("cache");
    let server = Server::start();
    let served = server.serve("/cm.yaml", &configmap("served", "h"));
    let inner = s.path("repos/inner");
    repo(
        &inner,
        &[
            ("base/kustomization.yaml", "resources:\n- cm.yaml\n"),
            ("base/cm.yaml", &configmap("inner", "i")),
        ],
    );
    git(&inner, &["tag", "v1"]);
    let outer = s.path("repos/outer");
    let outer_commit = repo(
        &outer,
        &[(
            "app/kustomization.yaml",
            &format!(
                "resources:\n- {}//base?ref=v1\nnamePrefix: o-\n",
                url(&inner)
            ),
        )],
    );
    let root = s.path("gitops");
    s.write(
        "gitops/kustomization.yaml",
        &format!(
            "resources:\n- {}//app?ref={outer_commit}\n- {served}\n- local.yaml\n",
            url(&outer)
        ),
    );
    s.write("gitops/local.yaml", &configmap("local", "l"));
    let online = build(&cache, &root);
    same_as_kubectl(&root, &online);

    let out = kforge(&cache, &["vendor", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lock = std::fs::read_to_string(root.join("kforge.lock")).unwrap();
    assert!(
        lock.contains(&outer_commit) && lock.contains("\"refKind\": \"tag\""),
        "{lock}"
    );
    assert!(lock.contains(&served), "{lock}");
    let tree = |dir: &Path| {
        let mut all = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    all.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        all.sort();
        all
    };
    let vendored = tree(&root);
    // The kustomization keeps its URLs.
    assert!(std::fs::read_to_string(root.join("kustomization.yaml"))
        .unwrap()
        .contains("file://"));

    // Offline: no repositories, no server, an empty cache, no git.
    std::fs::remove_dir_all(s.path("repos")).unwrap();
    server.stop.store(true, Ordering::SeqCst);
    let empty = s.path("empty-cache");
    let offline = kforge_env(
        &empty,
        &["build", root.to_str().unwrap()],
        &[("PATH", "/nonexistent")],
    );
    assert_eq!(offline.status.code(), Some(0), "{}", stderr(&offline));
    assert_eq!(stdout(&offline), online);
    assert!(!empty.exists(), "nothing fetched into the cache");

    // Vendoring again changes nothing (and needs nothing remote).
    let again = kforge_env(
        &empty,
        &["vendor", root.to_str().unwrap()],
        &[("PATH", "/nonexistent")],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(tree(&root), vendored);

    // A changed vendored file fails the build, naming the lock file.
    let lockfile: serde_json::Value = serde_json::from_str(&lock).unwrap();
    let inner_path = lockfile["git"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["repo"].as_str().unwrap().ends_with("/inner"))
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = root.join(inner_path).join("base/cm.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("\"i\"", "\"tampered\"")).unwrap();
    let out = kforge(&empty, &["build", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("kforge.lock") && err.contains("does not match its sha256"),
        "{err}"
    );
}
