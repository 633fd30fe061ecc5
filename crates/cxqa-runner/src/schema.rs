//! The JSON Schema of `[source]`, assembled from the connector registry: a `oneOf` with one
//! branch per registered vendor. The whole pipeline schema (`pipeline_schema_json` in `pipeline`)
//! embeds it; `cargo xtask schema` writes that to `config/schema.json`, which editors pick up
//! through `#:schema ./schema.json`.

use schemars::{Schema, SchemaGenerator, json_schema};

/// The schema of `[source]`: each vendor's config plus its `vendor` constant.
pub fn source_schema(generator: &mut SchemaGenerator) -> Schema {
    let branches: Vec<serde_json::Value> = cxqa_core::registry()
        .into_iter()
        .map(|registration| {
            let mut branch = (registration.config_schema)(generator).to_value();
            if let Some(object) = branch.as_object_mut() {
                let properties = object
                    .entry("properties")
                    .or_insert_with(|| serde_json::json!({}));
                if let Some(properties) = properties.as_object_mut() {
                    properties.insert(
                        "vendor".into(),
                        serde_json::json!({
                            "const": registration.vendor,
                            "description": registration.description,
                        }),
                    );
                }
                let required = object
                    .entry("required")
                    .or_insert_with(|| serde_json::json!([]));
                if let Some(required) = required.as_array_mut() {
                    required.insert(0, "vendor".into());
                }
                object.insert("title".into(), registration.vendor.into());
            }
            branch
        })
        .collect();
    json_schema!({
        "description": "The vendor to extract from (`vendor`) and that connector's settings. Switching vendors means changing only this table.",
        "oneOf": branches,
    })
}

/// The JSON Schema of the Airbyte and Singer config ([`crate::Pipeline::from_protocol_config`]):
/// `name`, `source` and `extract` as in the TOML file, without `extract.streams` and
/// `extract.incremental`; draft-07 with every `$ref` inlined, as both protocols' clients want.
pub fn protocol_config_schema() -> serde_json::Value {
    let mut generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let source = source_schema(&mut generator).to_value();
    let mut extract = generator
        .subschema_for::<crate::extract::ExtractConfig>()
        .to_value();
    let definitions = generator.take_definitions(true);
    let root = serde_json::json!({ "definitions": definitions });
    let resolve = |value: serde_json::Value| cxqa_core::json_schema::inline_refs(value, &root);
    extract = resolve(extract);
    for key in ["streams", "incremental"] {
        if let Some(properties) = extract["properties"].as_object_mut() {
            properties.remove(key);
        }
        if let Some(required) = extract["required"].as_array_mut() {
            required.retain(|r| r != key);
        }
    }
    serde_json::json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "cxqa",
        "description": "The vendor to extract from and how. Streams are chosen in the catalog; state comes from the platform.",
        "type": "object",
        "required": ["source", "extract"],
        "additionalProperties": false,
        "properties": {
            "name": {
                "type": "string",
                "description": "Names this pipeline in logs and errors.",
            },
            "source": resolve(source),
            "extract": extract,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &serde_json::Value) -> usize {
        match value {
            serde_json::Value::Object(o) => {
                usize::from(o.contains_key("$ref")) + o.values().map(refs).sum::<usize>()
            }
            serde_json::Value::Array(a) => a.iter().map(refs).sum(),
            _ => 0,
        }
    }

    #[test]
    fn the_protocol_config_schema_has_no_refs_and_no_stream_choice() {
        let schema = protocol_config_schema();
        assert_eq!(refs(&schema), 0, "{schema:#}");
        let extract = &schema["properties"]["extract"]["properties"];
        assert!(extract.get("streams").is_none() && extract.get("incremental").is_none());
        assert!(extract.get("window").is_some() && extract.get("pii").is_some());
        assert!(schema["properties"]["source"]["oneOf"].is_array());
    }
}
