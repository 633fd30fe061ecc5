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
