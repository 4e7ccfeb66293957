//! `kforge init`: a new repository from the template compiled into the binary, with its
//! name, namespace and cloud GPU convention chosen.

use std::path::Path;

use crate::error::{Error, Result};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/template_files.rs"));
}

/// The cloud's GPU node convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    /// EKS with Karpenter NodePools (the template's default).
    Aws,
    /// GKE accelerator node pools.
    Gke,
    /// AKS GPU node pools.
    Aks,
}

/// What to scaffold.
pub struct InitOptions {
    /// The application name (replaces `ml-serving` everywhere, including the namespace).
    pub name: String,
    /// The cloud GPU convention.
    pub cloud: Cloud,
    /// Serve the model through KServe too (components/kserve in staging and prod).
    pub kserve: bool,
    /// Include the laptop environment (overlays/local and its walk-through scripts).
    pub local: bool,
}

const KSERVE_COMPONENTS: &str = "- ../../components/kserve\n- ../../components/kserve-gpu\n";
const CLOUD_KSERVE_PATCH: &str = "- path: patch-{cloud}-kserve.yaml\n  target: {group: serving.kserve.io, version: v1beta1, kind: InferenceService}\n";
const LOCAL_POLICY: &str = "  # A laptop cluster has no secret store";
/// The prod overlay's pin of the device plugin image, which GKE's environments do not
/// deploy (GKE runs its own device plugin).
const DEVICE_PLUGIN_IMAGE: &str = "- name: nvcr.io/nvidia/k8s-device-plugin\n";

/// The files of a new repository (path → content), before writing.
pub fn files(opts: &InitOptions) -> Result<Vec<(String, Vec<u8>)>> {
    if !crate::text::dns_label(&opts.name) {
        return Err(Error::msg(format!(
            "'{}' is not a valid name: use lowercase letters, digits and '-', at most 63 characters (a DNS label)",
            opts.name
        )));
    }
    let mut out = Vec::new();
    for (path, bytes) in embedded::FILES {
        let local_only = path.starts_with("overlays/local/")
            || path.starts_with("ci/local/")
            || *path == "ci/local-up.sh";
        if (!opts.local && local_only) || (!opts.kserve && path.starts_with("components/kserve")) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            out.push((path.to_string(), bytes.to_vec()));
            continue;
        };
        let mut text = text.replace("ml-serving", &opts.name);
        if path.starts_with("overlays/") && path.ends_with("kustomization.yaml") {
            let component = match opts.cloud {
                Cloud::Aws => None,
                Cloud::Gke => Some("gpu-gke"),
                Cloud::Aks => Some("gpu-aks"),
            };
            if !opts.kserve {
                text = text.replace(KSERVE_COMPONENTS, "");
            }
            if let Some(c) = component {
                // After the components that add GPU model servers, which it patches.
                text = text.replace("- ../../components/gpu-karpenter\n", "");
                let anchor = if opts.kserve {
                    "- ../../components/kserve-gpu\n"
                } else {
                    "- ../../components/ab-test\n"
                };
                text = text.replace(anchor, &format!("{anchor}- ../../components/{c}\n"));
                if opts.cloud == Cloud::Gke {
                    if let Some(i) = text.find(DEVICE_PLUGIN_IMAGE) {
                        // The entry and its digest line.
                        let end = text[i + DEVICE_PLUGIN_IMAGE.len()..]
                            .find('\n')
                            .map_or(text.len(), |j| i + DEVICE_PLUGIN_IMAGE.len() + j + 1);
                        text.replace_range(i..end, "");
                    }
                }
                // Karpenter node-pool patches only apply on EKS.
                text = text.replace(
                    "- path: patch-nodepool-gpu-inference.yaml\n  target: {group: karpenter.sh, version: v1, kind: NodePool, name: gpu-inference}\n",
                    "",
                );
            }
        }
        if !opts.kserve && path.starts_with("components/gpu-") {
            for cloud in ["gke-accelerator", "aks-gpu-scheduling"] {
                text = text.replace(&CLOUD_KSERVE_PATCH.replace("{cloud}", cloud), "");
            }
            if path.ends_with("-kserve.yaml") {
                continue;
            }
        }
        if !opts.local && *path == "kforge.yaml" {
            if let Some(i) = text.find(LOCAL_POLICY) {
                text.truncate(i);
            }
        }
        out.push((path.to_string(), text.into_bytes()));
    }
    Ok(out)
}

/// Write a new repository into `dir`, which must not exist or be empty. Files go to a
/// sibling directory first and are moved into place in one rename.
pub fn init(dir: &Path, opts: &InitOptions) -> Result<usize> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::at(
            dir,
            None,
            "directory is not empty; kforge init only writes into a new or empty directory",
        ));
    }
    let files = files(opts)?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::at(parent, None, e.to_string()))?;
    let tmp = parent.join(format!(".kforge-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = (|| -> std::io::Result<()> {
        for (rel, bytes) in &files {
            let p = tmp.join(rel);
            if let Some(d) = p.parent() {
                std::fs::create_dir_all(d)?;
            }
            std::fs::write(&p, bytes)?;
        }
        if dir.exists() {
            std::fs::remove_dir(dir)?;
        }
        std::fs::rename(&tmp, dir)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::at(dir, None, format!("cannot write: {e}")));
    }
    Ok(files.len())
}
