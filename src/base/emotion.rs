//! The emotion taxonomy: 16 emotions (5 base, 11 sub-emotions each in one base family), 5
//! intensity levels, and a valence/arousal/dominance (VAD) anchor per emotion and level, all read
//! from `data/emotions.json`.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::base::channels::ChannelTable;
use crate::base::error::{did_you_mean, FaceError, Result};
use crate::base::json;

/// Intensity levels L1..L5.
pub const LEVEL_COUNT: usize = 5;

/// A point in valence/arousal/dominance space, each component in [-1, 1].
/// Serialised as `[v, a, d]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "[f32; 3]", into = "[f32; 3]")]
pub struct Vad {
    pub valence: f32,
    pub arousal: f32,
    pub dominance: f32,
}

impl From<[f32; 3]> for Vad {
    fn from([valence, arousal, dominance]: [f32; 3]) -> Self {
        Vad {
            valence,
            arousal,
            dominance,
        }
    }
}

impl From<Vad> for [f32; 3] {
    fn from(v: Vad) -> Self {
        [v.valence, v.arousal, v.dominance]
    }
}

impl Vad {
    /// A validated point: every component finite and in [-1, 1].
    pub fn new(valence: f32, arousal: f32, dominance: f32) -> Result<Vad> {
        let vad = Vad {
            valence,
            arousal,
            dominance,
        };
        vad.check("vad")?;
        Ok(vad)
    }

    fn check(&self, place: &str) -> Result<()> {
        for (name, x) in [
            ("valence", self.valence),
            ("arousal", self.arousal),
            ("dominance", self.dominance),
        ] {
            if !x.is_finite() || !(-1.0..=1.0).contains(&x) {
                return Err(FaceError::InvalidIntensity(format!(
                    "{place}: {name} {x} is not a number in [-1, 1]"
                )));
            }
        }
        Ok(())
    }

    pub fn as_array(&self) -> [f32; 3] {
        (*self).into()
    }

    /// Squared Euclidean distance, in f64 (the RBF works in f64).
    pub fn distance_sq(&self, other: &Vad) -> f64 {
        self.as_array()
            .iter()
            .zip(other.as_array())
            .map(|(a, b)| (f64::from(*a) - f64::from(b)).powi(2))
            .sum()
    }

    fn lerp(&self, other: &Vad, t: f32) -> Vad {
        // This form is exact at t = 0 and t = 1, so integer levels land on their anchors.
        let mix = |a: f32, b: f32| a * (1.0 - t) + b * t;
        Vad {
            valence: mix(self.valence, other.valence),
            arousal: mix(self.arousal, other.arousal),
            dominance: mix(self.dominance, other.dominance),
        }
    }
}

/// Display names by language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayNames {
    pub en: String,
    pub ko: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emotion {
    /// Lower-case label, e.g. `joy`.
    pub id: String,
    /// The base emotion this one belongs to (a base emotion is its own family).
    pub family: String,
    pub display: DisplayNames,
    /// What the face does, in FACS action units.
    pub description: String,
    /// The channels that carry this emotion; they grow from L1 to L5.
    pub signature: Vec<String>,
    /// VAD anchor of each level, L1 first.
    pub vad: [Vad; LEVEL_COUNT],
}

impl Emotion {
    pub fn is_base(&self) -> bool {
        self.family == self.id
    }

    /// The VAD anchor of an integer level 1..=5.
    pub fn anchor(&self, level: u8) -> Option<Vad> {
        (1..=LEVEL_COUNT as u8)
            .contains(&level)
            .then(|| self.vad[usize::from(level) - 1])
    }

    /// The VAD point of a continuous level in [1, 5]: piecewise-linear between the level anchors,
    /// so an integer level lands exactly on its anchor.
    pub fn vad_at_level(&self, level: f32) -> Result<Vad> {
        if !level.is_finite() || !(1.0..=LEVEL_COUNT as f32).contains(&level) {
            return Err(FaceError::InvalidIntensity(format!(
                "level {level} is not a number in [1, {LEVEL_COUNT}]"
            )));
        }
        let lower = (level.floor() as usize).min(LEVEL_COUNT - 1);
        let t = level - lower as f32;
        Ok(self.vad[lower - 1].lerp(&self.vad[lower], t))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmotionDocument {
    schema: String,
    version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    levels: Vec<String>,
    emotions: Vec<Emotion>,
}

const SCHEMA: &str = "animasync-face/emotions";
const VERSION: u32 = 1;

/// Anchors of one emotion closer than this are rejected: the RBF could not tell their levels apart.
const MIN_ANCHOR_DISTANCE: f64 = 0.05;

#[derive(Debug, Clone)]
pub struct EmotionTaxonomy {
    emotions: Vec<Emotion>,
    index: HashMap<String, usize>,
}

impl EmotionTaxonomy {
    /// The taxonomy compiled into the crate from `data/emotions.json` (validated by the tests).
    pub fn builtin() -> &'static EmotionTaxonomy {
        static TAXONOMY: OnceLock<EmotionTaxonomy> = OnceLock::new();
        TAXONOMY.get_or_init(|| {
            EmotionTaxonomy::from_json(include_str!("../../data/emotions.json"))
                .expect("data/emotions.json is valid (checked by the tests)")
        })
    }

    pub fn from_json(text: &str) -> Result<Self> {
        const DOC: &str = "emotions";
        let doc: EmotionDocument = json::parse(DOC, text)?;
        json::check_schema(DOC, (SCHEMA, VERSION), (&doc.schema, doc.version))?;
        let invalid = |place: String, message: String| FaceError::InvalidData { place, message };
        let expected_levels: Vec<String> = (1..=LEVEL_COUNT).map(|l| format!("L{l}")).collect();
        if doc.levels != expected_levels {
            return Err(invalid(
                "levels".into(),
                format!("expected {expected_levels:?}"),
            ));
        }
        let mut index = HashMap::new();
        for (i, e) in doc.emotions.iter().enumerate() {
            let place = format!("emotions[{i}]");
            if e.id.is_empty() || !e.id.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(invalid(
                    format!("{place}.id"),
                    format!("\"{}\" must be a non-empty lower-case ASCII word", e.id),
                ));
            }
            if index.insert(e.id.clone(), i).is_some() {
                return Err(FaceError::DuplicateKey {
                    place: "emotions".into(),
                    key: e.id.clone(),
                });
            }
            for (l, anchor) in e.vad.iter().enumerate() {
                anchor.check(&format!("{place}.vad[{l}]"))?;
                for (m, other) in e.vad.iter().enumerate().take(l) {
                    if anchor.distance_sq(other).sqrt() < MIN_ANCHOR_DISTANCE {
                        return Err(invalid(
                            format!("{place}.vad"),
                            format!(
                                "the anchors of L{} and L{} are closer than {MIN_ANCHOR_DISTANCE}",
                                m + 1,
                                l + 1
                            ),
                        ));
                    }
                }
            }
            for (s, name) in e.signature.iter().enumerate() {
                ChannelTable::builtin().require(&format!("{place}.signature[{s}]"), name)?;
            }
        }
        for (i, e) in doc.emotions.iter().enumerate() {
            let family_is_base = index
                .get(&e.family)
                .is_some_and(|&f| doc.emotions[f].is_base());
            if !family_is_base {
                return Err(invalid(
                    format!("emotions[{i}].family"),
                    format!(
                        "\"{}\" is not a base emotion (a base emotion is its own family)",
                        e.family
                    ),
                ));
            }
        }
        Ok(EmotionTaxonomy {
            emotions: doc.emotions,
            index,
        })
    }

    pub fn emotions(&self) -> &[Emotion] {
        &self.emotions
    }

    pub fn get(&self, id: &str) -> Option<&Emotion> {
        self.index.get(id).map(|&i| &self.emotions[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The index and entry of `id`, or an error that names `place` and suggests a spelling.
    pub fn require(&self, place: &str, id: &str) -> Result<(usize, &Emotion)> {
        self.index_of(id)
            .map(|i| (i, &self.emotions[i]))
            .ok_or_else(|| FaceError::UnknownEmotion {
                place: place.to_string(),
                name: id.to_string(),
                hint: did_you_mean(id, self.emotions.iter().map(|e| e.id.as_str())),
            })
    }

    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::json!({
            "schema": SCHEMA,
            "version": VERSION,
            "levels": (1..=LEVEL_COUNT).map(|l| format!("L{l}")).collect::<Vec<_>>(),
            "emotions": self.emotions,
        })
    }
}
