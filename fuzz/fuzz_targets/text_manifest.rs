//! A text classifier's manifest: a manifest or a typed error, and its label table resolves or
//! fails with a typed error.
#![no_main]
use animasync_face::TextClassifierManifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(manifest) = TextClassifierManifest::from_json(text) {
        let _ = manifest.label_emotions();
    }
});
