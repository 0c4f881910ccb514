//! Offline rendering of a scenario.

use js_sys::Float32Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::convert::{check_keys, get, js_error, js_text, to_js};
use super::expression::JsPresetLibrary;
use super::options::{audio_from_js, lipsync_source, seed_from_js, smoothing_from_js};
use super::types::{RenderScenarioOptionsValue, RenderedScenarioValue};
use crate::base::channels::{ChannelTable, CHANNEL_COUNT};
use crate::base::time::FPS;
use crate::lipsync::Latency;
use crate::pipeline::{render, RenderOptions, Scenario};
use crate::temporal::TemporalParams;

/// Renders a scenario (JSON text, see the README) into 30 fps frames through the temporal layer.
#[wasm_bindgen(js_name = renderScenario)]
pub fn render_scenario(
    library: &JsPresetLibrary,
    scenario: js_sys::JsString,
    options: Option<RenderScenarioOptionsValue>,
) -> Result<RenderedScenarioValue, JsError> {
    let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
    check_keys(
        "options",
        &options,
        &[
            "smoothing",
            "seed",
            "causal",
            "eyeMotion",
            "audio",
            "lipsync",
            "latency",
        ],
    )?;
    let scenario =
        Scenario::from_json(&js_text("renderScenario: scenario", &scenario)?).map_err(js_error)?;
    let flag = |key: &str, default: bool| -> Result<bool, JsError> {
        let v = get(&options, key);
        if v.is_undefined() {
            Ok(default)
        } else {
            v.as_bool()
                .ok_or_else(|| JsError::new(&format!("invalid options: `{key}` must be a boolean")))
        }
    };
    let seed = seed_from_js(&get(&options, "seed"))?;
    let render_options = RenderOptions {
        smoothing: smoothing_from_js(&get(&options, "smoothing"))?,
        seed,
        causal: flag("causal", false)?,
        eye_motion: flag("eyeMotion", true)?,
    };
    let audio = audio_from_js(&get(&options, "audio"), scenario.turns.len())?;
    let params = TemporalParams::builtin();
    let mut lipsync = lipsync_source(&options, None, Latency::OFFLINE)?
        .build(params)
        .map_err(js_error)?;
    let rendered = render(
        &scenario,
        &audio,
        &library.inner,
        &render_options,
        params,
        lipsync.as_mut(),
    )
    .map_err(js_error)?;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Span {
        start_frame: usize,
        end_frame: usize,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta<'a> {
        fps: u32,
        names: Vec<&'a str>,
        regime: &'static str,
        frame_count: usize,
        turns: Vec<Span>,
        smoothing: SmoothingValues,
        lipsync: &'a str,
        latency: f64,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct SmoothingValues {
        gamma: f32,
        beta: f32,
        sigma_frames: f32,
        fade_frames: u32,
    }
    let s = render_options.smoothing;
    let meta = Meta {
        fps: FPS,
        names: ChannelTable::builtin().names().collect(),
        regime: rendered.regime.as_str(),
        frame_count: rendered.frames.len(),
        turns: rendered
            .turns
            .iter()
            .map(|t| Span {
                start_frame: t.start_frame,
                end_frame: t.end_frame,
            })
            .collect(),
        smoothing: SmoothingValues {
            gamma: s.gamma,
            beta: s.beta,
            sigma_frames: s.sigma_frames,
            fade_frames: s.fade_frames,
        },
        lipsync: &rendered.lipsync,
        latency: lipsync.latency_s(),
    };
    let out = to_js(&meta)?;
    let flat: Vec<f32> = rendered
        .frames
        .iter()
        .flat_map(|f| f.iter().copied())
        .collect();
    debug_assert_eq!(flat.len(), rendered.frames.len() * CHANNEL_COUNT);
    let vad: Vec<f32> = rendered.vad.iter().flat_map(|v| v.as_array()).collect();
    for (key, array) in [
        ("blendshapes", flat),
        ("vad", vad),
        ("speech", rendered.speech),
    ] {
        js_sys::Reflect::set(
            &out,
            &JsValue::from_str(key),
            &Float32Array::from(&array[..]),
        )
        .map_err(|_| JsError::new("cannot build the result object"))?;
    }
    Ok(out.unchecked_into())
}
