//! The text classifier slot: a trained ONNX classifier, run by tract (the ONNX module's).

use wasm_bindgen::prelude::*;

use super::convert::{bytes_from_js, js_error, js_text, to_js};
use super::text::classify_arguments;
use super::types::{BytesValue, ClassifyEmotionOptionsValue, EmotionGuessValue};
use crate::text::TextClassifier;

// The ONNX module has no lexicon: it asks the core module's `lexiconEvidence` (pkg/onnx.js).
#[cfg(feature = "onnx-module")]
#[wasm_bindgen(raw_module = "./onnx.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = lexiconEvidence)]
    fn js_lexicon_evidence(text: &str, previous: Option<String>) -> Result<Vec<f32>, JsValue>;
}

#[cfg(feature = "onnx-module")]
fn core_lexicon(text: &str, previous: Option<&str>) -> crate::base::error::Result<Vec<f32>> {
    js_lexicon_evidence(text, previous.map(str::to_string)).map_err(|e| {
        crate::base::error::FaceError::Model(format!(
            "text classifier: the core module's lexicon failed: {}",
            e.as_string()
                .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| e.message().into()))
                .unwrap_or_default()
        ))
    })
}

/// A trained ONNX text classifier in the classifier slot: its model bytes, its manifest (see
/// the README's "Text classifier slot") and its WordPiece `vocab.txt`.
#[wasm_bindgen(js_name = TextClassifier)]
pub struct JsTextClassifier {
    inner: TextClassifier,
}

#[wasm_bindgen(js_class = TextClassifier)]
impl JsTextClassifier {
    /// Loads and checks the classifier; throws with the reason when the model, manifest or
    /// vocabulary do not fit together, or when the manifest or vocabulary is not well-formed
    /// text (a vocabulary entry read as U+FFFD would silently tokenize differently).
    #[wasm_bindgen(constructor)]
    pub fn new(
        model: BytesValue,
        manifest: js_sys::JsString,
        vocab: js_sys::JsString,
    ) -> Result<JsTextClassifier, JsError> {
        let model = bytes_from_js("TextClassifier: model", &model)?;
        let manifest = js_text("manifest", &manifest)?;
        let vocab = js_text("vocab", &vocab)?;
        Ok(JsTextClassifier {
            inner: TextClassifier::new(&model, &manifest, &vocab).map_err(js_error)?,
        })
    }

    /// Same answer shape as `classifyEmotion`, from the model.
    pub fn classify(
        &self,
        text: JsValue,
        options: Option<ClassifyEmotionOptionsValue>,
    ) -> Result<EmotionGuessValue, JsError> {
        let (text, previous) = classify_arguments(text, options)?;
        #[cfg(not(feature = "onnx-module"))]
        let guess = self.inner.classify(&text, previous.as_deref());
        #[cfg(feature = "onnx-module")]
        let guess = self
            .inner
            .classify_with_lexicon(&text, previous.as_deref(), &core_lexicon);
        let guess = guess.map_err(js_error)?;
        Ok(to_js(&guess.report())?.unchecked_into())
    }

    /// The word pieces the model reads for `text` (no special tokens).
    pub fn tokenize(&self, text: JsValue) -> Result<Vec<String>, JsError> {
        Ok(self.inner.tokenize(&js_text("text", &text)?))
    }

    /// The labels of the model's emotion output, in its order.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.inner.manifest().outputs.emotion.labels.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.manifest().name.clone()
    }
}
