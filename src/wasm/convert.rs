//! Values and errors across the boundary, in one place: core errors become `JsError`s carrying
//! the core's message, serialisable values become plain JS objects, and JS strings and option
//! objects are read strictly (no unpaired surrogates, no unknown keys).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::base::error::FaceError;

pub(crate) fn js_error(e: FaceError) -> JsError {
    JsError::new(&e.to_string())
}

pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// A JS string as Rust text, refusing what is not a string or not well-formed UTF-16 (an
/// unpaired surrogate would otherwise turn silently into U+FFFD).
pub(crate) fn js_text(place: &str, value: &JsValue) -> Result<String, JsError> {
    let Some(text) = value.dyn_ref::<js_sys::JsString>() else {
        return Err(JsError::new(&format!("{place} must be a string")));
    };
    if !text.is_valid_utf16() {
        return Err(JsError::new(&format!(
            "{place}: contains an unpaired UTF-16 surrogate (text cut in the middle of an emoji or a character outside the BMP?); pass well-formed text"
        )));
    }
    Ok(String::from(text))
}

/// Every key of `value` must be one of `allowed` (serde-wasm-bindgen ignores unknown keys, which
/// would turn a typo into a silent default).
pub(crate) fn check_keys(what: &str, value: &JsValue, allowed: &[&str]) -> Result<(), JsError> {
    if !value.is_object() {
        return Ok(());
    }
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(JsError::new(&format!(
                "invalid {what}: unknown field `{key}` (expected one of {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

pub(crate) fn get(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// An error about an option object: `invalid {what}: {message}`.
pub(crate) fn invalid(what: &str, message: &str) -> JsError {
    JsError::new(&format!("invalid {what}: {message}"))
}

/// A sample rate given as a JS number, if it is a whole number of Hz (the core then checks the
/// range it supports).
pub(crate) fn whole_hz(rate: f64) -> Option<u32> {
    (rate.fract() == 0.0 && (1.0..=1e6).contains(&rate)).then_some(rate as u32)
}
