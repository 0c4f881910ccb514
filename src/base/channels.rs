//! The 52 ARKit blendshape channels: canonical order, display groups, run-time classes and
//! left/right mirrors, all read from `data/channels.json`.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::base::error::{FaceError, Result};
use crate::base::json;

/// Number of ARKit blendshapes; every frame and preset has exactly this many weights.
pub const CHANNEL_COUNT: usize = 52;

/// One frame or preset: a weight in [0, 1] per channel, in canonical order.
pub type Weights = [f32; CHANNEL_COUNT];

/// Who drives a channel at run time (the temporal layer's merge rule reads this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelClass {
    /// Driven by the audio model alone (jaw, mouth opening and rounding, tongue).
    Lipsync,
    /// Driven by the expression engine and eye motion alone (brows, eyes, cheek squint, nose).
    Expression,
    /// Touched by both; a merge rule decides.
    Shared,
}

/// Face region, for display (the viewer groups its sliders by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelGroup {
    Brow,
    Eye,
    Cheek,
    Nose,
    Jaw,
    Mouth,
    Tongue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub name: String,
    pub group: ChannelGroup,
    pub class: ChannelClass,
    /// The left/right counterpart (`mouthSmileLeft` <-> `mouthSmileRight`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelDocument {
    schema: String,
    version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    groups: Vec<ChannelGroup>,
    channels: Vec<Channel>,
}

const SCHEMA: &str = "animasync-face/channels";
const VERSION: u32 = 1;

/// The validated channel table.
#[derive(Debug, Clone)]
pub struct ChannelTable {
    groups: Vec<ChannelGroup>,
    channels: Vec<Channel>,
    index: HashMap<String, usize>,
    mirrors: Vec<Option<usize>>,
}

impl ChannelTable {
    /// The table compiled into the crate from `data/channels.json` (validated by the tests).
    pub fn builtin() -> &'static ChannelTable {
        static TABLE: OnceLock<ChannelTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            ChannelTable::from_json(include_str!("../../data/channels.json"))
                .expect("data/channels.json is valid (checked by the tests)")
        })
    }

    pub fn from_json(text: &str) -> Result<Self> {
        const DOC: &str = "channels";
        let doc: ChannelDocument = json::parse(DOC, text)?;
        json::check_schema(DOC, (SCHEMA, VERSION), (&doc.schema, doc.version))?;
        let invalid = |place: String, message: String| FaceError::InvalidData { place, message };
        if doc.channels.len() != CHANNEL_COUNT {
            return Err(invalid(
                "channels".into(),
                format!(
                    "expected {CHANNEL_COUNT} channels, found {}",
                    doc.channels.len()
                ),
            ));
        }
        let mut index = HashMap::new();
        for (i, c) in doc.channels.iter().enumerate() {
            if index.insert(c.name.clone(), i).is_some() {
                return Err(FaceError::DuplicateKey {
                    place: format!("channels[{i}]"),
                    key: c.name.clone(),
                });
            }
            if i > 0 && doc.channels[i - 1].name >= c.name {
                return Err(invalid(
                    format!("channels[{i}]"),
                    format!("\"{}\" breaks the canonical alphabetical order", c.name),
                ));
            }
            if !doc.groups.contains(&c.group) {
                return Err(invalid(
                    format!("channels[{i}].group"),
                    format!("group {:?} is not listed in \"groups\"", c.group),
                ));
            }
        }
        let mut mirrors = Vec::with_capacity(CHANNEL_COUNT);
        for (i, c) in doc.channels.iter().enumerate() {
            let mirror = match &c.mirror {
                None => None,
                Some(m) => {
                    let j = *index.get(m).ok_or_else(|| FaceError::UnknownChannel {
                        place: format!("channels[{i}].mirror"),
                        name: m.clone(),
                        hint: crate::base::error::did_you_mean(m, index.keys().map(String::as_str)),
                    })?;
                    if doc.channels[j].mirror.as_deref() != Some(c.name.as_str()) || j == i {
                        return Err(invalid(
                            format!("channels[{i}].mirror"),
                            format!("\"{m}\" does not mirror \"{}\" back", c.name),
                        ));
                    }
                    Some(j)
                }
            };
            mirrors.push(mirror);
        }
        Ok(ChannelTable {
            groups: doc.groups,
            channels: doc.channels,
            index,
            mirrors,
        })
    }

    pub fn len(&self) -> usize {
        self.channels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Display groups in display order.
    pub fn groups(&self) -> &[ChannelGroup] {
        &self.groups
    }

    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.channels.iter().map(|c| c.name.as_str())
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Like [`index_of`](Self::index_of), with an error that names `place` and suggests a spelling.
    pub fn require(&self, place: &str, name: &str) -> Result<usize> {
        self.index_of(name)
            .ok_or_else(|| FaceError::UnknownChannel {
                place: place.to_string(),
                name: name.to_string(),
                hint: crate::base::error::did_you_mean(name, self.names()),
            })
    }

    pub fn class(&self, index: usize) -> ChannelClass {
        self.channels[index].class
    }

    pub fn mirror_of(&self, index: usize) -> Option<usize> {
        self.mirrors[index]
    }

    /// The JSON the table was read from, re-serialised (for the JS API and the viewer).
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::json!({
            "schema": SCHEMA,
            "version": VERSION,
            "groups": self.groups,
            "channels": self.channels,
        })
    }
}

/// Checks one weight (finite, in [0, 1]); `place` names it in the error.
pub fn check_weight(place: impl FnOnce() -> String, value: f64) -> Result<f32> {
    if !value.is_finite() {
        return Err(FaceError::NotFinite { place: place() });
    }
    if !(0.0..=1.0).contains(&value) {
        return Err(FaceError::OutOfRange {
            place: place(),
            value,
        });
    }
    Ok(value as f32)
}
