//! Embeds the repository template (base/, components/, overlays/, charts/, ci/, kforge.yaml)
//! into the binary for `kforge init`.

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
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("template_files.rs");
    std::fs::write(out, code).expect("write template_files.rs");
}
