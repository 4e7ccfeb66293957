//! A mapping: entries kept in a vector sorted by key, so that iteration is in key order (as
//! with a B-tree) and a mapping of a few keys costs one exact allocation.

use std::fmt;
use std::ops::{Index, IndexMut};

use crate::Value;

/// A mapping key: up to 24 bytes (nearly every key of a Kubernetes object) are kept in the
/// entry itself, longer ones on the heap, so that reading a key needs no second memory
/// access and building a mapping no allocation per key.
pub type Key = compact_str::CompactString;

/// A JSON object: string keys in byte order, each with a [`Value`].
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Map<K = Key, V = Value> {
    entries: Vec<(K, V)>,
}

/// `a == b`, with keys of up to 16 bytes (nearly every key of a Kubernetes object)
/// compared as two overlapping words in place rather than through a call to `memcmp`:
/// lookups by key are a fifth of validation's time.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().unwrap());
    let word4 = |s: &[u8], at: usize| u32::from_ne_bytes(s[at..at + 4].try_into().unwrap());
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// `a.cmp(b)` (byte order, a mapping's key order), settled by the first bytes when they
/// differ, as they do for most pairs of keys, without a call to `memcmp`.
#[inline]
pub fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

impl Map<Key, Value> {
    /// An empty mapping (allocates nothing).
    pub fn new() -> Self {
        Map {
            entries: Vec::new(),
        }
    }

    /// An empty mapping with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Map {
            entries: Vec::with_capacity(n),
        }
    }

    /// Entries given in any order; a later entry with the same key replaces an earlier
    /// one, as repeated [`Map::insert`]s would.
    pub fn from_entries(mut entries: Vec<(Key, Value)>) -> Self {
        if entries.windows(2).any(|w| w[0].0 >= w[1].0) {
            // Stable, so that among equal keys the last one given comes last.
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(Key, Value)> = Vec::with_capacity(entries.len());
            for e in entries {
                match out.last_mut() {
                    Some(last) if last.0 == e.0 => *last = e,
                    _ => out.push(e),
                }
            }
            entries = out;
        }
        Map { entries }
    }

    /// Where `key` is, or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| key_order(k, key))
    }

    /// Where `key` is: most mappings of an object hold a handful of keys, which an
    /// equality scan (lengths first) settles with fewer byte comparisons than a search.
    fn position(&self, key: &str) -> Option<usize> {
        if self.entries.len() <= 8 {
            let key = key.as_bytes();
            self.entries
                .iter()
                .position(|(k, _)| same_bytes(k.as_bytes(), key))
        } else {
            self.find(key).ok()
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries?
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Remove every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Move the entries into an allocation of exactly their number when there is spare
    /// room (a mapping built key by key can have twice the room it needs, and an
    /// allocator may keep a shrunk block at its old size).
    pub fn compact(&mut self) {
        if self.entries.capacity() > self.entries.len() {
            *self = self.take_exact();
        }
    }

    /// The entries moved into a mapping of exactly their number; this one is left empty
    /// with the room it had, to be filled again (a builder's scratch mapping).
    pub fn take_exact(&mut self) -> Map {
        let mut exact = Vec::with_capacity(self.entries.len());
        exact.append(&mut self.entries);
        Map { entries: exact }
    }

    /// Room for this many entries without growing.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    /// Is `key` present?
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Set `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Remove `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// The place of `key`, filled or not.
    pub fn entry(&mut self, key: impl Into<Key>) -> Entry<'_> {
        let key = key.into();
        match self.find(&key) {
            Ok(index) => Entry::Occupied(OccupiedEntry {
                entries: &mut self.entries,
                index,
            }),
            Err(index) => Entry::Vacant(VacantEntry {
                entries: &mut self.entries,
                index,
                key,
            }),
        }
    }

    /// Move every entry of `other` in (replacing equal keys), leaving it empty.
    pub fn append(&mut self, other: &mut Map) {
        for (k, v) in std::mem::take(&mut other.entries) {
            self.insert(k, v);
        }
    }

    /// Keep only the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// Entries in key order, values changeable.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// Keys in order.
    pub fn keys(&self) -> Keys<'_> {
        Keys(self.entries.iter())
    }

    /// Values in key order.
    pub fn values(&self) -> Values<'_> {
        Values(self.entries.iter())
    }

    /// Values in key order, changeable.
    pub fn values_mut(&mut self) -> ValuesMut<'_> {
        ValuesMut(self.entries.iter_mut())
    }

    /// Values in key order, owned.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Index<&str> for Map {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).expect("no entry found for key")
    }
}

impl IndexMut<&str> for Map {
    fn index_mut(&mut self, key: &str) -> &mut Value {
        self.get_mut(key).expect("no entry found for key")
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Map::from_entries(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<K: Into<Key>> Extend<(K, Value)> for Map {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Map {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Key, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a Key, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

macro_rules! iterator {
    ($(#[$doc:meta])* $name:ident, $inner:ty, $item:ty, |$e:ident| $map:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<'a>($inner);

        impl<'a> Iterator for $name<'a> {
            type Item = $item;
            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$e| $map)
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
        }

        impl<'a> DoubleEndedIterator for $name<'a> {
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$e| $map)
            }
        }

        impl<'a> ExactSizeIterator for $name<'a> {}
    };
}

iterator!(
    /// Entries of a [`Map`] in key order.
    Iter, std::slice::Iter<'a, (Key, Value)>, (&'a Key, &'a Value), |e| (&e.0, &e.1)
);
iterator!(
    /// Entries of a [`Map`] in key order, values changeable.
    IterMut, std::slice::IterMut<'a, (Key, Value)>, (&'a Key, &'a mut Value), |e| (&e.0, &mut e.1)
);
iterator!(
    /// Keys of a [`Map`] in order.
    Keys, std::slice::Iter<'a, (Key, Value)>, &'a Key, |e| &e.0
);
iterator!(
    /// Values of a [`Map`] in key order.
    Values, std::slice::Iter<'a, (Key, Value)>, &'a Value, |e| &e.1
);
iterator!(
    /// Values of a [`Map`] in key order, changeable.
    ValuesMut, std::slice::IterMut<'a, (Key, Value)>, &'a mut Value, |e| &mut e.1
);

impl Clone for Iter<'_> {
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

/// The place of one key in a [`Map`].
pub enum Entry<'a> {
    /// Not there yet.
    Vacant(VacantEntry<'a>),
    /// There.
    Occupied(OccupiedEntry<'a>),
}

/// A key not in the mapping, and where it would go.
pub struct VacantEntry<'a> {
    entries: &'a mut Vec<(Key, Value)>,
    index: usize,
    key: Key,
}

/// A key in the mapping.
pub struct OccupiedEntry<'a> {
    entries: &'a mut Vec<(Key, Value)>,
    index: usize,
}

impl<'a> Entry<'a> {
    /// The key.
    pub fn key(&self) -> &Key {
        match self {
            Entry::Vacant(e) => e.key(),
            Entry::Occupied(e) => e.key(),
        }
    }

    /// The value, inserting `default` first when the key is absent.
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default),
            Entry::Occupied(e) => e.into_mut(),
        }
    }

    /// The value, inserting what `default` makes first when the key is absent.
    pub fn or_insert_with(self, default: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default()),
            Entry::Occupied(e) => e.into_mut(),
        }
    }
}

impl<'a> VacantEntry<'a> {
    /// The key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// Put `value` in; returns where it went.
    pub fn insert(self, value: Value) -> &'a mut Value {
        self.entries.insert(self.index, (self.key, value));
        &mut self.entries[self.index].1
    }
}

impl<'a> OccupiedEntry<'a> {
    /// The key.
    pub fn key(&self) -> &Key {
        &self.entries[self.index].0
    }

    /// The value.
    pub fn get(&self) -> &Value {
        &self.entries[self.index].1
    }

    /// The value, to change.
    pub fn get_mut(&mut self) -> &mut Value {
        &mut self.entries[self.index].1
    }

    /// The value, to change, for as long as the map is borrowed.
    pub fn into_mut(self) -> &'a mut Value {
        &mut self.entries[self.index].1
    }

    /// Replace the value, returning the old one.
    pub fn insert(&mut self, value: Value) -> Value {
        std::mem::replace(self.get_mut(), value)
    }

    /// Take the entry out, returning its value.
    pub fn remove(self) -> Value {
        self.entries.remove(self.index).1
    }
}
