//! Embeds the repository template (base/, components/, overlays/, charts/, ci/, kforge.yaml)
//! into the binary for `kforge init`, and lists the builtin strategic-merge kinds
//! (`smp_roots.rs`) so that no build reads the merge-key table to learn them.

use std::path::{Path, PathBuf};

const DIRS: &[&str] = &["base", "components", "overlays", "charts", "ci"];
const TOP_FILES: &[&str] = &["kforge.yaml"];

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    for d in DIRS {
        println!("cargo:rerun-if-changed={d}");
        walk(&root, &root.join(d), &mut files);
    }
    for f in TOP_FILES {
        println!("cargo:rerun-if-changed={f}");
        files.push(PathBuf::from(f));
    }
    files.sort();
    let mut code = String::from(
        "/// The template's files: (path, content).\npub const FILES: &[(&str, &[u8])] = &[\n",
    );
    for f in &files {
        let rel = f.to_string_lossy().replace('\\', "/");
        let abs = root.join(f);
        code.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            abs.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out_dir.join("template_files.rs"), code).expect("write template_files.rs");
    smp_roots(&root, &out_dir);
    link_position_dependent();
}

/// Link the `kforge` binary (not the library, tests or other users' binaries) at a fixed
/// address on Linux with glibc, as Go links kubectl and kustomize: a position-independent
/// executable first has the dynamic loader apply 36,000 relocations and copy 190 pages of
/// pointers, 0.4 ms of every run (a fifth of kforge's start-up, measured in BENCHMARKS.md).
/// Shared libraries, the heap and the stack keep their random addresses. `KFORGE_PIE=1`
/// at build time keeps a position-independent executable (for packagers whose policy asks
/// for one).
fn link_position_dependent() {
    println!("cargo:rerun-if-env-changed=KFORGE_PIE");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let pie = var("KFORGE_PIE");
    let pie_asked = !pie.is_empty() && pie != "0";
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && !pie_asked {
        println!("cargo:rustc-link-arg-bin=kforge=-no-pie");
    }
}

/// The `root` rows of `src/transform/tables/smp_schema.txt` (apiVersion, kind), sorted, as
/// a Rust array for `transform::smp_schema::is_builtin_root`.
fn smp_roots(root: &Path, out_dir: &Path) {
    let table = "src/transform/tables/smp_schema.txt";
    println!("cargo:rerun-if-changed={table}");
    let text = std::fs::read_to_string(root.join(table)).expect("read smp_schema.txt");
    let mut roots: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| {
            let mut p = l.split('\t');
            (p.next() == Some("root")).then(|| (p.next().unwrap_or(""), p.next().unwrap_or("")))
        })
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let mut code = String::from("[\n");
    for (api, kind) in roots {
        code.push_str(&format!("    ({api:?}, {kind:?}),\n"));
    }
    code.push_str("]\n");
    std::fs::write(out_dir.join("smp_roots.rs"), code).expect("write smp_roots.rs");
}
