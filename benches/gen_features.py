#!/usr/bin/env python3
"""A benchmark repository that uses kustomize's round-two fields at scale.

    python3 benches/gen_features.py OUT --n N

base/ holds N apps, each a Deployment, a Service, a ConfigMap and a custom resource
(ModelServer, serving.example.com/v1) that names its ConfigMap and an image. The base uses
  - `vars`: one per app (the Service's name), expanded in the Deployment's args;
  - `replacements`: one per app, copying the ConfigMap's LOG_LEVEL into the Deployment's env;
  - `configurations`: a nameReference (ConfigMap -> ModelServer spec/configRef) and an images
    entry (ModelServer spec/image), so prefixes and image rewrites reach the custom resource;
  - `transformers`: a builtin LabelTransformer.
overlays/prod adds a namePrefix, a namespace, images and a generator, so every reference
is rewritten. The output is checked byte for byte against kubectl by bench.py.
"""
import argparse
import os


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def app(i):
    name = f"app-{i:04d}"
    var = f"SVC_{i:04d}"
    deployment = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: main
        image: registry.example.com/team/{name}:1.0.0
        args: ["--upstream=$({var})", "--port=8080"]
        envFrom:
        - configMapRef:
            name: {name}-config
        env:
        - name: LOG_LEVEL
          value: unset
        resources:
          requests:
            cpu: 50m
            memory: 64Mi
"""
    service = f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 8080
"""
    configmap = f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
data:
  LOG_LEVEL: debug
  MODEL: model-{i}
"""
    server = f"""apiVersion: serving.example.com/v1
kind: ModelServer
metadata:
  name: {name}
spec:
  configRef: {name}-config
  image: registry.example.com/models/server:1.0
  replicas: 1
"""
    var_entry = f"""- name: {var}
  objref:
    apiVersion: v1
    kind: Service
    name: {name}
"""
    replacement = f"""- source:
    kind: ConfigMap
    name: {name}-config
    fieldPath: data.LOG_LEVEL
  targets:
  - select:
      kind: Deployment
      name: {name}
    fieldPaths:
    - spec.template.spec.containers.[name=main].env.[name=LOG_LEVEL].value
"""
    return name, {"deployment": deployment, "service": service, "configmap": configmap,
                  "modelserver": server}, var_entry, replacement


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, required=True)
    args = ap.parse_args()
    resources, variables, replacements = [], [], []
    for i in range(args.n):
        name, files, var_entry, replacement = app(i)
        for kind, text in files.items():
            rel = f"apps/{name}/{kind}.yaml"
            write(os.path.join(args.out, "base", rel), text)
            resources.append(rel)
        variables.append(var_entry)
        replacements.append(replacement)
    write(os.path.join(args.out, "base", "config.yaml"), """nameReference:
- kind: ConfigMap
  version: v1
  fieldSpecs:
  - kind: ModelServer
    group: serving.example.com
    path: spec/configRef
images:
- kind: ModelServer
  group: serving.example.com
  path: spec/image
""")
    write(os.path.join(args.out, "base", "labels.yaml"), """apiVersion: builtin
kind: LabelTransformer
metadata:
  name: part-of
labels:
  app.kubernetes.io/part-of: bench
fieldSpecs:
- path: metadata/labels
  create: true
""")
    write(os.path.join(args.out, "base", "kustomization.yaml"),
          "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
          "configurations:\n- config.yaml\ntransformers:\n- labels.yaml\nresources:\n"
          + "".join(f"- {r}\n" for r in resources)
          + "vars:\n" + "".join(variables)
          + "replacements:\n" + "".join(replacements))
    write(os.path.join(args.out, "overlays", "prod", "kustomization.yaml"), """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: prod-
namespace: serving
resources:
- ../../base
images:
- name: registry.example.com/models/server
  newTag: "2.0"
configMapGenerator:
- name: rollout
  literals:
  - WAVE=1
""")


if __name__ == "__main__":
    main()
