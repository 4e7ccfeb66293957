//! `kforge graph`: every format of the template's environments as insta snapshots, the SVG
//! and draw.io outputs parsed as XML and checked for the structure their readers need (and,
//! where a Chromium is installed, the SVG rendered by it), the README's picture current,
//! dangling references drawn with their rule ids, `--focus`, `--collapse`, several
//! environments, ML custom resources, and `kforge diff --graph`.

use crate::common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use common::kforge;

const FORMATS: &[(&str, &str)] = &[
    ("mermaid", "mmd"),
    ("dot", "dot"),
    ("svg", "svg"),
    ("drawio", "drawio"),
    ("json", "json"),
];

fn graph(args: &[&str]) -> String {
    let mut all = vec!["graph"];
    all.extend_from_slice(args);
    let (code, out, err) = kforge(&all);
    assert_eq!(code, Some(0), "kforge {all:?}: {err}");
    out
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&graph(&all)).unwrap()
}

/// A scratch directory for one test, removed first.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kforge-graph-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn every_format_of_every_environment_is_snapshotted() {
    for env in ["dev", "staging", "prod"] {
        let dir = format!("overlays/{env}");
        for (format, ext) in FORMATS {
            let out = graph(&[&dir, "--format", format]);
            insta::assert_snapshot!(format!("graph-{env}.{ext}"), out);
        }
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    // Each run is its own process (its own hash seeds): nothing may depend on them.
    for (format, _) in FORMATS {
        let a = graph(&[".", "--format", format]);
        let b = graph(&[".", "--format", format]);
        assert_eq!(a, b, "{format}");
    }
}

/// The prod picture has the template's architecture: traffic from the shared Gateway to
/// the gateway Deployment, the A/B split, control and scheduling edges, the ExternalSecret
/// making the Secret the pods read; every object points at its source file and line.
#[test]
fn prod_has_the_template_architecture() {
    let g = json(&["overlays/prod"]);
    let nodes = g["nodes"].as_array().unwrap();
    let edges = g["edges"].as_array().unwrap();
    let has = |from: &str, relation: &str, to: &str| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["relation"] == relation && e["to"] == to)
    };
    for (from, relation, to) in [
        (
            "gateway_shared_gateway",
            "parent",
            "httproute_model_gateway",
        ),
        (
            "httproute_model_gateway",
            "backend",
            "service_model_gateway",
        ),
        (
            "service_model_gateway",
            "selects",
            "deployment_model_gateway",
        ),
        ("service_tf_serving", "parent", "httproute_tf_serving_split"),
        (
            "httproute_tf_serving_split",
            "backend",
            "service_tf_serving_a",
        ),
        (
            "horizontalpodautoscaler_tf_serving",
            "scales",
            "deployment_tf_serving",
        ),
        (
            "poddisruptionbudget_tf_serving",
            "disruption-budget",
            "deployment_tf_serving",
        ),
        (
            "networkpolicy_tf_serving",
            "network-policy",
            "deployment_tf_serving",
        ),
        ("rolebinding_trainer", "role", "role_trainer"),
        ("rolebinding_trainer", "subject", "serviceaccount_trainer"),
        (
            "deployment_tf_serving",
            "schedules",
            "nodepool_gpu_inference",
        ),
        (
            "daemonset_nvidia_device_plugin_gpu_inference",
            "device-plugin",
            "nodepool_gpu_inference",
        ),
        ("nodepool_gpu_inference", "node-class", "ec2nodeclass_gpu"),
        (
            "externalsecret_model_store_credentials",
            "makes",
            "secret_model_store_credentials",
        ),
        (
            "externalsecret_model_store_credentials",
            "secret-store",
            "secretstore_cloud_secrets",
        ),
        (
            "deployment_tf_serving",
            "uses",
            "secret_model_store_credentials",
        ),
        (
            "cronjob_retrain",
            "uses",
            "persistentvolumeclaim_training_scratch",
        ),
    ] {
        assert!(has(from, relation, to), "{from} -{relation}-> {to}");
    }
    let weighted = edges
        .iter()
        .find(|e| e["to"] == "service_tf_serving_a")
        .unwrap();
    assert_eq!(weighted["label"], "weight 90 :8501");
    assert_eq!(
        weighted["file"],
        "components/ab-test/httproute-tf-serving-split.yaml"
    );
    assert!(
        edges.iter().all(|e| e["dangling"] == false),
        "prod is clean"
    );
    for n in nodes.iter().filter(|n| n["state"] == "output") {
        let file = n["file"].as_str().unwrap();
        assert!(
            Path::new(file).is_file() && n["line"].as_u64().unwrap() > 0,
            "{n}"
        );
    }
    // A workload's group holds what only its pods use.
    let node = |id: &str| nodes.iter().find(|n| n["id"] == id).unwrap();
    assert_eq!(
        node("persistentvolumeclaim_training_scratch")["group"],
        "wl_retrain"
    );
    assert_eq!(
        node("configmap_tf_serving_models")["group"],
        "wl_tf_serving"
    );
    assert_eq!(node("secret_model_store_credentials")["state"], "outside");
    assert_eq!(
        node("nodepool_gpu_inference")["group"],
        "cluster",
        "cluster-scoped by its CRD"
    );
    assert_eq!(node("gateway_shared_gateway")["state"], "external");
}

#[test]
fn svg_is_well_formed_and_laid_out() {
    let svg = graph(&["overlays/prod", "--format", "svg"]);
    let g = json(&["overlays/prod"]);
    let doc = roxmltree::Document::parse(&svg).expect("SVG parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let num = |n: roxmltree::Node, a: &str| -> f64 {
        let v: f64 = n.attribute(a).unwrap().parse().unwrap();
        assert!(v.is_finite(), "{a}");
        v
    };
    let (w, h) = (num(root, "width"), num(root, "height"));
    let class_of = |n: &roxmltree::Node| n.attribute("class").unwrap_or("").to_owned();
    let nodes: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && class_of(n).starts_with("node "))
        .collect();
    assert_eq!(nodes.len(), g["nodes"].as_array().unwrap().len());
    let edges = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && class_of(n).starts_with("edge "))
        .count();
    assert_eq!(edges, g["edges"].as_array().unwrap().len());
    // Node boxes inside the picture, none on top of another.
    let boxes: Vec<(f64, f64, f64, f64)> = nodes
        .iter()
        .map(|n| {
            let r = n.children().find(|c| c.has_tag_name("rect")).unwrap();
            (num(r, "x"), num(r, "y"), num(r, "width"), num(r, "height"))
        })
        .collect();
    for (i, a) in boxes.iter().enumerate() {
        assert!(a.0 >= 0.0 && a.1 >= 0.0 && a.0 + a.2 <= w && a.1 + a.3 <= h);
        for b in &boxes[i + 1..] {
            let apart =
                a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
            assert!(apart, "{a:?} overlaps {b:?}");
        }
    }
    // Every marker an edge uses is defined.
    let markers: HashSet<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("marker"))
        .map(|n| format!("url(#{})", n.attribute("id").unwrap()))
        .collect();
    for p in doc.descendants().filter(|n| n.has_tag_name("path")) {
        if let Some(m) = p.attribute("marker-end") {
            assert!(markers.contains(m), "{m}");
        }
    }
}

/// draw.io reads `mxfile > diagram > mxGraphModel > root`, whose first cells are `0` and
/// `1` (parent 0); every other cell has a known parent, vertices a geometry, edges known
/// ends. Several environments are a page each.
#[test]
fn drawio_has_the_structure_drawio_reads() {
    for (path, pages) in [("overlays/prod", 1), (".", 4)] {
        let xml = graph(&[path, "--format", "drawio"]);
        let doc = roxmltree::Document::parse(&xml).expect("draw.io XML parses");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "mxfile");
        let diagrams: Vec<_> = root.children().filter(|n| n.is_element()).collect();
        assert_eq!(diagrams.len(), pages);
        for d in diagrams {
            assert_eq!(d.tag_name().name(), "diagram");
            assert!(d.attribute("name").is_some() && d.attribute("id").is_some());
            let model = d.children().find(|n| n.is_element()).unwrap();
            assert_eq!(model.tag_name().name(), "mxGraphModel");
            let cells_root = model.children().find(|n| n.is_element()).unwrap();
            assert_eq!(cells_root.tag_name().name(), "root");
            let cells: Vec<_> = cells_root.children().filter(|n| n.is_element()).collect();
            assert_eq!(cells[0].tag_name().name(), "mxCell");
            assert_eq!(cells[0].attribute("id"), Some("0"));
            assert_eq!(cells[0].attribute("parent"), None);
            assert_eq!(cells[1].attribute("id"), Some("1"));
            assert_eq!(cells[1].attribute("parent"), Some("0"));
            // (id, the mxCell itself) for every cell; a UserObject carries the id.
            let mut ids: HashMap<String, roxmltree::Node> = HashMap::new();
            let mut containers = HashSet::new();
            for c in &cells {
                let (id, cell) = match c.tag_name().name() {
                    "mxCell" => (c.attribute("id").unwrap(), *c),
                    "UserObject" => {
                        assert!(c.attribute("label").is_some());
                        (
                            c.attribute("id").unwrap(),
                            c.children().find(|n| n.has_tag_name("mxCell")).unwrap(),
                        )
                    }
                    other => panic!("unexpected <{other}>"),
                };
                assert!(ids.insert(id.to_owned(), cell).is_none(), "id {id} twice");
                if cell
                    .attribute("style")
                    .is_some_and(|s| s.contains("container=1"))
                {
                    containers.insert(id.to_owned());
                }
            }
            let (mut vertices, mut edges) = (0, 0);
            for (id, cell) in &ids {
                if id == "0" {
                    continue;
                }
                let parent = cell.attribute("parent").unwrap();
                assert!(ids.contains_key(parent), "{id}: parent {parent}");
                assert!(parent == "0" || parent == "1" || containers.contains(parent));
                let geometry = cell.children().find(|n| n.has_tag_name("mxGeometry"));
                if cell.attribute("vertex") == Some("1") {
                    vertices += 1;
                    let g = geometry.unwrap();
                    assert_eq!(g.attribute("as"), Some("geometry"));
                    for a in ["x", "y", "width", "height"] {
                        let v: f64 = g.attribute(a).unwrap().parse().unwrap();
                        assert!(v.is_finite() && (v >= 0.0 || a == "x" || a == "y"));
                    }
                }
                if cell.attribute("edge") == Some("1") {
                    edges += 1;
                    for end in ["source", "target"] {
                        let other = cell.attribute(end).unwrap();
                        assert!(ids.contains_key(other), "{id}: {end} {other}");
                    }
                    assert_eq!(geometry.unwrap().attribute("relative"), Some("1"));
                }
            }
            assert!(
                vertices > 10 && edges > 10,
                "{vertices} vertices, {edges} edges"
            );
        }
    }
}

/// A browser, where the machine has one (`KFORGE_BROWSER`, else Chromium or Chrome on
/// PATH).
fn browser() -> Option<PathBuf> {
    if let Some(b) = std::env::var_os("KFORGE_BROWSER") {
        return Some(PathBuf::from(b));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ]
        .iter()
        .map(|b| dir.join(b))
        .find(|p| p.is_file())
    })
}

/// The SVG as a real browser draws it: every node's shapes get a size (the browser read
/// the document and laid its text out), and a screenshot has the picture's size.
#[test]
fn a_browser_renders_the_svg() {
    let Some(chromium) = browser() else {
        eprintln!("no Chromium on PATH: the SVG is checked as XML only");
        return;
    };
    let dir = scratch("browser");
    let svg = graph(&["overlays/prod", "--format", "svg"]);
    std::fs::write(dir.join("prod.svg"), &svg).unwrap();
    let inline = svg.split_once("?>\n").map_or(svg.as_str(), |(_, s)| s);
    let page = format!(
        "<!DOCTYPE html><html><body>{inline}<div id=\"result\"></div><script>\
         const nodes = [...document.querySelectorAll('g.node')];\
         const drawn = nodes.filter(n => {{ const b = n.getBBox(); return b.width > 0 && b.height > 0; }});\
         const edges = document.querySelectorAll('path.edge').length;\
         document.getElementById('result').textContent = `nodes=${{nodes.length}} drawn=${{drawn.length}} edges=${{edges}}`;\
         </script></body></html>"
    );
    std::fs::write(dir.join("prod.html"), page).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
            ])
            .args(args)
            .output()
            .unwrap()
    };
    let url = format!("file://{}", dir.join("prod.html").display());
    let dom = run(&["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let result = dom
        .split_once("<div id=\"result\">")
        .and_then(|(_, r)| r.split_once("</div>"))
        .map(|(r, _)| r.to_owned())
        .unwrap_or_default();
    let g = json(&["overlays/prod"]);
    let n = g["nodes"].as_array().unwrap().len();
    let e = g["edges"].as_array().unwrap().len();
    assert_eq!(result, format!("nodes={n} drawn={n} edges={e}"));
    // A screenshot of the SVG itself, at its size.
    let root = roxmltree::Document::parse(&svg).unwrap();
    let size = |a: &str| -> u32 {
        root.root_element()
            .attribute(a)
            .unwrap()
            .parse::<f64>()
            .unwrap()
            .ceil() as u32
    };
    let (w, h) = (size("width"), size("height"));
    let png = dir.join("prod.png");
    let shot = run(&[
        &format!("--screenshot={}", png.display()),
        &format!("--window-size={w},{h}"),
        &format!("file://{}", dir.join("prod.svg").display()),
    ]);
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&shot.stderr)));
    assert_eq!(&bytes[1..4], b"PNG");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (w, h), "screenshot size");
    assert!(
        bytes.len() > 20_000,
        "a picture, not a blank page: {} bytes",
        bytes.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const README_START: &str = "<!-- kforge graph overlays/prod --format mermaid: begin";
const README_END: &str = "<!-- kforge graph: end -->";

/// The README's picture of prod is what `kforge graph` draws today;
/// `KFORGE_UPDATE_README=1 cargo test --test integration graph::` writes it.
#[test]
fn the_readme_picture_is_current() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let start = readme.find(README_START).expect("README start marker");
    let body_start = start + readme[start..].find("-->\n").unwrap() + 4;
    let end = readme.find(README_END).expect("README end marker");
    let current = &readme[body_start..end];
    let fresh = format!(
        "```mermaid\n{}```\n",
        graph(&["overlays/prod", "--format", "mermaid"])
    );
    if current == fresh {
        return;
    }
    if std::env::var_os("KFORGE_UPDATE_README").is_some() {
        let updated = format!("{}{fresh}{}", &readme[..body_start], &readme[end..]);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    panic!(
        "README.md's architecture picture is stale: run `KFORGE_UPDATE_README=1 cargo test --test integration graph::` \
         (it is `kforge graph overlays/prod --format mermaid`)"
    );
}

#[test]
fn dangling_references_are_drawn_with_their_rule_ids() {
    // One dangling reference of each kind the rules report, on its own (--isolated: not
    // within this repository).
    let path = "tests/fixtures/graph/broken";
    let g = json(&[path, "--isolated"]);
    let edges = g["edges"].as_array().unwrap();
    let dangling: BTreeSet<(String, String, String)> = edges
        .iter()
        .filter(|e| e["dangling"] == true)
        .map(|e| {
            let rules: Vec<&str> = e["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            (
                e["from"].as_str().unwrap().to_owned(),
                e["to"].as_str().unwrap().to_owned(),
                rules.join(","),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String)> = [
        ("deployment_web", "configmap_missing_config", "KF301"),
        ("service_orphan", "pod_app_nothing", "KF300"),
        ("httproute_web", "service_ghost", "KF306"),
        ("httproute_web", "service_web", "KF306"),
        ("horizontalpodautoscaler_web", "deployment_gone", "KF303"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(dangling, want);
    let node = |id: &str| {
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    assert_eq!(node("configmap_missing_config")["state"], "missing");
    // The route's findings (a missing Service, a port Service web lacks) are on its node.
    assert_eq!(node("httproute_web")["rules"], serde_json::json!(["KF306"]));
    // The InferenceService is a workload (its predictor is a pod template): its Secret in
    // its group, the Service selecting its pods.
    assert_eq!(node("inferenceservice_llm")["role"], "workload");
    assert_eq!(node("secret_hf_token")["group"], "wl_llm");
    assert!(edges
        .iter()
        .any(|e| e["from"] == "service_llm" && e["to"] == "inferenceservice_llm"));
    // Drawn red and dashed, labelled with the rule, in every format.
    let mermaid = graph(&[path, "--isolated"]);
    assert!(mermaid.contains("deployment_web -.->|\"KF301 env\"| configmap_missing_config"));
    assert!(mermaid.contains("stroke:#d32f2f"));
    assert!(mermaid.contains(",configmap_missing_config,deployment_gone,service_ghost missing\n"));
    let dot = graph(&[path, "--isolated", "--format", "dot"]);
    assert!(dot.contains("\"deployment_web\" -> \"configmap_missing_config\" [color=\"#d32f2f\""));
    assert!(dot.contains("label=\"KF301 env\""));
    let svg = graph(&[path, "--isolated", "--format", "svg"]);
    assert!(svg.contains("class=\"edge config dangling\""));
    let drawio = graph(&[path, "--isolated", "--format", "drawio"]);
    assert!(drawio.contains("value=\"KF301 env\" style=\"edgeStyle=orthogonalEdgeStyle;rounded=1;html=0;endArrow=classic;fontSize=10;strokeColor=#d32f2f;"));
}

#[test]
fn focus_keeps_one_objects_neighbourhood() {
    let g = json(&["overlays/prod", "--focus", "service/tf-serving"]);
    let ids: BTreeSet<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = [
        "service_tf_serving",
        "deployment_tf_serving",
        "deployment_tf_serving_b",
        "httproute_tf_serving_split",
        "servicemonitor_tf_serving",
    ]
    .into();
    assert_eq!(ids, want);
    assert!(g["title"]
        .as_str()
        .unwrap()
        .ends_with("(around service/tf-serving)"));
    let (code, _, err) = kforge(&["graph", "overlays/prod", "--focus", "Deployment/nope"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no Deployment named nope in overlays/prod"),
        "{err}"
    );
    let (code, _, err) = kforge(&["graph", "overlays/prod", "--focus", "tf-serving"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("expected KIND/NAME"), "{err}");
}

/// Six apps that differ only in a number: one workload group with a count at the default
/// threshold, six without collapsing.
#[test]
fn collapse_draws_similar_workloads_once_with_a_count() {
    let dir = scratch("collapse");
    let mut resources = Vec::new();
    for i in 1..=6 {
        let objects = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}}}\nspec:\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    metadata: {{labels: {{app: app-{i}}}}}\n    spec:\n      containers:\n      - name: c\n        image: example.com/app:{i}\n        envFrom: [{{configMapRef: {{name: app-{i}-config}}}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: app-{i}}}\nspec:\n  selector: {{app: app-{i}}}\n  ports: [{{port: 80}}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-{i}-config}}\ndata: {{a: b}}\n"
        );
        write(&dir, &format!("app-{i}.yaml"), &objects);
        resources.push(format!("app-{i}.yaml"));
    }
    write(
        &dir,
        "kustomization.yaml",
        &format!("resources: [{}]\n", resources.join(", ")),
    );
    let path = dir.to_str().unwrap();
    let g = json(&[path]);
    let groups = g["groups"].as_array().unwrap();
    let workloads: Vec<_> = groups.iter().filter(|g| g["kind"] == "workload").collect();
    assert_eq!(workloads.len(), 1);
    assert_eq!(workloads[0]["label"], "app-* ×6");
    assert_eq!(workloads[0]["count"], 6);
    let nodes = g["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{nodes:#?}");
    assert!(nodes.iter().all(|n| n["count"] == 6));
    let edges = g["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2);
    assert!(edges.iter().all(|e| e["count"] == 6));
    let all = json(&[path, "--collapse", "0"]);
    assert_eq!(all["nodes"].as_array().unwrap().len(), 18);
    assert_eq!(all["edges"].as_array().unwrap().len(), 12);
    let mermaid = graph(&[path]);
    assert!(mermaid.contains("Deployment ×6<br/>app-*"), "{mermaid}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_repository_root_draws_every_environment() {
    let g = json(&["."]);
    let envs: Vec<&str> = g["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["kind"] == "environment")
        .map(|g| g["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        envs,
        [
            "overlays/dev",
            "overlays/local",
            "overlays/prod",
            "overlays/staging"
        ]
    );
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"dev_deployment_tf_serving") && ids.contains(&"prod_deployment_tf_serving")
    );
    let unique: HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    // dev runs on CPUs: no node pools, no scheduling edges.
    assert!(!ids.iter().any(|i| i.starts_with("dev_nodepool")));
}

#[test]
fn output_file_and_bad_paths() {
    let dir = scratch("output");
    let file = dir.join("prod.svg");
    let (code, out, err) = kforge(&[
        "graph",
        "overlays/prod",
        "--format",
        "svg",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str()), (Some(0), ""), "{err}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        graph(&["overlays/prod", "--format", "svg"])
    );
    let (code, _, err) = kforge(&["graph", "no/such/dir"]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: no/such/dir"), "{err}");
    let (code, _, err) = kforge(&["graph", "tests/fixtures/ml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("tests/fixtures/ml: neither a kustomization directory nor a repository with overlays/<env>/"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kforge diff --graph`: the arrows a change moves, in a collapsed Mermaid block.
#[test]
fn diff_draws_the_references_a_change_moves() {
    let base = scratch("diff-old");
    let head = scratch("diff-new");
    let route = |weight_a: u32, weight_b: u32| {
        format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: split, namespace: ml}}\nspec:\n  rules:\n  - backendRefs:\n    - {{name: a, port: 80, weight: {weight_a}}}\n    - {{name: b, port: 80, weight: {weight_b}}}\n"
        )
    };
    let services = "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: ml}\nspec:\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: ml}\nspec:\n  ports: [{port: 80}]\n";
    let pod = |config: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: ml}}\nspec:\n  containers:\n  - name: c\n    image: example.com/c:1\n    envFrom: [{{configMapRef: {{name: {config}}}}}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: settings, namespace: ml}}\n")
    };
    for (dir, route, pod) in [
        (&base, route(90, 10), pod("settings")),
        (&head, route(50, 50), pod("settngs")),
    ] {
        write(
            dir,
            "overlays/prod/kustomization.yaml",
            "resources: [objects.yaml]\n",
        );
        write(
            dir,
            "overlays/prod/objects.yaml",
            &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: ml}}\n---\n{route}---\n{services}---\n{}", pod),
        );
    }
    let (old, new) = (base.to_str().unwrap(), head.to_str().unwrap());
    let diff = |extra: &[&str]| {
        let mut args = vec!["diff", "--base", old, new];
        args.extend_from_slice(extra);
        kforge(&args)
    };
    let (code, md, err) = diff(&["--format", "markdown", "--graph"]);
    assert_eq!(code, Some(1), "{err}");
    for expected in [
        "<details><summary>prod: the references the change moves (2 added, 3 removed, 1 dangling)</summary>",
        "```mermaid\nflowchart LR\n",
        "httproute_split ==>|\"added: weight 50 :80\"| service_a",
        "httproute_split -.->|\"removed: weight 90 :80\"| service_a",
        "pod_p -.->|\"KF301 env\"| configmap_settngs",
        "pod_p -.->|\"removed: env\"| configmap_settings",
    ] {
        assert!(md.contains(expected), "{expected}\n{md}");
    }
    // Without --graph, no picture; --graph needs Markdown.
    let (_, md, _) = diff(&["--format", "markdown"]);
    assert!(!md.contains("```mermaid"));
    let (code, _, err) = diff(&["--graph"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--format markdown"), "{err}");
    let _ = std::fs::remove_dir_all(&base);
    let _ = std::fs::remove_dir_all(&head);
}
