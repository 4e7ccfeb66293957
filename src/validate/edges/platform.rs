//! Objects of the platform: an ExternalSecret's store, and what a controller makes from an
//! object (`src/tables/platform.yaml`).

use super::{cluster_lookup, edge, lookup, text, Edge, Ref, Relation, Target};
use crate::validate::outside::Found;
use crate::validate::Context;

/// ExternalSecrets to their SecretStore or ClusterSecretStore.
pub(super) fn secret_stores(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("ExternalSecret") {
        let r = cx.objects[i].resource;
        if r.gvk_ref().group != "external-secrets.io" {
            continue;
        }
        let Some(name) = text(&r.value, "/spec/secretStoreRef/name") else {
            continue;
        };
        let kind = text(&r.value, "/spec/secretStoreRef/kind").unwrap_or("SecretStore");
        let target = if kind == "ClusterSecretStore" {
            cluster_lookup(cx, kind, name)
        } else {
            lookup(cx, kind, cx.namespace(i), name)
        };
        out.push(edge(
            i,
            "/spec/secretStoreRef/name".into(),
            Relation::SecretStore,
            target,
        ));
    }
}

/// What controllers make from objects of the output (`created` rows of the platform
/// table: an ExternalSecret's Secret, a Certificate's), except what they put in every
/// namespace.
pub(super) fn made(cx: &Context, out: &mut Vec<Edge>) {
    for (maker, kind, ns, name) in cx.made_from_output() {
        let target = match cx.find(kind, ns, name) {
            Some(i) => Target::Object(i),
            None => Target::Outside {
                what: Ref::new(kind, ns, name),
                origin: cx
                    .exists(kind, ns, name)
                    .and_then(|f| match f {
                        Found::Outside(o) => Some(o.to_owned()),
                        Found::Output(_) => None,
                    })
                    .unwrap_or_default(),
                maker: Some(maker),
            },
        };
        out.push(edge(maker, String::new(), Relation::Makes, target));
    }
}
