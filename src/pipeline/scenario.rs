//! Scenarios: a list of turns (emotion, intensity, optional text and audio, duration, gap) and a
//! regime (a monologue is smoothed into one arc; a dialogue may snap between turns).
//!
//! Format (`data`-style JSON, version 1; unknown fields are ignored so scenarios can carry notes):
//!
//! ```json
//! { "id": "arc", "version": 1, "regime": "monologue",
//!   "turns": [ { "emotion": "surprise", "level": 4, "text": "Oh!", "audio": "arc-1.wav", "gap": 0.3 },
//!              { "emotion": "sadness", "vad": [-0.6, -0.3, -0.4], "duration": 2.5 } ] }
//! ```
//!
//! Each turn gives exactly one of `level` (in [1, 5]) or `vad` (each in [-1, 1]); `audio` is a
//! WAV path relative to the scenario file; `duration` (seconds) is required without audio and,
//! with audio, lengthens the turn if longer than the audio; `gap` (seconds, default 0) is silence
//! after the turn, which keeps the turn's emotion.

use serde::{Deserialize, Serialize};

use crate::base::emotion::{EmotionTaxonomy, Vad};
use crate::base::error::{FaceError, Result};
use crate::base::json;
use crate::expression::Intensity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Regime {
    /// One speaker, one continuous arc: damped, smoothed and crossfaded.
    Monologue,
    /// One speaker's turns reacting to an unseen partner: turns may snap.
    Dialogue,
}

impl Regime {
    pub fn as_str(&self) -> &'static str {
        match self {
            Regime::Monologue => "monologue",
            Regime::Dialogue => "dialogue",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub emotion: String,
    pub intensity: Intensity,
    pub text: Option<String>,
    /// WAV path relative to the scenario file.
    pub audio: Option<String>,
    pub duration_s: Option<f64>,
    pub gap_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub regime: Regime,
    pub turns: Vec<Turn>,
}

#[derive(Deserialize)]
struct RawScenario {
    id: Option<String>,
    version: Option<u32>,
    regime: Option<Regime>,
    turns: Option<Vec<RawTurn>>,
}

#[derive(Deserialize)]
struct RawTurn {
    emotion: Option<String>,
    level: Option<f64>,
    vad: Option<Vec<f64>>,
    text: Option<String>,
    audio: Option<String>,
    duration: Option<f64>,
    gap: Option<f64>,
}

const VERSION: u32 = 1;
/// Longest turn or gap accepted, in seconds (an hour: anything longer is a typo).
const MAX_SECONDS: f64 = 3600.0;

impl Scenario {
    /// Parses and validates a scenario; errors name the turn and field.
    pub fn from_json(text: &str) -> Result<Scenario> {
        let raw: RawScenario = json::parse("scenario", text)?;
        let invalid = |place: String, message: String| FaceError::InvalidData {
            place: format!("scenario{place}"),
            message,
        };
        if let Some(v) = raw.version.filter(|v| *v != VERSION) {
            return Err(invalid(
                ".version".into(),
                format!("version {v} is not supported (expected {VERSION})"),
            ));
        }
        let id = raw
            .id
            .ok_or_else(|| invalid(String::new(), "missing \"id\"".into()))?;
        let regime = raw.regime.ok_or_else(|| {
            invalid(
                String::new(),
                "missing \"regime\" (\"monologue\" or \"dialogue\")".into(),
            )
        })?;
        let raw_turns = raw
            .turns
            .ok_or_else(|| invalid(String::new(), "missing \"turns\"".into()))?;
        if raw_turns.is_empty() {
            return Err(invalid(
                ".turns".into(),
                "a scenario needs at least one turn".into(),
            ));
        }
        let taxonomy = EmotionTaxonomy::builtin();
        let seconds = |place: &str, value: f64| -> Result<f64> {
            if !value.is_finite() || !(0.0..=MAX_SECONDS).contains(&value) {
                return Err(invalid(
                    place.to_string(),
                    format!("{value} is not a number of seconds in [0, {MAX_SECONDS}]"),
                ));
            }
            Ok(value)
        };
        let mut turns = Vec::with_capacity(raw_turns.len());
        for (i, t) in raw_turns.into_iter().enumerate() {
            let place = format!(".turns[{i}]");
            let emotion = t
                .emotion
                .ok_or_else(|| invalid(place.clone(), "missing \"emotion\"".into()))?;
            let (_, entry) = taxonomy.require(&format!("scenario{place}.emotion"), &emotion)?;
            let intensity = match (t.level, t.vad) {
                (Some(level), None) => Intensity::Level(level as f32),
                (None, Some(v)) if v.len() == 3 => {
                    Intensity::Vad(Vad::from([v[0] as f32, v[1] as f32, v[2] as f32]))
                }
                (None, Some(v)) => {
                    return Err(invalid(
                        format!("{place}.vad"),
                        format!("needs 3 numbers [v, a, d], found {}", v.len()),
                    ))
                }
                _ => {
                    return Err(invalid(
                        place,
                        "give exactly one of \"level\" or \"vad\"".into(),
                    ))
                }
            };
            intensity
                .resolve(entry)
                .map_err(|e| invalid(place.clone(), e.to_string()))?;
            let duration_s = t
                .duration
                .map(|d| seconds(&format!("{place}.duration"), d))
                .transpose()?;
            if duration_s == Some(0.0) {
                return Err(invalid(
                    format!("{place}.duration"),
                    "must be more than 0 seconds".into(),
                ));
            }
            if duration_s.is_none() && t.audio.is_none() {
                return Err(invalid(
                    place,
                    "missing \"duration\" (required when a turn has no audio)".into(),
                ));
            }
            let gap_s = seconds(&format!("{place}.gap"), t.gap.unwrap_or(0.0))?;
            turns.push(Turn {
                emotion,
                intensity,
                text: t.text,
                audio: t.audio,
                duration_s,
                gap_s,
            });
        }
        Ok(Scenario { id, regime, turns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Scenario::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn a_valid_scenario_parses_and_ignores_unknown_fields() {
        let s = Scenario::from_json(
            r#"{"id": "x", "regime": "monologue", "note": "ignored", "turns": [
                {"emotion": "joy", "level": 2.5, "duration": 1.5, "gap": 0.25, "colour": "red"},
                {"emotion": "fear", "vad": [-0.5, 0.6, -0.4], "audio": "a.wav", "text": "no"}]}"#,
        )
        .unwrap();
        assert_eq!(s.regime, Regime::Monologue);
        assert_eq!(s.turns[0].intensity, Intensity::Level(2.5));
        assert_eq!(s.turns[0].gap_s, 0.25);
        assert_eq!(s.turns[1].audio.as_deref(), Some("a.wav"));
        assert_eq!(s.turns[1].duration_s, None);
    }

    #[test]
    fn bad_scenarios_name_the_turn_and_the_problem() {
        let turn = |t: &str| {
            format!(
                r#"{{"id": "x", "regime": "dialogue", "turns": [{{"emotion": "joy", "level": 3, "duration": 1}}, {t}]}}"#
            )
        };
        assert_eq!(
            err(&turn(r#"{"level": 3, "duration": 1}"#)),
            "scenario.turns[1]: missing \"emotion\""
        );
        assert_eq!(
            err(&turn(r#"{"emotion": "joyy", "level": 3, "duration": 1}"#)),
            "scenario.turns[1].emotion: unknown emotion \"joyy\" (did you mean \"joy\"?)"
        );
        assert_eq!(
            err(&turn(r#"{"emotion": "joy", "level": 3}"#)),
            "scenario.turns[1]: missing \"duration\" (required when a turn has no audio)"
        );
        assert_eq!(
            err(&turn(r#"{"emotion": "joy", "level": 3, "duration": -1}"#)),
            "scenario.turns[1].duration: -1 is not a number of seconds in [0, 3600]"
        );
        assert_eq!(
            err(&turn(r#"{"emotion": "joy", "level": 3, "duration": 0}"#)),
            "scenario.turns[1].duration: must be more than 0 seconds"
        );
        assert_eq!(
            err(&turn(r#"{"emotion": "joy", "duration": 1}"#)),
            "scenario.turns[1]: give exactly one of \"level\" or \"vad\""
        );
        assert_eq!(
            err(&turn(r#"{"emotion": "joy", "level": 9, "duration": 1}"#)),
            "scenario.turns[1]: invalid intensity: level 9 is not a number in [1, 5]"
        );
        assert_eq!(
            err(&turn(r#"{"emotion": "joy", "vad": [0, 0], "duration": 1}"#)),
            "scenario.turns[1].vad: needs 3 numbers [v, a, d], found 2"
        );
        assert_eq!(
            err(&turn(
                r#"{"emotion": "joy", "level": 3, "duration": 1, "gap": -0.5}"#
            )),
            "scenario.turns[1].gap: -0.5 is not a number of seconds in [0, 3600]"
        );
        assert!(
            err(&turn(r#"{"emotion": "joy", "level": NaN, "duration": 1}"#)).contains("line 1")
        );
        assert_eq!(
            err(r#"{"regime": "monologue", "turns": []}"#),
            "scenario: missing \"id\""
        );
        assert_eq!(
            err(r#"{"id": "x", "turns": []}"#),
            "scenario: missing \"regime\" (\"monologue\" or \"dialogue\")"
        );
        assert_eq!(
            err(r#"{"id": "x", "regime": "monologue", "turns": []}"#),
            "scenario.turns: a scenario needs at least one turn"
        );
        assert!(err(r#"{"id": "x", "regime": "chorus", "turns": []}"#)
            .contains("unknown variant `chorus`"));
        assert_eq!(
            err(r#"{"id": "x", "version": 2, "regime": "monologue", "turns": []}"#),
            "scenario.version: version 2 is not supported (expected 1)"
        );
    }
}
