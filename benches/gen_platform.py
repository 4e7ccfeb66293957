#!/usr/bin/env python3
"""A benchmark repository shaped like an ML platform: many small kustomizations, a deep
chain of bases, and components.

    python3 benches/gen_platform.py OUT --apps N [--teams T]

Layout (the chain from an app's files to the built environment is six kustomizations deep):

  components/monitoring    Component: scrape annotations, a label
  components/gpu           Component: a strategic-merge patch giving Deployments a GPU
                           limit, a node selector and a toleration (model servers only)
  components/mesh          Component: a JSON patch adding the sidecar annotation
  apps/<app>/base          Deployment, Service, ServiceAccount, an HPA for every third app,
                           a configMapGenerator (hashed name, referenced by the Deployment)
  apps/<app>/overlays/default
                           the base, labels, the monitoring component (and gpu for every
                           fourth app)
  teams/<team>             its apps' overlays, a namespace, an owner annotation
  platform                 every team, the mesh component, a platform label
  envs/prod                the platform, images, replicas, a generator, a patch
  envs/prod-eu             prod, a region label, a kind-wide JSON patch (what bench.py builds)

Deterministic: the same arguments give the same tree. bench.py checks kforge's output
against kubectl's byte for byte.
"""
import argparse
import os
import shutil


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def app_base(out, i):
    name = f"app-{i:04d}"
    d = f"{out}/apps/{name}/base"
    kind = "model" if i % 4 == 0 else "service"
    write(f"{d}/deployment.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
        ml.example.com/role: {kind}
    spec:
      serviceAccountName: {name}
      containers:
      - name: main
        image: registry.example.com/ml/{name}:1.{i % 7}.0
        args: ["--port=8080", "--model-dir=/models/{name}"]
        ports:
        - name: http
          containerPort: 8080
        envFrom:
        - configMapRef:
            name: {name}-settings
        resources:
          requests:
            cpu: 250m
            memory: 512Mi
          limits:
            memory: 1Gi
        readinessProbe:
          httpGet:
            path: /v1/health
            port: http
""")
    write(f"{d}/service.yaml", f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - name: http
    port: 80
    targetPort: http
""")
    write(f"{d}/serviceaccount.yaml", f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
""")
    resources = ["deployment.yaml", "service.yaml", "serviceaccount.yaml"]
    if i % 3 == 0:
        write(f"{d}/hpa.yaml", f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: 1
  maxReplicas: {4 + i % 5}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
""")
        resources.append("hpa.yaml")
    write(f"{d}/kustomization.yaml", "resources:\n" + "".join(f"- {r}\n" for r in resources) + f"""configMapGenerator:
- name: {name}-settings
  literals:
  - MODEL_NAME={name}
  - BATCH_SIZE={8 << (i % 3)}
  - LOG_LEVEL=info
""")
    components = ["../../../../components/monitoring"]
    if i % 4 == 0:
        components.append("../../../../components/gpu")
    write(f"{out}/apps/{name}/overlays/default/kustomization.yaml", f"""resources:
- ../../base
labels:
- pairs:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/component: {kind}
components:
""" + "".join(f"- {c}\n" for c in components))


def components(out):
    write(f"{out}/components/monitoring/kustomization.yaml", """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
labels:
- pairs:
    monitoring.example.com/scrape: "true"
commonAnnotations:
  prometheus.io/port: "8080"
  prometheus.io/path: /metrics
""")
    write(f"{out}/components/gpu/patch-gpu.yaml", """apiVersion: apps/v1
kind: Deployment
metadata:
  name: any
spec:
  template:
    spec:
      nodeSelector:
        ml.example.com/pool: gpu-inference
      tolerations:
      - key: nvidia.com/gpu
        operator: Exists
        effect: NoSchedule
      containers:
      - name: main
        resources:
          limits:
            nvidia.com/gpu: "1"
""")
    write(f"{out}/components/gpu/kustomization.yaml", """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- path: patch-gpu.yaml
  target:
    kind: Deployment
""")
    write(f"{out}/components/mesh/kustomization.yaml", """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- target:
    kind: Deployment
  patch: |-
    - op: add
      path: /spec/template/metadata/annotations
      value:
        sidecar.istio.io/inject: "true"
""")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--apps", type=int, required=True)
    ap.add_argument("--teams", type=int, default=10)
    a = ap.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    components(a.out)
    teams = {}
    for i in range(a.apps):
        app_base(a.out, i)
        teams.setdefault(i % a.teams, []).append(i)
    for t, apps in sorted(teams.items()):
        write(f"{a.out}/teams/team-{t:02d}/kustomization.yaml", f"""namespace: team-{t:02d}
resources:
""" + "".join(f"- ../../apps/app-{i:04d}/overlays/default\n" for i in apps) + f"""commonAnnotations:
  ml.example.com/owner: team-{t:02d}
""")
    write(f"{a.out}/platform/kustomization.yaml", "resources:\n" + "".join(
        f"- ../teams/team-{t:02d}\n" for t in sorted(teams)) + """components:
- ../components/mesh
labels:
- pairs:
    ml.example.com/platform: serving
""")
    write(f"{a.out}/envs/prod/patch-replicas.yaml", """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-0001
  namespace: team-01
spec:
  template:
    spec:
      containers:
      - name: main
        resources:
          requests:
            cpu: "1"
""")
    write(f"{a.out}/envs/prod/kustomization.yaml", """resources:
- ../../platform
images:
- name: registry.example.com/ml/app-0000
  newTag: 2.0.0
- name: registry.example.com/ml/app-0001
  newName: mirror.example.com/ml/app-0001
replicas:
- name: app-0002
  count: 3
configMapGenerator:
- name: platform-settings
  namespace: team-00
  literals:
  - ENVIRONMENT=prod
patches:
- path: patch-replicas.yaml
""")
    write(f"{a.out}/envs/prod-eu/kustomization.yaml", """resources:
- ../prod
labels:
- pairs:
    topology.kubernetes.io/region: eu-west-1
patches:
- target:
    kind: Service
  patch: |-
    - op: add
      path: /metadata/annotations/service.kubernetes.io~1topology-mode
      value: Auto
""")


if __name__ == "__main__":
    main()
