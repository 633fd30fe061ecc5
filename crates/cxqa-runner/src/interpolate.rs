//! `${VAR}` interpolation on string values, after parsing (so a value can never inject TOML),
//! and the redactor that keeps secrets out of every message: values of secret-named keys
//! (`client_secret`, `dsn`, …) and of secret-named variables (`${PG_PASSWORD}`). Other values —
//! base URLs, regions, paths — are shown, since they are what a user checks first.

use cxqa_core::config::ConfigError;

/// Replaces `${VAR}` in every string of `value`; `$${` stays a literal `${`. Secrets among the
/// values (see the module) are registered with `redactor`.
pub fn interpolate(
    value: &mut serde_json::Value,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
    redactor: &mut Redactor,
) -> Result<(), ConfigError> {
    match value {
        serde_json::Value::String(text) => {
            let secret_key = is_secret_key(path);
            let (expanded, from_env) = expand(text, path, env)?;
            if secret_key {
                redactor.add(&expanded);
            }
            for (variable, piece) in from_env {
                if is_secret_key(&variable) {
                    redactor.add(&piece);
                }
            }
            *text = expanded;
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                interpolate(item, &format!("{path}[{i}]"), env, redactor)?;
            }
        }
        serde_json::Value::Object(table) => {
            for (key, item) in table.iter_mut() {
                interpolate(
                    item,
                    &cxqa_core::config::join_path(path, key),
                    env,
                    redactor,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The expanded text, and each variable's name with its value.
fn expand(
    text: &str,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Vec<(String, String)>), ConfigError> {
    let mut out = String::with_capacity(text.len());
    let mut from_env = Vec::new();
    let mut rest = text;
    while let Some(idx) = rest.find('$') {
        out.push_str(&rest[..idx]);
        let after = &rest[idx..];
        if let Some(stripped) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = stripped;
        } else if let Some(stripped) = after.strip_prefix("${") {
            let end = stripped.find('}').ok_or_else(|| {
                ConfigError::new(path, "`${` is not closed")
                    .with_hint("write `${NAME}`, or `$${` for a literal `${`")
            })?;
            let name = &stripped[..end];
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(ConfigError::new(
                    path,
                    format!("`${{{name}}}` is not a valid variable name"),
                )
                .with_hint("use letters, digits and underscores, e.g. `${GENESYS_CLIENT_ID}`"));
            }
            let value = env(name).ok_or_else(|| {
                ConfigError::new(path, format!("environment variable `{name}` is not set"))
                    .with_hint(format!(
                        "export {name}=... before running, or write the value in the file"
                    ))
            })?;
            out.push_str(&value);
            from_env.push((name.to_string(), value));
            rest = &stripped[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok((out, from_env))
}

/// Key (or variable) names whose values are secrets, however they were written.
pub fn is_secret_key(path: &str) -> bool {
    let key = path.rsplit('.').next().unwrap_or(path).to_lowercase();
    [
        "secret",
        "password",
        "token",
        "access_key",
        "api_key",
        "dsn",
        "url_with_credentials",
    ]
    .iter()
    .any(|s| key.contains(s))
}

/// Removes known secret values from text before it is shown anywhere.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    values: Vec<String>,
}

impl Redactor {
    /// Values shorter than 4 characters would redact ordinary words; they are not secrets worth
    /// the noise.
    pub fn add(&mut self, value: &str) {
        if value.len() >= 4 && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_string());
            // Longest first, so a secret containing another is replaced whole.
            self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    pub fn redact(&self, text: &str) -> String {
        self.values.iter().fold(text.to_string(), |acc, secret| {
            acc.replace(secret.as_str(), "***")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "CLIENT_ID" => Some("my-client-id".into()),
            "SECRET" => Some("hunter2-hunter2".into()),
            _ => None,
        }
    }

    fn run(toml_text: &str) -> Result<(serde_json::Value, Redactor), ConfigError> {
        let table: toml::Table = toml::from_str(toml_text).unwrap();
        let mut value = crate::pipeline::to_json(toml::Value::Table(table));
        let mut redactor = Redactor::default();
        interpolate(&mut value, "", &env, &mut redactor)?;
        Ok((value, redactor))
    }

    #[test]
    fn expands_variables_in_strings_only() {
        let (value, redactor) = run(
            "[source]\nclient_id = \"${CLIENT_ID}\"\nlabel = \"x-${CLIENT_ID}-$${KEEP}\"\nn = 3",
        )
        .unwrap();
        assert_eq!(value["source"]["client_id"].as_str(), Some("my-client-id"));
        assert_eq!(
            value["source"]["label"].as_str(),
            Some("x-my-client-id-${KEEP}")
        );
        // A client id from a variable is no secret: errors may show it.
        assert_eq!(redactor.redact("id my-client-id"), "id my-client-id");
    }

    #[test]
    fn secret_keys_and_secret_named_variables_are_redacted_and_nothing_else() {
        let (_, redactor) = run(
            "[source]\nclient_id = \"${CLIENT_ID}\"\nclient_secret = \"${CLIENT_ID}-x\"\nregion = \"${SECRET}\"",
        )
        .unwrap();
        assert_eq!(
            redactor.redact("my-client-id-x hunter2-hunter2 my-client-id"),
            "*** *** my-client-id"
        );
    }

    #[test]
    fn missing_variable_names_it_and_the_key() {
        let err = run("[source]\nclient_secret = \"${UNSET_VAR}\"").unwrap_err();
        assert_eq!(err.path, "source.client_secret");
        assert!(err.message.contains("UNSET_VAR"), "{err}");
        assert!(err.to_string().contains("export UNSET_VAR="), "{err}");
    }

    #[test]
    fn literal_secrets_are_redacted_by_key_name() {
        let (_, redactor) =
            run("[source]\nclient_secret = \"literal-secret\"\nregion = \"mypurecloud.com\"")
                .unwrap();
        assert_eq!(
            redactor.redact("literal-secret in mypurecloud.com"),
            "*** in mypurecloud.com"
        );
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(run("a = \"${UNCLOSED\"").is_err());
        assert!(run("a = \"${1BAD}\"").is_err());
        let (value, _) = run("a = \"costs $5\"").unwrap();
        assert_eq!(value["a"].as_str(), Some("costs $5"));
    }
}
