//! A lip-sync model's graph as the engine runs it, for benchmarks and for looking at a model:
//! the built-in network's weights (run by this module) or an ONNX model (run by the ONNX module,
//! `await loadOnnx()` first).

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use super::convert::{bytes_from_js, inputs_from_js, js_error, to_js};
use super::types::{BytesValue, InputsValue, Shapes};
use crate::base::graph::Graph;
use crate::lipsync::model::open_model;

/// A lip-sync model's graph, without the engine around it. Owns wasm memory: `free()` it.
#[wasm_bindgen(js_name = LipSyncGraph)]
pub struct JsLipSyncGraph {
    inner: Box<dyn Graph>,
}

#[wasm_bindgen(js_class = LipSyncGraph)]
impl JsLipSyncGraph {
    /// Loads a lip-sync model from its bytes: the built-in network's safetensors weights, or ONNX
    /// (`modelNeedsOnnx`); throws if they are neither.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: BytesValue) -> Result<JsLipSyncGraph, JsError> {
        open_model(&bytes_from_js("LipSyncGraph: bytes", &bytes)?)
            .map(|inner| JsLipSyncGraph { inner })
            .map_err(js_error)
    }

    /// The fixed shape of each input.
    #[wasm_bindgen(getter, js_name = inputShapes)]
    pub fn input_shapes(&self) -> Result<Shapes, JsError> {
        Ok(to_js(self.inner.input_shapes())?.unchecked_into())
    }

    /// The fixed shape of each output.
    #[wasm_bindgen(getter, js_name = outputShapes)]
    pub fn output_shapes(&self) -> Result<Shapes, JsError> {
        Ok(to_js(self.inner.output_shapes())?.unchecked_into())
    }

    /// Runs once with one flat row-major buffer per input, in order (the features window, then
    /// each recurrent state); returns every output, flat, in order.
    #[wasm_bindgen(js_name = runInputs)]
    pub fn run_inputs(&mut self, inputs: InputsValue) -> Result<Vec<Float32Array>, JsError> {
        let buffers = inputs_from_js("runInputs", &inputs.into())?;
        let views: Vec<&[f32]> = buffers.iter().map(Vec::as_slice).collect();
        self.inner.infer(&views).map_err(js_error)?;
        (0..self.inner.output_shapes().len())
            .map(|i| Ok(Float32Array::from(self.inner.output(i).map_err(js_error)?)))
            .collect()
    }
}
