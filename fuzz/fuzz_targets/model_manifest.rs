//! A lip-sync model's manifest (a user's own model plugs in with one): a manifest or a typed
//! error; everything derived from a parsed manifest (state shapes, output map, input shape,
//! the feature front-end) is a value or a typed error too.
#![no_main]
use animasync_face::audio::features::FeatureExtractor;
use animasync_face::ModelManifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(manifest) = ModelManifest::from_json(text) {
        let _ = manifest.state_shapes();
        let _ = manifest.output_map();
        let _ = manifest.output_width();
        let _ = manifest.input_shape();
        let _ = FeatureExtractor::new(&manifest.input);
    }
});
