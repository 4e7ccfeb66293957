//! Traffic: an HTTPRoute's parent Gateways and backends, an Ingress's backends.

use super::{edge, list, lookup, resolve, text, Edge, Port, Relation};
use crate::validate::Context;

/// HTTPRoutes (parent Gateways, backendRefs) and Ingress backends.
pub(super) fn routes(cx: &Context, out: &mut Vec<Edge>) {
    for &i in cx.of_kind("HTTPRoute") {
        let r = cx.objects[i].resource;
        let ns = cx.namespace(i).unwrap_or_default();
        for (j, parent) in list(r.value.pointer("/spec/parentRefs")) {
            let kind = text(parent, "/kind").unwrap_or("Gateway");
            let pns = text(parent, "/namespace").unwrap_or(ns);
            let name = text(parent, "/name").unwrap_or("");
            let target = lookup(cx, kind, Some(pns), name);
            out.push(edge(
                i,
                format!("/spec/parentRefs/{j}/name"),
                Relation::Parent,
                target,
            ));
        }
        for (j, rule) in list(r.value.pointer("/spec/rules")) {
            for (k, b) in list(rule.get("backendRefs")) {
                let kind = text(b, "/kind").unwrap_or("Service");
                let group = text(b, "/group").unwrap_or("");
                let bns = text(b, "/namespace").unwrap_or(ns);
                let name = text(b, "/name").unwrap_or("");
                let ptr = format!("/spec/rules/{j}/backendRefs/{k}");
                // A Service of the route's namespace must exist (KF306); other backends
                // (another namespace needs a ReferenceGrant, other kinds) are not held.
                let target = if kind == "Service" && group.is_empty() && bns == ns {
                    resolve(cx, kind, Some(ns), name)
                } else {
                    lookup(cx, kind, Some(bns), name)
                };
                let mut e = edge(i, format!("{ptr}/name"), Relation::Backend, target);
                e.port = b.get("port").map(|p| Port {
                    value: p.clone(),
                    pointer: format!("{ptr}/port"),
                });
                out.push(e);
            }
        }
    }
    for &i in cx.of_kind("Ingress") {
        let r = cx.objects[i].resource;
        let ns = cx.namespace(i).unwrap_or_default();
        let mut backends = Vec::new();
        if let Some(b) = r.value.pointer("/spec/defaultBackend/service") {
            backends.push(("/spec/defaultBackend/service".to_owned(), b));
        }
        for (j, rule) in list(r.value.pointer("/spec/rules")) {
            for (k, path) in list(rule.pointer("/http/paths")) {
                if let Some(b) = path.pointer("/backend/service") {
                    backends.push((format!("/spec/rules/{j}/http/paths/{k}/backend/service"), b));
                }
            }
        }
        for (ptr, b) in backends {
            let name = text(b, "/name").unwrap_or("");
            let target = resolve(cx, "Service", Some(ns), name);
            let mut e = edge(i, format!("{ptr}/name"), Relation::Backend, target);
            e.port = b.get("port").map(|p| Port {
                value: p.clone(),
                pointer: format!("{ptr}/port"),
            });
            out.push(e);
        }
    }
}
