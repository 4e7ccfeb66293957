//! Compiled object selectors (a patch's `target`, a replacement's `select` and `reject`):
//! anchored regexes on group, version, kind, name and namespace, and Kubernetes label
//! selectors on labels and annotations.

use regex::Regex;

use crate::error::{Error, Result};
use crate::model::Selector;
use crate::resource::Resource;

#[derive(Debug)]
enum Requirement {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed Kubernetes label selector (`a=b,c!=d,e in (x,y),f,!g`).
#[derive(Debug, Default)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

impl LabelSelector {
    /// Parse selector text.
    pub fn parse(text: &str) -> Result<LabelSelector> {
        let mut reqs = Vec::new();
        if text.trim().is_empty() {
            return Ok(LabelSelector { reqs });
        }
        let bad = |part: &str| Error::msg(format!("invalid selector '{text}' near '{part}'"));
        for part in split_top(text) {
            let p = part.trim();
            if p.is_empty() {
                return Err(bad(part));
            }
            if let Some(k) = p.strip_prefix('!') {
                reqs.push(Requirement::NotExists(k.trim().to_owned()));
            } else if let Some((k, v)) = p.split_once("!=") {
                reqs.push(Requirement::NotEq(k.trim().to_owned(), v.trim().to_owned()));
            } else if let Some((k, v)) = p.split_once("==") {
                reqs.push(Requirement::Eq(k.trim().to_owned(), v.trim().to_owned()));
            } else if let Some((k, v)) = p.split_once('=') {
                reqs.push(Requirement::Eq(k.trim().to_owned(), v.trim().to_owned()));
            } else if let Some(open) = p.find('(') {
                let head: Vec<&str> = p[..open].split_whitespace().collect();
                let Some(inner) = p[open + 1..].strip_suffix(')') else {
                    return Err(bad(part));
                };
                let values: Vec<String> = inner.split(',').map(|v| v.trim().to_owned()).collect();
                match head.as_slice() {
                    [k, "in"] => reqs.push(Requirement::In((*k).to_owned(), values)),
                    [k, "notin"] => reqs.push(Requirement::NotIn((*k).to_owned(), values)),
                    _ => return Err(bad(part)),
                }
            } else if p.split_whitespace().count() == 1 {
                reqs.push(Requirement::Exists(p.to_owned()));
            } else {
                return Err(bad(part));
            }
        }
        Ok(LabelSelector { reqs })
    }

    /// Does a set of labels satisfy every requirement?
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let get = |k: &str| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v);
        self.reqs.iter().all(|r| match r {
            Requirement::Eq(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEq(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }
}

/// A compiled selector: which objects a patch or replacement applies to.
pub struct Matcher {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: LabelSelector,
    annotations: LabelSelector,
}

/// One field of a selector: kustomize matches it as an anchored regular expression; text
/// without any regex syntax (most names and kinds) is compared as a string, which is the
/// same test and much cheaper over thousands of objects.
enum Pattern {
    Exact(String),
    Regex(Regex),
}

impl Pattern {
    fn is_match(&self, s: &str) -> bool {
        match self {
            Pattern::Exact(t) => t == s,
            Pattern::Regex(re) => re.is_match(s),
        }
    }
}

fn anchored(field: &str, re: &str) -> Result<Option<Pattern>> {
    if re.is_empty() {
        return Ok(None);
    }
    // Characters that are never regex syntax outside a class.
    let literal = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '/' | ':' | '@');
    if re.chars().all(literal) {
        return Ok(Some(Pattern::Exact(re.to_owned())));
    }
    Regex::new(&format!("^(?:{re})$"))
        .map(|r| Some(Pattern::Regex(r)))
        .map_err(|e| {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or_default().trim().to_owned();
            Error::msg(format!(
                "target {field} '{re}' is not a valid regular expression: {why}"
            ))
        })
}

impl Matcher {
    /// Compile a selector.
    pub fn new(s: &Selector) -> Result<Matcher> {
        Ok(Matcher {
            group: anchored("group", &s.group)?,
            version: anchored("version", &s.version)?,
            kind: anchored("kind", &s.kind)?,
            name: anchored("name", &s.name)?,
            namespace: anchored("namespace", &s.namespace)?,
            labels: LabelSelector::parse(&s.label_selector)?,
            annotations: LabelSelector::parse(&s.annotation_selector)?,
        })
    }

    /// Does the selector pick this id (group, version, kind, name and namespace as
    /// written, kustomize's `SelectorRegex`)?
    pub fn selects_id(&self, id: &crate::resource::ResId) -> bool {
        let one = |re: &Option<Pattern>, a: &str| re.as_ref().is_none_or(|re| re.is_match(a));
        one(&self.group, &id.gvk.group)
            && one(&self.version, &id.gvk.version)
            && one(&self.kind, &id.gvk.kind)
            && one(&self.name, &id.name)
            && one(&self.namespace, &id.namespace)
    }

    /// Does it select by group, version, kind, name or namespace?
    pub fn has_id_fields(&self) -> bool {
        [
            &self.group,
            &self.version,
            &self.kind,
            &self.name,
            &self.namespace,
        ]
        .iter()
        .any(|re| re.is_some())
    }

    /// Does it select by labels or annotations?
    pub fn has_meta_selectors(&self) -> bool {
        !(self.labels.reqs.is_empty() && self.annotations.reqs.is_empty())
    }

    /// Do the label and annotation selectors pick this object?
    pub fn matches_meta(&self, r: &Resource) -> bool {
        self.labels.matches(&r.labels()) && self.annotations.matches(&r.annotations())
    }

    /// Does the selector pick this object?
    pub fn matches(&self, r: &Resource) -> bool {
        let cur = r.cur_id_ref();
        let org = r.prev_ids.first().map_or(cur, |id| id.as_ref());
        let m = |re: &Option<Pattern>, a: &str, b: &str| {
            re.as_ref()
                .is_none_or(|re| re.is_match(a) || re.is_match(b))
        };
        if !m(
            &self.namespace,
            org.effective_namespace(),
            cur.effective_namespace(),
        ) {
            return false;
        }
        if !m(&self.name, org.name, cur.name) {
            return false;
        }
        let one = |re: &Option<Pattern>, a: &str| re.as_ref().is_none_or(|re| re.is_match(a));
        if !one(&self.group, cur.gvk.group)
            || !one(&self.version, cur.gvk.version)
            || !one(&self.kind, cur.gvk.kind)
        {
            return false;
        }
        self.labels.matches(&r.labels()) && self.annotations.matches(&r.annotations())
    }
}

#[cfg(test)]
mod tests {
    use super::LabelSelector;

    #[test]
    fn literal_fields_compare_as_text() {
        let p = super::anchored("name", "app-0001").unwrap().unwrap();
        assert!(matches!(p, super::Pattern::Exact(_)));
        assert!(p.is_match("app-0001") && !p.is_match("app-00012"));
        let p = super::anchored("name", "app.v1").unwrap().unwrap();
        assert!(matches!(p, super::Pattern::Regex(_)));
        assert!(p.is_match("appXv1") && !p.is_match("app.v12"));
    }

    #[test]
    fn selectors() {
        let l = [("app", "web"), ("tier", "front")];
        assert!(LabelSelector::parse("app=web").unwrap().matches(&l));
        assert!(LabelSelector::parse("app in (web, api),tier")
            .unwrap()
            .matches(&l));
        assert!(!LabelSelector::parse("app!=web").unwrap().matches(&l));
        assert!(LabelSelector::parse("!missing,tier notin (back)")
            .unwrap()
            .matches(&l));
    }
}
