//! A preset library as the viewer imports it and `new Engine({presets})` reads it: any text is
//! either a library or a typed error; a library survives its own canonical JSON unchanged.
#![no_main]
use animasync_face::PresetLibrary;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(library) = PresetLibrary::from_json(text) {
        let again =
            PresetLibrary::from_json(&library.to_json()).expect("canonical JSON reads back");
        assert_eq!(again.to_json(), library.to_json());
    }
});
