#!/usr/bin/env bash
# Brings the template up on a laptop cluster and sends one prediction through the gateway
# (README, "Try it on a laptop"). Needs docker (or podman) with kind, or minikube; kubectl;
# and kforge (built here when not on PATH).
#
#   ci/local-up.sh            kind (default): cluster "ml-serving", gateway on localhost:8080
#   ci/local-up.sh minikube   minikube: the gateway through `kubectl port-forward`
#   ci/local-up.sh --down     delete the kind cluster
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/kforge.sh
driver="${1:-kind}"
metrics_server=https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.7.2/components.yaml

if [[ "$driver" == --down ]]; then
  kind delete cluster --name ml-serving
  exit 0
fi

# 1. The cluster.
case "$driver" in
  kind)
    kind get clusters 2>/dev/null | grep -qx ml-serving \
      || kind create cluster --config ci/local/kind-config.yaml
    kubectl config use-context kind-ml-serving ;;
  minikube)
    minikube status >/dev/null 2>&1 || minikube start --cpus 4 --memory 8g
    kubectl config use-context minikube ;;
  *) echo "usage: $0 [kind|minikube|--down]" >&2; exit 2 ;;
esac

# 2. The one add-on the local environment needs: metrics-server, for the HPAs (kind's
#    kubelets have self-signed certificates, hence --kubelet-insecure-tls).
if [[ "$driver" == minikube ]]; then
  minikube addons enable metrics-server
else
  kubectl apply -f "$metrics_server"
  kubectl -n kube-system patch deployment metrics-server --type json \
    -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]'
fi

# 3. Check, build and apply the local environment.
"${kforge[@]}" check .
"${kforge[@]}" build overlays/local | kubectl apply --server-side -f -
kubectl -n ml-serving rollout status deployment/tf-serving --timeout=5m
kubectl -n ml-serving rollout status deployment/model-gateway --timeout=2m

# 4. A prediction through the gateway: half_plus_two answers 0.5 * x + 2.
url=http://localhost:8080
if [[ "$driver" == minikube ]]; then
  kubectl -n ml-serving port-forward service/model-gateway 8080:80 >/dev/null &
  trap 'kill $!' EXIT
  sleep 2
fi
curl -fsS -d '{"instances": [1.0, 2.0, 5.0]}' "$url/v1/models/half_plus_two:predict"
echo
