//! The value behaves as serde_json's does: same order, same text, same lookups and errors.

use crate::{from_value, Map, Value};

fn both(text: &str) -> (Value, serde_json::Value) {
    (
        serde_json::from_str(text).unwrap(),
        serde_json::from_str(text).unwrap(),
    )
}

#[test]
fn keys_iterate_in_byte_order_and_text_matches_serde_json() {
    let text = r#"{"z":1,"a":{"y":[1,2.5,"x",null,true],"b":{}},"B":"é","_":-3,"a1":[]}"#;
    let (mine, theirs) = both(text);
    assert_eq!(mine.to_string(), theirs.to_string());
    assert_eq!(format!("{mine:#}"), format!("{theirs:#}"));
    let keys: Vec<&str> = mine
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let want: Vec<&String> = theirs.as_object().unwrap().keys().collect();
    assert_eq!(keys, want);
    assert_eq!(Value::from(theirs.clone()), mine);
    assert_eq!(serde_json::Value::from(&mine), theirs);
}

#[test]
fn a_repeated_key_keeps_its_last_value() {
    let (mine, theirs) = both(r#"{"b":1,"a":2,"b":3}"#);
    assert_eq!(mine.to_string(), theirs.to_string());
    let m: Map = vec![("k".to_string(), json!(1)), ("k".to_string(), json!(2))]
        .into_iter()
        .collect();
    assert_eq!(m.len(), 1);
    assert_eq!(m["k"], 2);
}

#[test]
fn insert_remove_entry_and_retain() {
    let mut m = Map::new();
    for k in ["m", "c", "x", "a", "c"] {
        m.insert(k.to_string(), json!(k));
    }
    assert_eq!(
        m.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
        ["a", "c", "m", "x"]
    );
    assert_eq!(m.remove("c"), Some(json!("c")));
    assert_eq!(m.remove("c"), None);
    *m.entry("b").or_insert(json!(0)) = json!(7);
    match m.entry("b") {
        crate::map::Entry::Occupied(mut o) => assert_eq!(o.insert(json!(8)), 7),
        crate::map::Entry::Vacant(_) => panic!("b is there"),
    }
    m.retain(|k, _| k != "x");
    m.compact();
    assert_eq!(Value::Object(m).to_string(), r#"{"a":"a","b":8,"m":"m"}"#);
}

#[test]
fn indexing_and_pointers_follow_serde_json() {
    let mut v = json!({"a": [{"b~/c": 1}], "n": null});
    assert_eq!(v["a"][0]["b~/c"], 1);
    assert!(v["missing"]["deeper"][3].is_null());
    assert_eq!(v.pointer("/a/0/b~0~1c"), Some(&json!(1)));
    assert_eq!(v.pointer("/a/00"), None);
    assert_eq!(v.pointer(""), Some(&v.clone()));
    v["n"]["made"] = json!("x");
    assert_eq!(v["n"], json!({"made": "x"}));
    *v.pointer_mut("/a/0").unwrap() = json!(2);
    assert_eq!(v.to_string(), r#"{"a":[2],"n":{"made":"x"}}"#);
}

#[test]
fn typed_reads_give_serde_json_messages() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        n: i32,
        s: Option<String>,
        e: Option<E>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    enum E {
        Unit,
        New(u8),
    }
    for text in [
        r#"{"n":"two"}"#,
        r#"{"n":1.5}"#,
        r#"{"n":5000000000}"#,
        r#"{"n":1,"s":3}"#,
        r#"{"n":1,"s":{"a":1}}"#,
        r#"{"n":1,"e":"Unit"}"#,
        r#"{"n":1,"e":{"New":300}}"#,
        r#"{"n":1,"e":{"New":3,"Unit":null}}"#,
        r#"{"n":1,"e":"Other"}"#,
        r#"[1]"#,
        r#"[1,null,null,4]"#,
        r#""text""#,
    ] {
        let (mine, theirs) = both(text);
        let a = from_value::<T>(mine)
            .map(|t| format!("{t:?}"))
            .map_err(|e| e.to_string());
        let b = serde_json::from_value::<T>(theirs)
            .map(|t| format!("{t:?}"))
            .map_err(|e| e.to_string());
        assert_eq!(a, b, "{text}");
    }
}

#[test]
fn lookups_agree_with_a_btree_at_every_size() {
    let mut mine = Map::new();
    let mut theirs = std::collections::BTreeMap::new();
    for i in 0..40u32 {
        let k = format!("k{}", (i * 17) % 41);
        mine.insert(k.clone(), Value::from(i));
        theirs.insert(k, i);
        for probe in 0..42u32 {
            let p = format!("k{probe}");
            assert_eq!(
                mine.get(&p).and_then(Value::as_u64),
                theirs.get(&p).map(|&v| u64::from(v))
            );
            assert_eq!(mine.contains_key(&p), theirs.contains_key(&p));
        }
        assert!(mine.keys().eq(theirs.keys()));
    }
    for i in (0..41u32).step_by(3) {
        let k = format!("k{i}");
        assert_eq!(mine.remove(&k).is_some(), theirs.remove(&k).is_some());
        assert!(mine.keys().eq(theirs.keys()));
    }
}

#[test]
fn pointers_read_as_serde_json_reads_them() {
    let text = r#"{"a/b": {"c~d": [1, {"": 2}], "~1": 3}, "": {"x": 4}}"#;
    let (mut mine, mut theirs) = both(text);
    for p in [
        "",
        "/",
        "/a~1b",
        "/a~1b/c~0d",
        "/a~1b/c~0d/0",
        "/a~1b/c~0d/1/",
        "/a~1b/c~0d/01",
        "/a~1b/c~0d/+1",
        "/a~1b/c~0d/-1",
        "/a~1b/c~0d/2",
        "/a~1b/~01",
        "//x",
        "x",
        "/a/b",
        "/a~1b/c~0d/1/x",
    ] {
        let want = theirs.pointer(p).cloned();
        assert_eq!(
            mine.pointer(p).cloned(),
            want.clone().map(Value::from),
            "{p:?}"
        );
        assert_eq!(
            mine.pointer_mut(p).map(|v| v.clone()),
            theirs.pointer_mut(p).map(|v| Value::from(v.clone())),
            "{p:?}"
        );
    }
}

#[test]
fn key_comparison_agrees_with_equality() {
    // Every length up to past the word-sized paths, equal and differing in each byte.
    for n in 0..=20usize {
        let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
        assert!(crate::map::same_bytes(&a, &a.clone()), "{n}");
        for i in 0..n {
            let mut b = a.clone();
            b[i] ^= 0x20;
            assert!(!crate::map::same_bytes(&a, &b), "{n} {i}");
        }
        let mut longer = a.clone();
        longer.push(b'z');
        assert!(!crate::map::same_bytes(&a, &longer), "{n}");
    }
    let keys = [
        "", "a", "ab", "b", "B", "aa", "a0", "~", "é", "spec", "status",
    ];
    for a in keys {
        for b in keys {
            assert_eq!(crate::map::key_order(a, b), a.cmp(b), "{a} {b}");
        }
    }
}

#[test]
fn keys_kept_inline_and_on_the_heap_behave_alike() {
    // Keys of 23, 24 and 25 bytes sit on both sides of the inline limit; the mapping must
    // keep byte order, find, replace and remove them as a B-tree of `String`s does.
    let lengths = [0usize, 1, 8, 16, 23, 24, 25, 40, 300];
    let mut mine = crate::Map::new();
    let mut theirs = std::collections::BTreeMap::new();
    for (round, fill) in ["a", "b", "a"].iter().enumerate() {
        for n in lengths {
            let key = match n {
                0 => String::new(),
                _ => format!("{}{}", "k".repeat(n - 1), fill),
            };
            let value = Value::from(format!("{round}-{n}"));
            assert_eq!(
                mine.insert(key.clone(), value.clone()),
                theirs.insert(key.clone(), value),
                "{key:?}"
            );
        }
    }
    assert!(mine
        .keys()
        .map(|k| k.as_str())
        .eq(theirs.keys().map(String::as_str)));
    for (k, v) in &theirs {
        assert_eq!(mine.get(k), Some(v), "{k:?}");
        assert_eq!(&mine[k.as_str()], v);
    }
    let long = format!("{}a", "k".repeat(299));
    assert_eq!(mine.remove(&long), theirs.remove(&long));
    assert_eq!(mine.get(&long), None);
    assert_eq!(mine.len(), theirs.len());
}
