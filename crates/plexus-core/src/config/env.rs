//! Environment overrides: every configuration key `a.b_c` can be set with
//! `PLEXUS_A_B_C`. Keys are found by walking the defaults, so a new config
//! field is overridable without further code.

use super::{Config, ConfigError};

const PREFIX: &str = "PLEXUS_";

/// Applies every `PLEXUS_*` variable that names a known key; unknown ones are refused
/// so a typo does not silently do nothing.
pub(super) fn apply_overrides(
    table: &mut toml::Table,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    let defaults = toml::Table::try_from(Config::default())
        .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let mut keys = Vec::new();
    collect_keys(&defaults, &mut Vec::new(), &mut keys);
    // Optional keys (None) do not appear in the serialized defaults.
    keys.push(vec!["registration_token".to_owned()]);
    keys.push(vec!["public_base_url".to_owned()]);
    for optional in ["tls_cert", "tls_key", "ca_file"] {
        keys.push(vec!["federation".to_owned(), optional.to_owned()]);
    }

    for (name, value) in vars {
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        if rest == "CONFIG" || rest == "LOG" {
            continue; // read by the binary itself
        }
        let Some(path) = keys.iter().find(|k| env_name(k) == rest) else {
            return Err(ConfigError::Invalid(format!(
                "{name} names no configuration key"
            )));
        };
        let typed = typed_like(lookup(&defaults, path), &value);
        set(table, path, typed);
    }
    Ok(())
}

fn collect_keys(table: &toml::Table, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    for (key, value) in table {
        prefix.push(key.clone());
        match value {
            toml::Value::Table(inner) => collect_keys(inner, prefix, out),
            _ => out.push(prefix.clone()),
        }
        prefix.pop();
    }
}

fn env_name(path: &[String]) -> String {
    path.join("_").to_uppercase()
}

fn lookup<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut current = table;
    for key in parents {
        current = current.get(key)?.as_table()?;
    }
    current.get(last)
}

/// Parses the variable as the default's type, keeping it a string otherwise.
/// A list key takes a comma-separated string (`""` is the empty list).
fn typed_like(default: Option<&toml::Value>, raw: &str) -> toml::Value {
    let parsed = match default {
        Some(toml::Value::Array(_)) => Some(toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| toml::Value::String(item.to_owned()))
                .collect(),
        )),
        Some(toml::Value::Integer(_)) => raw.parse().ok().map(toml::Value::Integer),
        Some(toml::Value::Float(_)) => raw.parse().ok().map(toml::Value::Float),
        Some(toml::Value::Boolean(_)) => raw.parse().ok().map(toml::Value::Boolean),
        _ => None,
    };
    parsed.unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

fn set(table: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = table;
    for key in parents {
        let entry = current
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        current = entry.as_table_mut().expect("just made a table");
    }
    current.insert(last.clone(), value);
}
