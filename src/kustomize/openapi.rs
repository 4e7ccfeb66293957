//! `openapi:`: which OpenAPI document strategic merges read. kustomize keeps this in one
//! process-wide schema (kyaml's), so the order of events in a build decides it, and this
//! module replays that order for one build:
//!
//! - each kustomization sets the schema as it is entered (`path:` a custom document, or
//!   `version:` a builtin one, only `v1.21.2`); the top one always, any other only while
//!   nothing is set yet, so the top wins and otherwise the first one reached does;
//! - the schema is read on first use (a strategic merge), or as soon as an object of a
//!   kind outside the builtin Kubernetes 1.21 kinds is read once a custom document is set.
//!   An object of such a kind read before any document is read makes the builtin one
//!   read as well when the schema is first used;
//! - documents read are kept: a custom one set after the builtin one was read adds to it.
//!
//! The file is read here (under the load restrictor) and parsed into a
//! [`Table`] that travels to the transformers inside [`Schemas`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::loader::{lexical_join, KustomizationFile};
use super::resolve::resolve_file;
use super::BuildOptions;
use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::source::file::read_text;
use crate::source::yaml::parse_single;
use crate::source::Schema;
use crate::transform::smp_schema::{self, Schemas, Table};

/// The builtin OpenAPI version kustomize 5.8.1 ships.
const BUILTIN_VERSION: &str = "v1.21.2";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Builtin {
    NotRead,
    Delayed,
    Read,
}

/// A custom document: parsed, or the reason it cannot be (reported when it is first read,
/// as kustomize fails only then).
type Custom = std::result::Result<Arc<Table>, Error>;

/// kyaml's schema state during one build.
pub struct OpenApi {
    version_set: bool,
    custom: Option<Custom>,
    initialised: bool,
    builtin: Builtin,
    current: Arc<Schemas>,
}

impl Default for OpenApi {
    fn default() -> Self {
        OpenApi {
            version_set: false,
            custom: None,
            initialised: false,
            builtin: Builtin::NotRead,
            current: Arc::new(Schemas::none()),
        }
    }
}

fn read_custom(kfile: &KustomizationFile, path: &str, opts: &BuildOptions) -> Result<Custom> {
    let pointer = "/openapi/path";
    let file = resolve_file(kfile, path, pointer, opts)?;
    let shown = lexical_join(&kfile.display_dir, path);
    let text = read_text(&file, &opts.limits)?;
    let invalid = |m: String| Error::at(&shown, None, format!("invalid schema file: {m}"));
    let doc = match parse_single(&text, Schema::Kyaml, opts.limits) {
        Ok(doc) => doc,
        Err(e) => {
            return Ok(Err(Error::at(
                &shown,
                Some(e.pos),
                format!("invalid schema file: {}", e.message),
            )))
        }
    };
    let value = doc.map(|d| d.value).unwrap_or(kforge_value::Value::Null);
    Ok(Table::from_openapi(&value).map(Arc::new).map_err(invalid))
}

impl OpenApi {
    /// A kustomization is entered: its `openapi:` field (the top one with `top`).
    pub fn enter(
        &mut self,
        kfile: &KustomizationFile,
        top: bool,
        opts: &BuildOptions,
    ) -> Result<()> {
        let field: &BTreeMap<String, String> = &kfile.kustomization.open_api;
        let here = |m: &str| Error::at(&kfile.path, kfile.pos("/openapi"), m.to_owned());
        // kustomize reads the file before it looks whether a schema is set already.
        let custom = match field.get("path") {
            Some(path) => Some(read_custom(kfile, path, opts)?),
            None => None,
        };
        if (self.version_set || self.custom.is_some()) && !top {
            return Ok(());
        }
        let version = field.get("version");
        if let Some(custom) = custom {
            if version.is_some() {
                return Err(here(
                    "builtin version and custom schema provided, cannot use both; keep 'path' or 'version'",
                ));
            }
            self.custom = Some(custom);
            self.version_set = true;
            self.initialised = false;
            return Ok(());
        }
        let version = version.map(String::as_str).unwrap_or("");
        self.version_set = !version.is_empty();
        if version.is_empty() {
            return Ok(());
        }
        if version != BUILTIN_VERSION {
            return Err(here(&format!(
                "the specified OpenAPI version '{version}' is not built in (kustomize 5.8.1 has only {BUILTIN_VERSION})"
            )));
        }
        self.custom = None;
        self.initialised = false;
        Ok(())
    }

    /// Objects were read: a kind outside the builtin ones makes kyaml look the schema up.
    pub fn saw(&mut self, objects: &[Resource]) -> Result<()> {
        // Once read, or once the builtin document is due anyway, nothing more changes.
        if self.initialised || (self.custom.is_none() && self.builtin != Builtin::NotRead) {
            return Ok(());
        }
        let unknown = objects.iter().any(|r| {
            let api = r
                .value
                .get("apiVersion")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            !smp_schema::is_builtin_root(api, r.kind())
        });
        if !unknown {
            return Ok(());
        }
        if self.custom.is_some() {
            return self.init();
        }
        if self.builtin == Builtin::NotRead {
            self.builtin = Builtin::Delayed;
        }
        Ok(())
    }

    /// Read the schema if it is not read yet (a strategic merge needs it).
    pub fn init(&mut self) -> Result<()> {
        if self.initialised {
            return Ok(());
        }
        self.initialised = true;
        let mut schemas = (*self.current).clone();
        match &self.custom {
            Some(Ok(table)) => schemas.push(table.clone()),
            Some(Err(e)) => return Err(e.clone()),
            None => {
                schemas.push_builtin();
                self.builtin = Builtin::Read;
            }
        }
        if self.builtin == Builtin::Delayed {
            schemas.push_builtin();
            self.builtin = Builtin::Read;
        }
        self.current = Arc::new(schemas);
        Ok(())
    }

    /// The documents read so far.
    pub fn schemas(&self) -> Arc<Schemas> {
        self.current.clone()
    }
}
