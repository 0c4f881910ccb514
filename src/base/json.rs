//! Strict JSON helpers shared by every data document (channels, emotions, presets, compiler
//! parameters): errors carry the JSON path, objects keep their order and duplicate keys are seen.

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;

use crate::base::error::{FaceError, Result};

/// Parses `text` as `T`; on failure the message names the JSON path and line/column.
pub(crate) fn parse<T: DeserializeOwned>(document: &str, text: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if path == "." || path.is_empty() {
            inner.to_string()
        } else {
            format!("at {path}: {inner}")
        };
        FaceError::Json {
            document: document.to_string(),
            message,
        }
    })?;
    de.end().map_err(|e| FaceError::Json {
        document: document.to_string(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// Checks a document's `schema` and `version` fields against what this build reads.
pub(crate) fn check_schema(
    document: &str,
    expected: (&str, u32),
    found: (&str, u32),
) -> Result<()> {
    if expected == found {
        return Ok(());
    }
    Err(FaceError::Schema {
        document: document.to_string(),
        expected: expected.0.to_string(),
        expected_version: expected.1,
        found: found.0.to_string(),
        found_version: found.1,
    })
}

/// A JSON object read as its entries in document order, duplicates included, so that validation
/// can reject a duplicate key by name instead of silently keeping the last value.
#[derive(Debug, Clone)]
pub(crate) struct Entries<V>(pub Vec<(String, V)>);

impl<V> Entries<V> {
    /// The first key that appears twice, if any.
    pub fn first_duplicate(&self) -> Option<&str> {
        let mut seen = std::collections::HashSet::new();
        self.0
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| !seen.insert(*k))
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}
