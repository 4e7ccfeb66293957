//! `images:` rewrites container images (name, tag, digest) in every `containers` and
//! `initContainers` list of every object except CRDs, and in image volumes.

use kforge_value::Value;
use regex::Regex;

use super::config::TransformerConfig;
use crate::error::{Error, Result};
use crate::model::Image;
use crate::resource::Resource;

/// Split an image reference into name, tag and digest, as kustomize does.
pub fn split(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image.to_owned(), String::new(), String::new()),
        (c, Some(a)) if c.is_none() || a < c.unwrap_or(usize::MAX) => {
            let a = a + slash;
            (
                image[..a].to_owned(),
                String::new(),
                image[a + 1..].to_owned(),
            )
        }
        (Some(c), Some(a)) => {
            let (c, a) = (c + slash, a + slash);
            (
                image[..c].to_owned(),
                image[c + 1..a].to_owned(),
                image[a + 1..].to_owned(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (
                image[..c].to_owned(),
                image[c + 1..].to_owned(),
                String::new(),
            )
        }
        (None, Some(_)) => unreachable!("handled above"),
    }
}

/// Which images an entry's name picks: kustomize's pattern
/// `^NAME(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`, with the name read as a
/// regular expression.
enum NameMatcher {
    /// A name of letters, digits and `/:-_@.` only (`.` matching any one character), the
    /// common case, matched without compiling the pattern.
    Simple(Vec<char>),
    /// Any other name.
    Regex(Regex),
}

impl NameMatcher {
    fn new(name: &str) -> Result<NameMatcher> {
        let simple = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | ':' | '-' | '_' | '@' | '.'));
        if simple {
            return Ok(NameMatcher::Simple(name.chars().collect()));
        }
        let pattern = format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$");
        Regex::new(&pattern)
            .map(NameMatcher::Regex)
            .map_err(|e| Error::msg(format!("images: name '{name}' is not a valid pattern: {e}")))
    }

    fn is_match(&self, image: &str) -> bool {
        let name = match self {
            NameMatcher::Regex(re) => return re.is_match(image),
            NameMatcher::Simple(name) => name,
        };
        let mut chars = image.char_indices();
        for &want in name {
            match chars.next() {
                Some((_, c)) if c == want || (want == '.' && c != '\n') => {}
                _ => return false,
            }
        }
        let tail = chars.next().map_or("", |(at, _)| &image[at..]);
        let tag_char =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '{' | '}' | '-');
        let mut rest = tail;
        if let Some(tag) = rest.strip_prefix(':') {
            rest = tag.trim_start_matches(tag_char);
        }
        if let Some(digest) = rest.strip_prefix("@sha256:") {
            rest = digest.trim_start_matches(tag_char);
        }
        rest.is_empty()
    }
}

struct Rewrite<'a> {
    image: &'a Image,
    matcher: NameMatcher,
    /// Set once an image matched.
    matched: std::sync::atomic::AtomicBool,
}

impl Rewrite<'_> {
    fn update(&self, node: &mut Value) -> Result<()> {
        let Some(current) = node.as_str() else {
            return Err(Error::msg("an image must be a string"));
        };
        if !self.matcher.is_match(current) {
            return Ok(());
        }
        self.matched
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let (mut name, mut tag, mut digest) = split(current);
        let img = self.image;
        if !img.new_name.is_empty() {
            name = img.new_name.clone();
        }
        if !img.new_tag.is_empty() && !img.digest.is_empty() {
            tag = img.new_tag.clone();
            digest = img.digest.clone();
        } else if !img.new_tag.is_empty() {
            tag = img.new_tag.clone();
            digest.clear();
        } else if !img.digest.is_empty() {
            tag.clear();
            digest = img.digest.clone();
        } else if !img.tag_suffix.is_empty() {
            tag.push_str(&img.tag_suffix);
            digest.clear();
        }
        if !tag.is_empty() {
            name = format!("{name}:{tag}");
        }
        if !digest.is_empty() {
            name = format!("{name}@{digest}");
        }
        *node = Value::String(name);
        Ok(())
    }
}

/// Rewrite the `image` of every item of every `containers` and `initContainers` list
/// anywhere in `node`, deepest lists first (the order in which kustomize finds them, so the
/// same failure is reported first).
fn rewrite_containers(node: &mut Value, rw: &Rewrite) -> Result<()> {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                rewrite_containers(value, rw)?;
                if key == "containers" || key == "initContainers" {
                    if let Value::Array(items) = value {
                        for image in items.iter_mut().filter_map(|c| c.get_mut("image")) {
                            rw.update(image)?;
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_containers(item, rw)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Apply the image rewrites.
///
/// As kustomize does, every `containers`/`initContainers` list anywhere in an object is
/// rewritten first, then every field of the configuration's `images` table (never created).
/// Returns the indices of the entries that matched no image.
pub fn apply(
    resources: &mut [Resource],
    images: &[Image],
    cfg: &TransformerConfig,
) -> Result<Vec<usize>> {
    let mut unmatched = Vec::new();
    for (i, img) in images.iter().enumerate() {
        let matcher = NameMatcher::new(&img.name)?;
        let rw = Rewrite {
            image: img,
            matcher,
            matched: std::sync::atomic::AtomicBool::new(false),
        };
        // Objects are independent: large builds use all cores.
        crate::parallel::try_each_mut(resources, super::PER_THREAD, |_, r| {
            if r.kind() == "CustomResourceDefinition" {
                return Ok(());
            }
            rewrite_containers(&mut r.value, &rw).map_err(|e| e.in_file(&r.origin.file, None))?;
            let gvk = r.gvk_ref();
            let specs: Vec<_> = cfg
                .images
                .iter()
                .filter(|s| gvk.is_selected(&s.gvk))
                .collect();
            for spec in specs {
                spec.apply(&mut r.value, None, &mut |n| rw.update(n))
                    .map_err(|e| e.in_file(&r.origin.file, None))?;
            }
            Ok(())
        })?;
        if !rw.matched.load(std::sync::atomic::Ordering::Relaxed) {
            unmatched.push(i);
        }
    }
    Ok(unmatched)
}

#[cfg(test)]
mod tests {
    use super::{split, NameMatcher};

    #[test]
    fn simple_names_match_as_their_pattern_does() {
        let names = [
            "nginx",
            "registry.example.com/team/app-0001",
            "a.b",
            "r.io:5000/x",
            "x@y",
            "n_1",
        ];
        let images = [
            "nginx",
            "nginx:1.2",
            "nginx:",
            "nginx@sha256:abc",
            "nginx:1@sha256:abc",
            "nginx:1:2",
            "nginx@sha256",
            "nginxx",
            "ngin",
            "nginx:a{b}-c.d_e",
            "nginx:a b",
            "nginx\n",
            "registry.example.com/team/app-0001:1.0",
            "registryXexample.com/team/app-0001",
            "registry.example.com/team/app-00012",
            "a\nb",
            "aéb",
            "aéb:1",
            "r.io:5000/x:v1",
            "rXio:5000/x",
            "x@y@sha256:1",
            "x@y:1",
            "n_1:",
            "",
            ":1",
            "nginx:1@sha257:a",
        ];
        for name in names {
            let simple = NameMatcher::new(name).unwrap();
            assert!(matches!(simple, NameMatcher::Simple(_)), "{name}");
            let re = regex::Regex::new(&format!(
                "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
            ))
            .unwrap();
            for image in images {
                assert_eq!(
                    simple.is_match(image),
                    re.is_match(image),
                    "{name} {image:?}"
                );
            }
        }
        assert!(matches!(
            NameMatcher::new("a+b").unwrap(),
            NameMatcher::Regex(_)
        ));
    }

    #[test]
    fn splits() {
        let s = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
        assert_eq!(split("nginx"), s("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), s("nginx", "1.2", ""));
        assert_eq!(
            split("localhost:5000/app:v1"),
            s("localhost:5000/app", "v1", "")
        );
        assert_eq!(split("app@sha256:abc"), s("app", "", "sha256:abc"));
        assert_eq!(
            split("r.io/app:v1@sha256:abc"),
            s("r.io/app", "v1", "sha256:abc")
        );
    }
}
