//! Text -> emotion: the built-in lexicon classifier and the ONNX classifier slot.

use wasm_bindgen::prelude::*;

use super::convert::{bytes_from_js, check_keys, get, js_error, js_text, to_js};
use super::types::{BytesValue, ClassifyEmotionOptionsValue, EmotionGuessValue};
use crate::text::{LexiconClassifier, TextClassifier};

/// Guesses the emotion of a line about to be spoken (English or Korean) with the built-in
/// lexicon-and-rules classifier: `{emotion, level, vad, confidence, scores}`. The package's
/// `classifyEmotion` (pkg/index.js) wraps this: it checks the text here first, then answers with
/// the trained classifier, which is fetched beside the module rather than compiled into it.
#[wasm_bindgen(js_name = classifyEmotion)]
pub fn classify_emotion(
    text: JsValue,
    options: Option<ClassifyEmotionOptionsValue>,
) -> Result<EmotionGuessValue, JsError> {
    let (text, previous) = classify_arguments(text, options)?;
    let guess = LexiconClassifier::builtin()
        .classify(&text, previous.as_deref())
        .map_err(js_error)?;
    Ok(to_js(&guess.report())?.unchecked_into())
}

/// The text and the `previous` option of a classify call, checked.
fn classify_arguments(
    text: JsValue,
    options: Option<ClassifyEmotionOptionsValue>,
) -> Result<(String, Option<String>), JsError> {
    let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
    check_keys("options", &options, &["previous"])?;
    let text = js_text("text", &text)?;
    let previous = get(&options, "previous");
    let previous = if previous.is_undefined() || previous.is_null() {
        None
    } else {
        Some(js_text("previous", &previous)?)
    };
    Ok((text, previous))
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
        let guess = self
            .inner
            .classify(&text, previous.as_deref())
            .map_err(js_error)?;
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
