//! A scenario (the CLI's `render`, the viewer's player, `renderScenario`): a scenario or a typed
//! error, and a scenario's every turn resolves to a valid VAD point.
#![no_main]
use animasync_face::{EmotionTaxonomy, Scenario};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scenario) = Scenario::from_json(text) {
        for turn in &scenario.turns {
            let (_, emotion) = EmotionTaxonomy::builtin()
                .require("turn", &turn.emotion)
                .expect("a parsed scenario names known emotions");
            let _ = turn.intensity.resolve(emotion);
        }
    }
});
