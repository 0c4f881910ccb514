//! The raw ONNX runner (tract, in the ONNX module), for models of one's own.

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use super::convert::{bytes_from_js, inputs_from_js, js_error, samples_from_js, to_js};
use super::types::{BytesValue, InputsValue, SamplesValue, Shapes};
use crate::base::onnx::{Input, OnnxModel};

/// An ONNX model run by tract inside this WebAssembly module. Owns wasm memory: `free()` it.
#[wasm_bindgen(js_name = OnnxModel)]
pub struct JsOnnxModel {
    inner: OnnxModel,
}

#[wasm_bindgen(js_class = OnnxModel)]
impl JsOnnxModel {
    /// Loads and optimises a model from its bytes; throws if they are not a usable ONNX model.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: BytesValue) -> Result<JsOnnxModel, JsError> {
        OnnxModel::from_bytes(&bytes_from_js("OnnxModel: bytes", &bytes)?)
            .map(|inner| JsOnnxModel { inner })
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

    /// Runs a single-input model on a flat row-major buffer; returns its first output, flat.
    pub fn run(&mut self, input: SamplesValue) -> Result<Float32Array, JsError> {
        let input = samples_from_js("run: input", &input)?;
        self.inner
            .run_with([Input::Values(&input)])
            .map_err(js_error)?;
        Ok(Float32Array::from(self.inner.output(0).map_err(js_error)?))
    }

    /// Runs a model with one flat row-major buffer per input, in order (for example features
    /// and a recurrent state); returns every output, flat, in order.
    #[wasm_bindgen(js_name = runInputs)]
    pub fn run_inputs(&mut self, inputs: InputsValue) -> Result<Vec<Float32Array>, JsError> {
        let buffers = inputs_from_js("runInputs", &inputs.into())?;
        self.inner
            .run_with(buffers.iter().map(|b| Input::Values(b)))
            .map_err(js_error)?;
        (0..self.inner.output_shapes().len())
            .map(|i| Ok(Float32Array::from(self.inner.output(i).map_err(js_error)?)))
            .collect()
    }
}
