//! The preset library: authored 52-weight faces keyed by emotion and level (L1, L3, L5), with a
//! versioned JSON format, strict validation and an exact round trip.
//!
//! Format (`animasync-face/presets`, version 1):
//!
//! ```json
//! { "schema": "animasync-face/presets", "version": 1, "name": "...", "description": "...",
//!   "presets": { "joy": { "L1": { "browDownLeft": 0.0, ... all 52 channels ... }, "L3": {...} } } }
//! ```
//!
//! `name` and `description` are optional; an emotion may have any subset of L1, L3 and L5.
//! [`PresetLibrary::to_json`] writes the canonical form (taxonomy order, levels ascending,
//! channels in canonical order, shortest float that reads back to the same `f32`), so
//! `from_json(to_json(lib)) == lib` bit for bit and the canonical text is a fixed point.

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::base::channels::{check_weight, ChannelTable, Weights, CHANNEL_COUNT};
use crate::base::emotion::EmotionTaxonomy;
use crate::base::error::{FaceError, Result};
use crate::base::json::{self, Entries};

/// The levels at which presets are authored.
pub const AUTHORED_LEVELS: [u8; 3] = [1, 3, 5];

const SCHEMA: &str = "animasync-face/presets";
const VERSION: u32 = 1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetDocument {
    schema: String,
    version: u32,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    presets: Entries<Entries<Entries<f64>>>,
}

/// A validated library. Emotions are indices into [`EmotionTaxonomy::builtin`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PresetLibrary {
    pub name: Option<String>,
    pub description: Option<String>,
    presets: BTreeMap<(usize, u8), Weights>,
}

fn level_from_key(key: &str) -> Option<u8> {
    AUTHORED_LEVELS
        .into_iter()
        .find(|l| key.strip_prefix('L') == Some(l.to_string().as_str()))
}

impl PresetLibrary {
    /// The built-in library compiled into the crate from `data/presets.json`.
    pub fn builtin() -> &'static PresetLibrary {
        static LIBRARY: OnceLock<PresetLibrary> = OnceLock::new();
        LIBRARY.get_or_init(|| {
            PresetLibrary::from_json(include_str!("../../data/presets.json"))
                .expect("data/presets.json is valid (checked by the tests)")
        })
    }

    /// The canonical JSON text of the built-in library.
    pub fn builtin_json() -> &'static str {
        include_str!("../../data/presets.json")
    }

    /// Parses and validates a library. The first problem found is returned, naming its place
    /// (`presets.joy.L3.mouthSmileLeft`).
    pub fn from_json(text: &str) -> Result<Self> {
        let doc: PresetDocument = json::parse("presets", text)?;
        json::check_schema("presets", (SCHEMA, VERSION), (&doc.schema, doc.version))?;
        let taxonomy = EmotionTaxonomy::builtin();
        let channels = ChannelTable::builtin();
        if let Some(key) = doc.presets.first_duplicate() {
            return Err(FaceError::DuplicateKey {
                place: "presets".into(),
                key: key.into(),
            });
        }
        let mut presets = BTreeMap::new();
        for (emotion_id, levels) in &doc.presets.0 {
            let (emotion, _) = taxonomy.require("presets", emotion_id)?;
            let emotion_place = format!("presets.{emotion_id}");
            if let Some(key) = levels.first_duplicate() {
                return Err(FaceError::DuplicateKey {
                    place: emotion_place,
                    key: key.into(),
                });
            }
            for (level_key, weights) in &levels.0 {
                let level = level_from_key(level_key).ok_or_else(|| FaceError::UnknownLevel {
                    place: emotion_place.clone(),
                    name: level_key.clone(),
                })?;
                let place = format!("{emotion_place}.{level_key}");
                if let Some(key) = weights.first_duplicate() {
                    return Err(FaceError::DuplicateKey {
                        place,
                        key: key.into(),
                    });
                }
                let mut preset: Weights = [0.0; CHANNEL_COUNT];
                let mut seen = [false; CHANNEL_COUNT];
                for (name, value) in &weights.0 {
                    let c = channels.require(&place, name)?;
                    preset[c] = check_weight(|| format!("{place}.{name}"), *value)?;
                    seen[c] = true;
                }
                let missing: Vec<&str> = channels
                    .names()
                    .zip(seen)
                    .filter(|(_, s)| !s)
                    .map(|(n, _)| n)
                    .collect();
                if !missing.is_empty() {
                    return Err(FaceError::MissingChannels {
                        place,
                        missing: summarize(&missing),
                    });
                }
                presets.insert((emotion, level), preset);
            }
        }
        Ok(PresetLibrary {
            name: doc.name,
            description: doc.description,
            presets,
        })
    }

    /// The canonical JSON text (see the module documentation), ending with a newline.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b"  "),
        );
        CanonicalDocument(self)
            .serialize(&mut ser)
            .expect("serialising to memory cannot fail");
        let mut text = String::from_utf8(out).expect("serde_json writes UTF-8");
        text.push('\n');
        text
    }

    /// The preset of `emotion` (taxonomy index) at `level`, if authored.
    pub fn get(&self, emotion: usize, level: u8) -> Option<&Weights> {
        self.presets.get(&(emotion, level))
    }

    /// The authored levels of `emotion` (taxonomy index), ascending, with their presets.
    pub fn levels_of(&self, emotion: usize) -> impl Iterator<Item = (u8, &Weights)> {
        self.presets
            .range((emotion, 0)..=(emotion, u8::MAX))
            .map(|(&(_, level), w)| (level, w))
    }

    /// Every preset in canonical order: `(emotion index, level, weights)`.
    pub fn iter(&self) -> impl Iterator<Item = (usize, u8, &Weights)> {
        self.presets.iter().map(|(&(e, l), w)| (e, l, w))
    }

    pub fn len(&self) -> usize {
        self.presets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.presets.is_empty()
    }

    /// Sets (or adds) the preset of `emotion` at `level`; nothing changes if any weight is bad.
    pub fn set(&mut self, emotion: &str, level: u8, weights: &[f32]) -> Result<()> {
        let (e, place) = self.locate(emotion, level)?;
        if weights.len() != CHANNEL_COUNT {
            return Err(FaceError::InvalidData {
                place,
                message: format!("expected {CHANNEL_COUNT} weights, found {}", weights.len()),
            });
        }
        let names: Vec<&str> = ChannelTable::builtin().names().collect();
        let mut preset: Weights = [0.0; CHANNEL_COUNT];
        for (c, w) in weights.iter().enumerate() {
            preset[c] = check_weight(|| format!("{place}.{}", names[c]), f64::from(*w))?;
        }
        self.presets.insert((e, level), preset);
        Ok(())
    }

    /// Removes the preset of `emotion` at `level`; returns whether there was one.
    pub fn remove(&mut self, emotion: &str, level: u8) -> Result<bool> {
        let (e, _) = self.locate(emotion, level)?;
        Ok(self.presets.remove(&(e, level)).is_some())
    }

    fn locate(&self, emotion: &str, level: u8) -> Result<(usize, String)> {
        let (e, _) = EmotionTaxonomy::builtin().require("preset", emotion)?;
        if !AUTHORED_LEVELS.contains(&level) {
            return Err(FaceError::UnknownLevel {
                place: format!("presets.{emotion}"),
                name: format!("L{level}"),
            });
        }
        Ok((e, format!("presets.{emotion}.L{level}")))
    }
}

fn summarize(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    let head = names
        .iter()
        .take(SHOWN)
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        format!("{head} and {} more", names.len() - SHOWN)
    } else {
        head
    }
}

/// Serialises a library in canonical order without building an intermediate map.
struct CanonicalDocument<'a>(&'a PresetLibrary);
struct CanonicalPresets<'a>(&'a PresetLibrary);
struct CanonicalLevels<'a>(&'a PresetLibrary, usize);
struct CanonicalWeights<'a>(&'a Weights);

impl Serialize for CanonicalDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let lib = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("schema", SCHEMA)?;
        map.serialize_entry("version", &VERSION)?;
        if let Some(name) = &lib.name {
            map.serialize_entry("name", name)?;
        }
        if let Some(description) = &lib.description {
            map.serialize_entry("description", description)?;
        }
        map.serialize_entry("presets", &CanonicalPresets(lib))?;
        map.end()
    }
}

impl Serialize for CanonicalPresets<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let emotions = EmotionTaxonomy::builtin().emotions();
        let mut map = s.serialize_map(None)?;
        let mut last = None;
        for (e, _, _) in self.0.iter() {
            if last != Some(e) {
                map.serialize_entry(&emotions[e].id, &CanonicalLevels(self.0, e))?;
                last = Some(e);
            }
        }
        map.end()
    }
}

impl Serialize for CanonicalLevels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (level, weights) in self.0.levels_of(self.1) {
            map.serialize_entry(&format!("L{level}"), &CanonicalWeights(weights))?;
        }
        map.end()
    }
}

impl Serialize for CanonicalWeights<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(CHANNEL_COUNT))?;
        for (name, w) in ChannelTable::builtin().names().zip(self.0.iter()) {
            map.serialize_entry(name, w)?;
        }
        map.end()
    }
}
