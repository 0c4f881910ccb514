//! The compile request (`compileExpression(library, {emotion, level | vad, mode})`, read here
//! from JSON): any request compiles to 52 finite weights in [0, 1] or is a typed error.
#![no_main]
use animasync_face::expression::CompileRequest;
use animasync_face::{ExpressionCompiler, PresetLibrary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<CompileRequest>(data) else {
        return;
    };
    if let Ok(weights) = request.compile(&ExpressionCompiler::new(PresetLibrary::builtin())) {
        assert!(
            weights.iter().all(|w| (0.0..=1.0).contains(w)),
            "{request:?} -> {weights:?}"
        );
    }
});
