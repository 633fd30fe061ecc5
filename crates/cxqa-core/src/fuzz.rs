//! Strategies for property tests of vendor-body decoders: arbitrary JSON, and a realistic body
//! mutated the ways a vendor, a proxy or a new release might (values of another type, missing
//! and extra keys, emptied containers, extreme numbers, odd text).

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// A JSON scalar, biased towards the values that break decoders.
pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![Just(0i64), Just(-1), Just(i64::MAX), Just(i64::MIN)].prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        ".{0,24}".prop_map(Value::String),
        prop_oneof![
            Just(""),
            Just("2026-11-13T10:00:00Z"),
            Just("2026-13-45T99:99:99Z"),
            Just("not-a-date"),
            Just("-1"),
            Just("1e400"),
            Just("\u{feff}"),
            Just("é\u{0}\u{202e}"),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ]
}

/// Any JSON value, a few levels deep.
pub fn arbitrary_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a body: which node (by pre-order index, wrapped), what to do, and with what.
#[derive(Debug, Clone)]
pub struct Edit {
    node: usize,
    action: u8,
    value: Value,
}

fn edit() -> impl Strategy<Value = Edit> {
    (any::<usize>(), 0u8..6, arbitrary_json()).prop_map(|(node, action, value)| Edit {
        node,
        action,
        value,
    })
}

/// `seed` with one to eight edits applied.
pub fn mutated(seed: Value) -> impl Strategy<Value = Value> {
    prop::collection::vec(edit(), 1..8).prop_map(move |edits| {
        let mut value = seed.clone();
        for edit in &edits {
            apply(&mut value, edit);
        }
        value
    })
}

fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// The node at pre-order index `index` (0 is `value` itself).
fn node_mut(value: &mut Value, mut index: usize) -> Option<&mut Value> {
    if index == 0 {
        return Some(value);
    }
    index -= 1;
    let children: Vec<&mut Value> = match value {
        Value::Array(items) => items.iter_mut().collect(),
        Value::Object(map) => map.values_mut().collect(),
        _ => return None,
    };
    for child in children {
        let size = count(child);
        if index < size {
            return node_mut(child, index);
        }
        index -= size;
    }
    None
}

fn apply(value: &mut Value, edit: &Edit) {
    let index = edit.node % count(value);
    let Some(node) = node_mut(value, index) else {
        return;
    };
    match (edit.action, node) {
        // Another value, of any type, in its place.
        (0, node) => *node = edit.value.clone(),
        (1, node) => *node = Value::Null,
        // A container loses an entry, or gets one nobody documented.
        (2, Value::Object(map)) => {
            let key = map.keys().nth(index % map.len().max(1)).cloned();
            key.map(|k| map.remove(&k));
        }
        (2, Value::Array(items)) if !items.is_empty() => {
            items.remove(index % items.len());
        }
        (3, Value::Object(map)) => {
            map.insert("unannounced".into(), edit.value.clone());
        }
        (3, Value::Array(items)) => items.push(edit.value.clone()),
        // A number as text, or text as a number.
        (4, node @ Value::Number(_)) => *node = Value::String(node.to_string()),
        (4, node @ Value::String(_)) => *node = Value::from(node.as_str().map_or(0, str::len)),
        (5, Value::Object(map)) => map.clear(),
        (5, Value::Array(items)) => items.clear(),
        (_, node) => *node = edit.value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest! {
        #[test]
        fn mutation_changes_bodies_but_never_panics(body in mutated(serde_json::json!({
            "a": [1, 2, {"b": "c"}], "d": {"e": null, "f": 2.5}
        }))) {
            prop_assert!(count(&body) >= 1);
        }
    }
}
