//! The entry-reading step of a kustomization: what each `resources` (and `bases`,
//! `components`, plugin configuration) entry is on disk, the files among them read and
//! parsed on all cores a run at a time, their objects appended in the listed order, and
//! directories and remote entries handed back to the overlay graph ([`super::build`]).

use std::path::Path;

use super::accumulator::{Accumulator, ResSet};
use super::build::{Builder, Opened};
use super::loader::{
    is_plain, lexical_join, load_resource_file_sized, resources_from_text, KustomizationFile,
};
use super::remote;
use super::resolve::{admit, resolve_file_in, Canonical};
use crate::error::Result;
use crate::resource::Resource;
use crate::source::file::{read_opened, Dir, Kind};
use crate::transform::build_metadata::{self, Provenance};

/// Consecutive resource files read on all cores when at least this many.
const PARALLEL_FILES: usize = 8;

/// At most this many bytes of resource files are read ahead of the one being appended, so
/// that reading in parallel holds no more than one largest-allowed file would (a hostile
/// list of the same large file many times fails on the second copy, as when read serially).
const WINDOW_BYTES: u64 = 64 * 1024 * 1024;

/// What a `resources` entry names on disk, as far as one `lstat` tells (a `stat` too when
/// that finds a link or nothing): 16 bytes, not the system's whole answer, as a list may
/// hold hundreds of thousands of entries.
struct EntryKind {
    /// Nothing there (or it cannot be asked): perhaps a remote entry.
    missing: bool,
    dir: bool,
    /// The size of what is there (a link followed).
    size: u64,
    /// A plain path to a regular file: its size and type then serve the read.
    regular: bool,
}

impl EntryKind {
    /// What `entry` is below `dir`, held open as `open` (a plain entry is looked up from
    /// there).
    fn of(dir: &Path, open: &Dir, entry: &str) -> EntryKind {
        let plain = is_plain(entry);
        let by_path = || std::fs::symlink_metadata(dir.join(entry)).map(|m| Kind::from(&m));
        let seen = match plain.then(|| open.kind(entry)).flatten() {
            Some(seen) => seen,
            None => by_path(),
        };
        let (kind, regular) = match seen {
            Ok(k) if plain && k.file => (Ok(k), true),
            Ok(k) if !k.link => (Ok(k), false),
            _ => (
                std::fs::metadata(dir.join(entry)).map(|m| Kind::from(&m)),
                false,
            ),
        };
        match kind {
            Ok(k) => EntryKind {
                missing: false,
                dir: k.dir,
                size: k.size,
                regular,
            },
            Err(_) => EntryKind {
                missing: true,
                dir: false,
                size: 0,
                regular: false,
            },
        }
    }
}

impl Builder<'_> {
    /// Read the resource files in `files` (then empty it) and append their objects. Each
    /// file comes with its size when it was just seen to be a regular file under a plain
    /// path (it is then not asked again).
    fn load_files(
        &mut self,
        kfile: &KustomizationFile,
        dir: &Dir,
        files: &mut Vec<(&String, String, Option<u64>)>,
        set: &mut ResSet,
    ) -> Result<()> {
        let opts = self.opts;
        let canonical = Canonical::default();
        let load = |(entry, pointer, size): &(&String, String, Option<u64>)| {
            let display = lexical_join(&kfile.display_dir, entry);
            let limits = &opts.limits;
            // A regular file under a plain path (just seen) opened with no symbolic link on
            // the way: the path as joined is its canonical path, and what was opened is
            // read. (A build with a parse cache resolves the path first, to find the file's
            // objects there without opening it.)
            if let (Some(size), None) = (size, &opts.cache) {
                if let Some(file) = dir.open_without_links(entry) {
                    let path = lexical_join(&kfile.dir, entry);
                    admit(kfile, entry, pointer, opts, &path, &path)?;
                    let text = read_opened(file, &path, limits, Some(*size))?;
                    return resources_from_text(&text, &display, limits);
                }
            }
            let regular = size.is_some();
            let path = resolve_file_in(kfile, entry, pointer, opts, &canonical, regular)?;
            match &opts.cache {
                Some(cache) => cache.objects(&path, &display, || {
                    load_resource_file_sized(&path, &display, limits, *size)
                }),
                None => load_resource_file_sized(&path, &display, limits, *size),
            }
        };
        let loaded: Vec<Result<Vec<Resource>>> = if files.len() >= PARALLEL_FILES {
            crate::parallel::map(files, load)
        } else {
            files.iter().map(load).collect()
        };
        for (objects, (entry, _, _)) in loaded.into_iter().zip(files.drain(..)) {
            let mut objects = objects?;
            self.openapi.saw(&objects)?;
            if let Some(path) = kfile.origin_of(entry) {
                let origin = Provenance::file(path);
                for r in &mut objects {
                    build_metadata::set_origin(r, &origin);
                }
            }
            set.append_all(objects)?;
        }
        Ok(())
    }

    /// Append the objects of `entries` (files, and kustomization directories built on
    /// their own), as listed under `resources:`, to `acc`.
    pub(super) fn accumulate_entries<'e>(
        &mut self,
        kfile: &KustomizationFile,
        entries: impl Iterator<Item = (&'e String, String)>,
        acc: &mut Accumulator,
    ) -> Result<()> {
        // Files are read and parsed on all cores, a run of consecutive file entries at a
        // time; their objects are appended in the listed order and the first failure in
        // that order is reported, as when reading them one by one.
        let mut files: Vec<(&String, String, Option<u64>)> = Vec::new();
        let mut window = 0u64;
        // What each entry is, asked of the system on all cores when there are many (one
        // `lstat` each: for hundreds of files, a tenth of a build done on one core).
        let entries: Vec<(&String, String)> = entries.collect();
        // Names below the kustomization's directory are looked up from it when there are a
        // few (holding it open costs two system calls).
        let dir = if entries.len() >= 2 {
            Dir::open(&kfile.dir)
        } else {
            Dir::unopened()
        };
        let kinds: Vec<EntryKind> = if entries.len() >= PARALLEL_FILES {
            crate::parallel::map(&entries, |(entry, _)| {
                EntryKind::of(&kfile.dir, &dir, entry)
            })
        } else {
            entries
                .iter()
                .map(|(entry, _)| EntryKind::of(&kfile.dir, &dir, entry))
                .collect()
        };
        for ((entry, pointer), kind) in entries.into_iter().zip(kinds) {
            // A local file or directory wins; anything else that reads as a URL is remote.
            let remote = if kind.missing {
                remote::classify(entry)
            } else {
                None
            };
            if let Some(remote) = remote {
                self.load_files(kfile, &dir, &mut files, &mut acc.set)?;
                window = 0;
                match self.open_remote(kfile, entry, &pointer, remote)? {
                    Opened::Objects(objects) => acc.set.append_all(objects)?,
                    Opened::Base(sub) => self.add_base(kfile, entry, &pointer, *sub, acc)?,
                }
                continue;
            }
            if !kind.dir {
                let size = kind.size;
                if window + size > WINDOW_BYTES && !files.is_empty() {
                    self.load_files(kfile, &dir, &mut files, &mut acc.set)?;
                    window = 0;
                }
                window += size;
                files.push((entry, pointer, kind.regular.then_some(size)));
                continue;
            }
            self.load_files(kfile, &dir, &mut files, &mut acc.set)?;
            window = 0;
            let joined = lexical_join(&kfile.display_dir, entry);
            let sub = self.load_sub(kfile, entry, &pointer, &joined)?;
            self.add_base(kfile, entry, &pointer, sub, acc)?;
        }
        self.load_files(kfile, &dir, &mut files, &mut acc.set)?;
        Ok(())
    }
}
