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

/// What a JS value is, for messages: `null`, `undefined`, `a number`, `an Int16Array`, ...
pub(crate) fn describe(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if value.is_undefined() {
        return "undefined".into();
    }
    if js_sys::Array::is_array(value) {
        return "an array".into();
    }
    let kind = value.js_typeof().as_string().unwrap_or_default();
    let name = if kind == "object" {
        value
            .dyn_ref::<js_sys::Object>()
            .map(|o| String::from(o.constructor().name()))
            .filter(|n| !n.is_empty() && n != "Object")
            .unwrap_or(kind)
    } else {
        kind
    };
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// Every key of `value` must be one of `allowed` (serde-wasm-bindgen ignores unknown keys, which
/// would turn a typo into a silent default). `undefined` and `null` stand for "all defaults";
/// anything else that is not a plain object (a number, a string, an array) is an error.
pub(crate) fn check_keys(what: &str, value: &JsValue, allowed: &[&str]) -> Result<(), JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(());
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(JsError::new(&format!(
            "invalid {what}: expected an object with any of {}, got {}",
            allowed.join(", "),
            describe(value)
        )));
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
#[cfg(not(feature = "onnx-module"))]
pub(crate) fn invalid(what: &str, message: &str) -> JsError {
    JsError::new(&format!("invalid {what}: {message}"))
}

/// A sample rate given as a JS number, if it is a whole number of Hz (the core then checks the
/// range it supports).
#[cfg(not(feature = "onnx-module"))]
pub(crate) fn whole_hz(rate: f64) -> Option<u32> {
    (rate.fract() == 0.0 && (1.0..=1e6).contains(&rate)).then_some(rate as u32)
}

/// Samples as a JS caller may hand them over: a `Float32Array`, or an array of numbers. Any other
/// value (another typed array, whose scale would be silently wrong; a string; `null`) is an
/// error naming what was given; a copy that does not fit in wasm memory is an error too, not an
/// abort.
pub(crate) fn samples_from_js(place: &str, value: &JsValue) -> Result<Vec<f32>, JsError> {
    let expected = || {
        JsError::new(&format!(
            "{place} must be a Float32Array (or an array of numbers), got {}{}",
            describe(value),
            if value.is_instance_of::<js_sys::Int16Array>() {
                " (convert integer PCM with Float32Array.from(pcm, (x) => x / 32768))"
            } else {
                ""
            }
        ))
    };
    if let Some(array) = value.dyn_ref::<js_sys::Float32Array>() {
        let mut out = reserve(place, array.length() as usize)?;
        out.resize(array.length() as usize, 0.0);
        array.copy_to(&mut out);
        return Ok(out);
    }
    let Some(array) = value.dyn_ref::<js_sys::Array>() else {
        return Err(expected());
    };
    let mut out = reserve(place, array.length() as usize)?;
    for (i, x) in array.iter().enumerate() {
        let Some(x) = x.as_f64() else {
            return Err(JsError::new(&format!(
                "{place}[{i}] is {}, not a number",
                describe(&x)
            )));
        };
        out.push(x as f32);
    }
    Ok(out)
}

/// Bytes as a JS caller may hand them over: a `Uint8Array`, an `ArrayBuffer` or an array of
/// byte values.
pub(crate) fn bytes_from_js(place: &str, value: &JsValue) -> Result<Vec<u8>, JsError> {
    let array = if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
        array.clone()
    } else if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(buffer)
    } else if let Some(list) = value.dyn_ref::<js_sys::Array>() {
        if let Some(i) = list.iter().position(|x| {
            !x.as_f64()
                .is_some_and(|b| b.fract() == 0.0 && (0.0..=255.0).contains(&b))
        }) {
            return Err(JsError::new(&format!(
                "{place}[{i}] is not a byte (an integer in [0, 255])"
            )));
        }
        js_sys::Uint8Array::new(list)
    } else {
        return Err(JsError::new(&format!(
            "{place} must be a Uint8Array (or an ArrayBuffer), got {}",
            describe(value)
        )));
    };
    let mut out = reserve(place, array.length() as usize)?;
    out.resize(array.length() as usize, 0);
    array.copy_to(&mut out);
    Ok(out)
}

/// A model's inputs as `runInputs` takes them: an array of one flat row-major buffer per input.
pub(crate) fn inputs_from_js(call: &str, inputs: &JsValue) -> Result<Vec<Vec<f32>>, JsError> {
    let Some(list) = inputs.dyn_ref::<js_sys::Array>() else {
        return Err(JsError::new(&format!(
            "{call}: inputs must be an array of Float32Arrays, got {}",
            describe(inputs)
        )));
    };
    list.iter()
        .enumerate()
        .map(|(i, input)| samples_from_js(&format!("{call}: inputs[{i}]"), &input))
        .collect()
}

/// An empty buffer with room for `len` values, or an error when wasm memory cannot grow that far.
fn reserve<T>(place: &str, len: usize) -> Result<Vec<T>, JsError> {
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| {
        JsError::new(&format!(
            "{place}: {len} values do not fit in the WebAssembly memory; pass the data in smaller parts"
        ))
    })?;
    Ok(out)
}
