//! ONNX models in the package's core WebAssembly module, which has no tract: each is run by the
//! package's ONNX module (this crate built with `onnx-module`), reached synchronously through
//! pkg/onnx.js once a page has loaded it (`await loadOnnx()`). Inputs are copied into JS arrays
//! and outputs back (a few hundred values per frame, microseconds); every answer from JS is
//! checked against the shapes the model declared, so a wrong one is an error, never a panic.

use js_sys::{Array, Float32Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::base::error::{FaceError, Result};
use crate::base::graph::{check_inputs, stored_output, Graph};

#[wasm_bindgen(raw_module = "./onnx.js")]
extern "C" {
    /// An `OnnxModel` of the ONNX module.
    type ForeignOnnxModel;

    /// Loads a model in the ONNX module; throws when that module is not loaded yet or the bytes
    /// are not a usable model.
    #[wasm_bindgen(catch, js_name = openOnnxModel)]
    fn open_onnx_model(bytes: &Uint8Array) -> std::result::Result<ForeignOnnxModel, JsValue>;

    #[wasm_bindgen(method, catch, getter, js_name = inputShapes)]
    fn input_shapes(this: &ForeignOnnxModel) -> std::result::Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, getter, js_name = outputShapes)]
    fn output_shapes(this: &ForeignOnnxModel) -> std::result::Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = runInputs)]
    fn run_inputs(this: &ForeignOnnxModel, inputs: &Array) -> std::result::Result<Array, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn free(this: &ForeignOnnxModel) -> std::result::Result<(), JsValue>;
}

/// An ONNX model run by the package's ONNX module.
pub struct BridgedOnnxModel {
    model: ForeignOnnxModel,
    input_shapes: Vec<Vec<usize>>,
    output_shapes: Vec<Vec<usize>>,
    outputs: Vec<Vec<f32>>,
}

fn js_message(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

fn shapes(value: std::result::Result<JsValue, JsValue>, what: &str) -> Result<Vec<Vec<usize>>> {
    let value = value.map_err(|e| FaceError::Model(js_message(e)))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        FaceError::Model(format!(
            "the ONNX module gave unreadable {what} shapes: {e}"
        ))
    })
}

impl BridgedOnnxModel {
    pub fn open(bytes: &[u8]) -> Result<BridgedOnnxModel> {
        let model = open_onnx_model(&Uint8Array::from(bytes))
            .map_err(|e| FaceError::Model(js_message(e)))?;
        // Made before the shapes are read, so a model whose shapes cannot be read is freed too.
        let mut bridged = BridgedOnnxModel {
            model,
            input_shapes: Vec::new(),
            output_shapes: Vec::new(),
            outputs: Vec::new(),
        };
        bridged.input_shapes = shapes(bridged.model.input_shapes(), "input")?;
        bridged.output_shapes = shapes(bridged.model.output_shapes(), "output")?;
        Ok(bridged)
    }
}

impl Drop for BridgedOnnxModel {
    fn drop(&mut self) {
        // A model the ONNX module can no longer free (it trapped) is gone with it already.
        let _ = self.model.free();
    }
}

impl Graph for BridgedOnnxModel {
    fn input_shapes(&self) -> &[Vec<usize>] {
        &self.input_shapes
    }

    fn output_shapes(&self) -> &[Vec<usize>] {
        &self.output_shapes
    }

    fn infer(&mut self, inputs: &[&[f32]]) -> Result<()> {
        self.outputs.clear();
        check_inputs(&self.input_shapes, inputs)?;
        let arrays: Array = inputs.iter().map(|x| Float32Array::from(*x)).collect();
        let answers = self
            .model
            .run_inputs(&arrays)
            .map_err(|e| FaceError::Model(js_message(e)))?;
        let mut outputs = Vec::with_capacity(self.output_shapes.len());
        for (i, shape) in self.output_shapes.iter().enumerate() {
            let values = answers
                .get(i as u32)
                .dyn_into::<Float32Array>()
                .map(|a| a.to_vec())
                .ok()
                .filter(|v| v.len() == shape.iter().product::<usize>())
                .ok_or_else(|| {
                    FaceError::Model(format!(
                        "the ONNX module's output {i} is not {shape:?} float32 values"
                    ))
                })?;
            outputs.push(values);
        }
        self.outputs = outputs;
        Ok(())
    }

    fn output(&self, i: usize) -> Result<&[f32]> {
        stored_output(&self.outputs, i, self.output_shapes.len())
    }
}
