//! Text -> emotion: the built-in lexicon classifier (the core module's; the ONNX classifier slot
//! is [`super::classifier`]).

use wasm_bindgen::prelude::*;

use super::convert::{check_keys, get, js_text};
#[cfg(not(feature = "onnx-module"))]
use super::convert::{js_error, to_js};
use super::types::ClassifyEmotionOptionsValue;
#[cfg(not(feature = "onnx-module"))]
use super::types::EmotionGuessValue;
#[cfg(not(feature = "onnx-module"))]
use crate::text::LexiconClassifier;

/// Guesses the emotion of a line about to be spoken (English or Korean) with the built-in
/// lexicon-and-rules classifier: `{emotion, level, vad, confidence, scores}`. The package's
/// `classifyEmotion` (pkg/index.js) wraps this: it checks the text here first, then answers with
/// the trained classifier, which is fetched beside the module rather than compiled into it.
#[cfg(not(feature = "onnx-module"))]
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
pub(super) fn classify_arguments(
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

/// The built-in lexicon's score for each emotion (in `emotionTaxonomy()` order) for `text`, read in
/// the context of the same speaker's `previous` line when given: the evidence a trained
/// classifier blends in (its manifest's `lexicon_evidence`). `classifyEmotion` with method
/// 'lexicon' decides on these scores.
#[cfg(not(feature = "onnx-module"))]
#[wasm_bindgen(js_name = lexiconEvidence)]
pub fn lexicon_evidence(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] previous: JsValue,
) -> Result<Vec<f32>, JsError> {
    let previous = if previous.is_undefined() || previous.is_null() {
        None
    } else {
        Some(js_text("previous", &previous)?)
    };
    let guess = LexiconClassifier::builtin()
        .classify(&js_text("text", &text)?, previous.as_deref())
        .map_err(js_error)?;
    Ok(guess.scores.into_iter().map(|(_, s)| s).collect())
}
