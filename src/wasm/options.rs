//! The option objects of the JS API, read and checked: every key known (a typo is an error,
//! not a silent default), every value of its type, with the messages the README documents.

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::convert::{check_keys, describe, get, invalid, js_error, whole_hz};
use crate::audio::Pcm;
use crate::base::emotion::Vad;
use crate::base::error::FaceError;
use crate::expression::Intensity;
use crate::lipsync::{Latency, LipSyncSource};
use crate::temporal::{SmoothingChoice, SmoothingParams, SmoothingSet, TemporalParams};

/// The eye-motion seed: absent is 0, otherwise a non-negative integer JS can represent exactly.
pub(crate) fn seed_from_js(value: &JsValue) -> Result<u64, JsError> {
    if value.is_undefined() {
        return Ok(0);
    }
    match value.as_f64() {
        Some(s) if s.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&s) => Ok(s as u64),
        _ => Err(JsError::new(
            "invalid options: `seed` must be a non-negative integer",
        )),
    }
}

pub(crate) fn smoothing_from_js(value: &JsValue) -> Result<SmoothingParams, JsError> {
    let choice = if value.is_undefined() || value.is_null() {
        SmoothingChoice::default()
    } else if let Some(name) = value.as_string() {
        SmoothingChoice {
            set: name.parse().map_err(js_error)?,
            ..SmoothingChoice::default()
        }
    } else if !value.is_object() {
        return Err(invalid(
            "smoothing",
            "must be \"current\", \"middle\", \"none\" or {set?, gamma?, beta?, sigmaFrames?, fadeFrames?}",
        ));
    } else {
        // Values over a set (the one rule, `SmoothingChoice`, as the CLI's --smoothing with
        // --gamma etc.): each value given replaces the set's own, `set` defaults to "current".
        check_keys(
            "smoothing",
            value,
            &["set", "gamma", "beta", "sigmaFrames", "fadeFrames"],
        )?;
        let number = |key: &str| -> Result<Option<f64>, JsError> {
            let v = get(value, key);
            if v.is_undefined() {
                return Ok(None);
            }
            v.as_f64()
                .map(Some)
                .ok_or_else(|| invalid("smoothing", &format!("`{key}` must be a number")))
        };
        let set = match get(value, "set") {
            v if v.is_undefined() => SmoothingSet::default(),
            v => v
                .as_string()
                .ok_or_else(|| {
                    invalid(
                        "smoothing",
                        "`set` must be a string (\"current\", \"middle\" or \"none\")",
                    )
                })?
                .parse()
                .map_err(js_error)?,
        };
        let fade = number("fadeFrames")?;
        if let Some(f) = fade {
            if f.fract() != 0.0 || !(0.0..=600.0).contains(&f) {
                return Err(invalid(
                    "smoothing",
                    "`fadeFrames` must be an integer in [0, 600]",
                ));
            }
        }
        SmoothingChoice {
            set,
            gamma: number("gamma")?.map(|v| v as f32),
            beta: number("beta")?.map(|v| v as f32),
            sigma_frames: number("sigmaFrames")?.map(|v| v as f32),
            fade_frames: fade.map(|f| f as u32),
        }
    };
    choice.resolve(TemporalParams::builtin()).map_err(js_error)
}

pub(crate) fn audio_from_js(value: &JsValue, turns: usize) -> Result<Vec<Option<Pcm>>, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(vec![None; turns]);
    }
    let array: &js_sys::Array = value.dyn_ref().ok_or_else(|| {
        JsError::new("invalid options: `audio` must be an array (one entry per turn)")
    })?;
    if array.length() as usize != turns {
        return Err(JsError::new(&format!(
            "invalid options: `audio` has {} entries for {turns} turns",
            array.length()
        )));
    }
    array
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            if entry.is_undefined() || entry.is_null() {
                return Ok(None);
            }
            check_keys(&format!("audio[{i}]"), &entry, &["samples", "sampleRate"])?;
            let samples: Float32Array = get(&entry, "samples").dyn_into().map_err(|_| {
                JsError::new(&format!(
                    "invalid audio[{i}]: `samples` must be a Float32Array"
                ))
            })?;
            let rate = get(&entry, "sampleRate").as_f64().unwrap_or(f64::NAN);
            let Some(rate) = whole_hz(rate) else {
                return Err(invalid(
                    &format!("audio[{i}]"),
                    &format!("`sampleRate` {rate} is not a whole number of Hz"),
                ));
            };
            Pcm::new(samples.to_vec(), rate)
                .map(Some)
                .map_err(|e| JsError::new(&format!("audio[{i}]: {e}")))
        })
        .collect()
}

/// The `lipsync` option: false for "default" (a built-in model; also when absent), true for
/// "fallback".
pub(crate) fn fallback_from_js(value: &JsValue) -> Result<bool, JsError> {
    match value.as_string().as_deref() {
        _ if value.is_undefined() => Ok(false),
        Some("default") => Ok(false),
        Some("fallback") => Ok(true),
        _ => Err(JsError::new(
            "invalid options: `lipsync` must be \"default\" (a built-in model) or \"fallback\" (signal processing, no model)",
        )),
    }
}

/// The `latency` option: absent, "live" or "playback".
pub(crate) fn latency_from_js(value: &JsValue) -> Result<Option<Latency>, JsError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let text = value.as_string().ok_or_else(|| {
        JsError::new("invalid options: `latency` must be \"live\" or \"playback\"")
    })?;
    text.parse()
        .map(Some)
        .map_err(|e: FaceError| JsError::new(&format!("invalid options: {e}")))
}

/// What drives the lips, from the `lipsync` and `latency` options and a model of the caller's
/// own (through the core's one rule, [`LipSyncSource::choose`]).
pub(crate) fn lipsync_source<'a>(
    options: &JsValue,
    model: Option<(&'a [u8], &'a str)>,
    default: Latency,
) -> Result<LipSyncSource<'a>, JsError> {
    let fallback = fallback_from_js(&get(options, "lipsync"))?;
    let latency = latency_from_js(&get(options, "latency"))?;
    LipSyncSource::choose(model, fallback, latency, default)
        .map_err(|e| JsError::new(&format!("invalid options: {e}")))
}

/// A VAD point: an array (or typed array) of exactly three numbers (serde-wasm-bindgen would
/// read the first three of a longer one and ignore the rest).
pub(crate) fn vad_from_js(what: &str, value: &JsValue) -> Result<[f32; 3], JsError> {
    let expected = |got: String| {
        JsError::new(&format!(
            "invalid {what}: `vad` must be [valence, arousal, dominance], three numbers; got {got}"
        ))
    };
    let values: Vec<JsValue> = if let Some(array) = value.dyn_ref::<js_sys::Array>() {
        array.iter().collect()
    } else if js_sys::ArrayBuffer::is_view(value) && !value.is_instance_of::<js_sys::DataView>() {
        js_sys::Array::from(value).iter().collect()
    } else {
        return Err(expected(describe(value)));
    };
    if values.len() != 3 {
        return Err(expected(format!("{} values", values.len())));
    }
    let mut out = [0.0; 3];
    for (slot, v) in out.iter_mut().zip(&values) {
        *slot = v
            .as_f64()
            .ok_or_else(|| expected(format!("{} among them", describe(v))))? as f32;
    }
    Ok(out)
}

pub(crate) fn intensity_from_js(
    what: &str,
    request: &JsValue,
) -> Result<(String, Intensity), JsError> {
    check_keys(what, request, &["emotion", "level", "vad"])?;
    let emotion = get(request, "emotion")
        .as_string()
        .ok_or_else(|| JsError::new(&format!("invalid {what}: `emotion` must be a string")))?;
    let (level, vad) = (get(request, "level"), get(request, "vad"));
    let intensity = match (level.is_undefined(), vad.is_undefined()) {
        (false, true) => Intensity::Level(
            level
                .as_f64()
                .ok_or_else(|| JsError::new(&format!("invalid {what}: `level` must be a number")))?
                as f32,
        ),
        (true, false) => Intensity::Vad(Vad::from(vad_from_js(what, &vad)?)),
        _ => {
            return Err(JsError::new(&format!(
                "invalid {what}: give exactly one of `level` or `vad`"
            )))
        }
    };
    Ok((emotion, intensity))
}
