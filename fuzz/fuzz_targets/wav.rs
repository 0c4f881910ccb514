//! The WAV reader (the CLI's `lipsync`, `render`, `bench`): mono PCM or a typed error, and the
//! PCM it returns is what the engine accepts (finite samples at a supported rate).
#![no_main]
use animasync_face::audio::wav::read_wav_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(pcm) = read_wav_bytes(data) {
        assert!(pcm.samples().iter().all(|x| x.is_finite()));
        assert!(animasync_face::SAMPLE_RATES.contains(&pcm.sample_rate()));
    }
});
