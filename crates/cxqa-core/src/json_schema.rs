//! JSON Schema of the records in the forms other tools take: every `$ref` inlined (Singer,
//! Airbyte and Arrow want no references), optional values as type lists, and documented
//! constants as one string `enum`.

use crate::Stream;
use serde_json::{Value, json};

/// The schema of `stream`'s records, self-contained and in plain types.
pub fn self_contained(stream: Stream) -> Value {
    let schema = crate::model::record_schema(stream).to_value();
    plain_types(inline_refs(schema.clone(), &schema))
}

/// `value` with every local `$ref` (`#/definitions/…`, `#/$defs/…`) replaced by what it names
/// in `root`, recursively. Schemas here are trees: a type never contains itself.
pub fn inline_refs(value: Value, root: &Value) -> Value {
    match value {
        Value::Object(mut object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                let target = reference
                    .strip_prefix('#')
                    .and_then(|pointer| root.pointer(pointer))
                    .cloned();
                if let Some(Value::Object(target)) = target {
                    object.remove("$ref");
                    for (key, item) in target {
                        object.entry(key).or_insert(item);
                    }
                    return inline_refs(Value::Object(object), root);
                }
            }
            object.remove("$defs");
            object.remove("definitions");
            Value::Object(
                object
                    .into_iter()
                    .map(|(key, item)| (key, inline_refs(item, root)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| inline_refs(item, root))
                .collect(),
        ),
        other => other,
    }
}

/// `schema` in the forms destinations map to column types: an optional value is a `type` list
/// with `"null"` (not `anyOf` with a null branch), and a choice among documented constants is
/// one string `enum` (not `oneOf`).
pub fn plain_types(schema: Value) -> Value {
    let mut object = match schema {
        Value::Object(object) => object,
        Value::Array(items) => return Value::Array(items.into_iter().map(plain_types).collect()),
        other => return other,
    };
    for value in object.values_mut() {
        *value = plain_types(value.take());
    }
    let is_null = |v: &Value| v.get("type") == Some(&json!("null"));
    if let Some(Value::Array(branches)) = object.get("anyOf") {
        if let [a, b] = branches.as_slice() {
            let other = match (is_null(a), is_null(b)) {
                (true, false) => Some(b.clone()),
                (false, true) => Some(a.clone()),
                _ => None,
            };
            if let Some(Value::Object(other)) = other {
                object.remove("anyOf");
                for (key, value) in other {
                    object.entry(key).or_insert(value);
                }
                let types = match object.remove("type") {
                    Some(Value::Array(types)) => types,
                    Some(one) => vec![one],
                    None => Vec::new(),
                };
                if !types.is_empty() {
                    let mut types = types;
                    types.push(json!("null"));
                    object.insert("type".into(), Value::Array(types));
                }
                if let Some(Value::Array(values)) = object.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
        }
    }
    if let Some(Value::Array(branches)) = object.get("oneOf") {
        let constants: Option<Vec<Value>> = branches
            .iter()
            .map(|b| match (b.get("const"), b.get("enum")) {
                (Some(c), _) => Some(vec![c.clone()]),
                (None, Some(Value::Array(values))) => Some(values.clone()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|lists| lists.into_iter().flatten().collect());
        if let Some(values) = constants.filter(|v| v.iter().all(Value::is_string)) {
            object.remove("oneOf");
            object.insert("type".into(), json!("string"));
            object.insert("enum".into(), Value::Array(values));
        }
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &Value) -> usize {
        match value {
            Value::Object(o) => {
                usize::from(o.contains_key("$ref")) + o.values().map(refs).sum::<usize>()
            }
            Value::Array(a) => a.iter().map(refs).sum(),
            _ => 0,
        }
    }

    #[test]
    fn inlining_follows_nested_references() {
        let root = json!({"$defs": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"type": "string", "description": "bee"},
        }});
        let value = inline_refs(json!({"$ref": "#/$defs/A"}), &root);
        assert_eq!(value["properties"]["b"]["description"], "bee");
        assert_eq!(refs(&value), 0);
    }

    #[test]
    fn every_record_schema_is_self_contained_with_plain_optional_values() {
        for stream in Stream::ALL {
            let text = self_contained(stream).to_string();
            assert_eq!(refs(&self_contained(stream)), 0, "{stream}");
            assert!(
                !text.contains("anyOf") && !text.contains("$defs"),
                "{stream}: {text}"
            );
        }
    }
}
