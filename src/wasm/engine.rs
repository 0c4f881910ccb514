//! The streaming engine.

use js_sys::Float32Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::convert::{
    check_keys, describe, get, invalid, js_error, samples_from_js, to_js, whole_hz,
};
use super::options::{
    intensity_from_js, latency_from_js, lipsync_source, seed_from_js, smoothing_from_js,
};
use super::types::{
    ClipOptionsValue, ClipResultValue, EmotionRequestValue, EngineOptionsValue, SamplesValue,
};
use crate::base::channels::{ChannelTable, CHANNEL_COUNT};
use crate::base::time::FPS;
use crate::expression::PresetLibrary;
use crate::lipsync::net::is_safetensors;
use crate::lipsync::Latency;
use crate::pipeline::{Engine, EngineOptions};

/// Whether `model` (a lip-sync model's bytes) is ONNX, which runs in the package's ONNX module
/// (`await loadOnnx()` before making an Engine with it), rather than the built-in network's
/// weights, which this module runs itself.
#[wasm_bindgen(js_name = modelNeedsOnnx)]
pub fn model_needs_onnx(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] model: JsValue,
) -> Result<bool, JsError> {
    let bytes = model.dyn_ref::<js_sys::Uint8Array>().ok_or_else(|| {
        JsError::new(&format!(
            "modelNeedsOnnx: model must be a Uint8Array, got {}",
            describe(&model)
        ))
    })?;
    Ok(!is_safetensors(&bytes.to_vec()))
}

/// The streaming engine: push audio chunks of any size, take 30 fps frames of the 52 weights.
/// Owns wasm memory: `free()` it. Run it in a Web Worker, never on the audio thread.
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    inner: Engine,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<EngineOptionsValue>) -> Result<JsEngine, JsError> {
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        check_keys(
            "options",
            &options,
            &[
                "sampleRate",
                "model",
                "manifest",
                "lipsync",
                "latency",
                "presets",
                "smoothing",
                "seed",
                "eyeMotion",
            ],
        )?;
        let rate = get(&options, "sampleRate");
        let sample_rate = if rate.is_undefined() {
            16_000
        } else {
            rate.as_f64()
                .and_then(whole_hz)
                .ok_or_else(|| invalid("options", "`sampleRate` must be a whole number of Hz"))?
        };
        let seed = seed_from_js(&get(&options, "seed"))?;
        let eye_motion = match get(&options, "eyeMotion") {
            v if v.is_undefined() => true,
            v => v
                .as_bool()
                .ok_or_else(|| JsError::new("invalid options: `eyeMotion` must be a boolean"))?,
        };
        let library = match get(&options, "presets") {
            v if v.is_undefined() => PresetLibrary::builtin().clone(),
            v => PresetLibrary::from_json(
                &v.as_string()
                    .ok_or_else(|| JsError::new("invalid options: `presets` must be JSON text"))?,
            )
            .map_err(js_error)?,
        };
        let (model, manifest) = (get(&options, "model"), get(&options, "manifest"));
        let bytes = if model.is_undefined() {
            None
        } else {
            Some(
                model
                    .dyn_into::<js_sys::Uint8Array>()
                    .map_err(|_| JsError::new("invalid options: `model` must be a Uint8Array"))?
                    .to_vec(),
            )
        };
        let manifest = manifest.as_string();
        let model = match (&bytes, &manifest) {
            (Some(b), Some(m)) => Some((b.as_slice(), m.as_str())),
            (None, None) => None,
            _ => {
                return Err(JsError::new(
                    "invalid options: `model` and `manifest` go together",
                ))
            }
        };
        let source = lipsync_source(&options, model, Latency::STREAMING)?;
        let options = EngineOptions {
            sample_rate,
            smoothing: smoothing_from_js(&get(&options, "smoothing"))?,
            seed,
            eye_motion,
        };
        Engine::with_lipsync(options, library, source)
            .map(|inner| JsEngine { inner })
            .map_err(js_error)
    }

    /// Starts a new turn with an emotion at the current input position.
    #[wasm_bindgen(js_name = setEmotion)]
    pub fn set_emotion(&mut self, request: EmotionRequestValue) -> Result<(), JsError> {
        let (emotion, intensity) = intensity_from_js("emotion request", &request.into())?;
        self.inner
            .set_emotion(&emotion, intensity)
            .map_err(js_error)
    }

    /// Pushes mono samples at the engine's rate; returns how many frames are ready to take.
    pub fn push(&mut self, samples: SamplesValue) -> Result<usize, JsError> {
        let samples = samples_from_js("push: samples", &samples)?;
        self.inner.push(&samples).map_err(js_error)
    }

    /// The frames ready so far, `frames x 52` (row-major); see `firstReadyFrame`.
    #[wasm_bindgen(js_name = takeFrames)]
    pub fn take_frames(&mut self) -> Float32Array {
        Float32Array::from(&self.inner.take_frames()[..])
    }

    /// The stream index of the first frame `takeFrames` returns (frame `i` is at `i / 30` s of
    /// the audio pushed since the stream began).
    #[wasm_bindgen(getter, js_name = firstReadyFrame)]
    pub fn first_ready_frame(&self) -> f64 {
        self.inner.first_ready_frame() as f64
    }

    /// Ends the stream and returns every frame not yet taken; the engine starts a new stream.
    pub fn finish(&mut self) -> Result<Float32Array, JsError> {
        let frames = self.inner.finish().map_err(js_error)?;
        Ok(Float32Array::from(&frames[..]))
    }

    /// Forgets the stream and starts anew, keeping the current emotion.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.inner.reset().map_err(js_error)
    }

    /// A whole clip at `sampleRate` as a fresh stream with the current emotion. An engine
    /// running a built-in model reads it with the `latency` option's model (default "playback",
    /// whatever the engine's own latency).
    #[wasm_bindgen(js_name = processClip)]
    pub fn process_clip(
        &mut self,
        samples: SamplesValue,
        sample_rate: f64,
        options: Option<ClipOptionsValue>,
    ) -> Result<ClipResultValue, JsError> {
        let samples = samples_from_js("processClip: samples", &samples)?;
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        check_keys("options", &options, &["latency"])?;
        let latency = latency_from_js(&get(&options, "latency"))?;
        let Some(rate) = whole_hz(sample_rate) else {
            return Err(JsError::new(&format!(
                "sample rate {sample_rate} is not a whole number of Hz"
            )));
        };
        let clip = self
            .inner
            .process_clip(&samples, rate, latency)
            .map_err(js_error)?;
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Meta<'a> {
            frame_count: usize,
            fps: u32,
            names: Vec<&'a str>,
            lipsync: &'a str,
            latency: f64,
        }
        let out = to_js(&Meta {
            frame_count: clip.frames.len() / CHANNEL_COUNT,
            fps: FPS,
            names: ChannelTable::builtin().names().collect(),
            lipsync: &clip.lipsync,
            latency: clip.latency_s,
        })?;
        js_sys::Reflect::set(
            &out,
            &JsValue::from_str("blendshapes"),
            &Float32Array::from(&clip.frames[..]),
        )
        .map_err(|_| JsError::new("cannot build the result object"))?;
        Ok(out.unchecked_into())
    }

    /// Audio a frame waits for beyond its own 33 ms span, in seconds.
    #[wasm_bindgen(getter)]
    pub fn latency(&self) -> f64 {
        self.inner.latency_s()
    }

    /// The lip sync in use: the model's manifest name, or "signal".
    #[wasm_bindgen(getter)]
    pub fn lipsync(&self) -> String {
        self.inner.lipsync_name().to_string()
    }
}
