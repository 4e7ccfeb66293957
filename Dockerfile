# kforge as a container image: a static musl build in a Rust builder, then a minimal
# runtime that runs as a non-root user with `kforge` as the entry point.
#
#   docker build -t kforge .                          # kforge only
#   docker build --build-arg WITH_HELM=yes -t kforge:helm .   # plus helm, for helmCharts
#   docker build --target argocd-cmp -t kforge:argocd-cmp .   # the Argo CD plugin sidecar
#   docker run --rm -v "$PWD:/work" -w /work kforge check .
#
# The build command is the release workflow's (.github/workflows/release.yaml), for the
# image's architecture: x86_64-unknown-linux-musl on amd64, aarch64-unknown-linux-musl on
# arm64; tests/ecosystem.rs checks the two stay the same.
# The runtime has no git (remote Git resources need `kforge vendor` first, or another
# image) and no shell.

ARG WITH_HELM=no

FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
ARG TARGETARCH
RUN case "${TARGETARCH:-amd64}" in \
      amd64) arch=x86_64 ;; \
      arm64) arch=aarch64 ;; \
      *) echo "unsupported architecture ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && target="$arch-unknown-linux-musl" \
 && rustup target add "$target" \
 && cargo build --release --locked --target "$target" --bin kforge \
 && cp "target/$target/release/kforge" /kforge

# helm for `--enable-helm` (a static Go binary), checked against its published sha256.
FROM alpine:3 AS helm
ARG HELM_VERSION=v4.1.4
ARG TARGETARCH
RUN wget -q "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH:-amd64}.tar.gz" \
 && wget -q "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH:-amd64}.tar.gz.sha256sum" \
 && sha256sum -c "helm-${HELM_VERSION}-linux-${TARGETARCH:-amd64}.tar.gz.sha256sum" \
 && tar -xzf "helm-${HELM_VERSION}-linux-${TARGETARCH:-amd64}.tar.gz" \
 && mv "linux-${TARGETARCH:-amd64}/helm" /helm

FROM gcr.io/distroless/static:nonroot AS runtime-no
COPY --from=build /kforge /usr/local/bin/kforge

FROM runtime-no AS runtime-yes
COPY --from=helm /helm /usr/local/bin/helm
ENV HELM_CACHE_HOME=/tmp/helm/cache HELM_CONFIG_HOME=/tmp/helm/config HELM_DATA_HOME=/tmp/helm/data

# The Argo CD image (ci/gitops/argocd/cmp/): the config-management-plugin sidecar, whose
# cmp-server runs as user 999 and builds remote bases with git; and a drop-in `kustomize`
# (a symlink to kforge) that an init container copies for the repo-server's
# `kustomize.path` (README, "Drop-in kustomize").
#   docker build --target argocd-cmp -t kforge:argocd-cmp .
FROM alpine:3 AS argocd-cmp
RUN apk add --no-cache git \
 && adduser -D -H -u 999 -h /tmp argocd
COPY --from=build /kforge /usr/local/bin/kforge
COPY --from=helm /helm /usr/local/bin/helm
RUN ln -s kforge /usr/local/bin/kustomize
USER 999:999

FROM runtime-${WITH_HELM}
# distroless's nonroot user (65532).
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["kforge"]
CMD ["--help"]
