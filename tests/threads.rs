//! The library called from several threads at once, as users' own tests do: builds that
//! share a parse cache finish, and give byte for byte what a build on its own gives.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kforge-threads-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A base with small files and one file large enough to be parsed in pieces on all cores,
/// and `overlays` overlays over it.
fn repository(root: &Path, overlays: usize) {
    let mut resources = String::from("resources:\n");
    for i in 0..12 {
        write(
            &root.join(format!("base/small-{i}.yaml")),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: small-{i}\ndata:\n  k: v\n"
            ),
        );
        resources.push_str(&format!("- small-{i}.yaml\n"));
    }
    let mut big = String::new();
    for i in 0..4000 {
        big.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-{i}\ndata:\n  key: value-{i}-{}\n",
            "x".repeat(60)
        ));
    }
    write(&root.join("base/big.yaml"), &big);
    resources.push_str("- big.yaml\n");
    write(&root.join("base/kustomization.yaml"), &resources);
    for o in 0..overlays {
        write(
            &root.join(format!("overlays/o{o}/kustomization.yaml")),
            &format!("resources:\n- ../../base\nnamePrefix: o{o}-\n"),
        );
    }
}

#[test]
fn builds_on_several_threads_sharing_parses_finish() {
    let root = scratch("shared");
    repository(&root, 6);
    let build = |dir: &Path, options: &kforge::BuildOptions| {
        kforge::to_yaml(&kforge::build_dir(dir, options).unwrap().resources)
    };
    let alone: Vec<String> = (0..6)
        .map(|o| build(&root.join(format!("overlays/o{o}")), &Default::default()))
        .collect();
    assert!(alone
        .iter()
        .all(|y| y.matches("kind: ConfigMap").count() == 4012));
    // A build that holds the cache's slot of the large file while it waits for the pool,
    // with the pool's threads waiting for that slot in other builds, would never finish:
    // the rounds run on a thread of their own and must end within the time limit.
    let (tx, rx) = mpsc::channel();
    let repo = root.clone();
    std::thread::spawn(move || {
        for _ in 0..10 {
            let options = kforge::BuildOptions::default().sharing_parses();
            let outputs: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..6)
                    .map(|o| {
                        let dir = repo.join(format!("overlays/o{o}"));
                        let options = &options;
                        s.spawn(move || build(&dir, options))
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            tx.send(outputs).unwrap();
        }
    });
    for round in 0..10 {
        let outputs = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("round {round} of the threaded builds did not finish"));
        assert!(
            outputs == alone,
            "round {round}: a threaded build differs from its build alone"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
