//! Conversions between service JSON and ruma's raw event types.

use ruma::serde::Raw;
use serde_json::Value;

use crate::{Error, Result};

/// Wraps already-rendered event JSON as a ruma `Raw<T>` without re-validating it.
pub fn to_raw<T>(value: &Value) -> Result<Raw<T>> {
    let raw = serde_json::value::to_raw_value(value).map_err(|e| Error::BadJson(e.to_string()))?;
    Ok(Raw::from_json(raw))
}

pub fn to_raw_vec<T>(values: &[Value]) -> Result<Vec<Raw<T>>> {
    values.iter().map(to_raw).collect()
}

/// A ruma raw body as a JSON object, or `M_BAD_JSON`.
pub fn object_from_raw<T>(raw: &Raw<T>) -> Result<Value> {
    let value: Value =
        serde_json::from_str(raw.json().get()).map_err(|e| Error::BadJson(e.to_string()))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Error::BadJson("content must be a JSON object".into()))
    }
}
