//! WAV files as mono [`Pcm`] (native builds only: the browser decodes audio itself). Outside
//! bytes, so every fault of the file (not a WAV, a header that lies about its sizes, an
//! unsupported sample format, a rate the engine does not take, NaN samples) is a typed
//! [`FaceError::Audio`], never a panic; `fuzz/fuzz_targets/wav.rs` searches for the exceptions.

use std::io::Read;
use std::path::Path;

use crate::audio::Pcm;
use crate::base::error::{FaceError, Result};

/// Decodes WAV bytes to mono f32 (channels averaged; integer formats scaled to [-1, 1]).
pub fn read_wav_bytes(bytes: &[u8]) -> Result<Pcm> {
    read_wav_from(std::io::Cursor::new(bytes))
}

/// Reads and decodes a WAV file (see [`read_wav_bytes`]); errors name the file.
pub fn read_wav(path: &Path) -> Result<Pcm> {
    let at = |e: &dyn std::fmt::Display| {
        FaceError::Audio(format!("cannot read WAV {}: {e}", path.display()))
    };
    let file = std::fs::File::open(path).map_err(|e| at(&e))?;
    read_wav_from(std::io::BufReader::new(file)).map_err(|e| match e {
        FaceError::Audio(message) => at(&message),
        other => other,
    })
}

fn read_wav_from<R: Read>(source: R) -> Result<Pcm> {
    let fail = |e: &dyn std::fmt::Display| FaceError::Audio(format!("not a readable WAV: {e}"));
    let mut reader = hound::WavReader::new(source).map_err(|e| fail(&e))?;
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| fail(&e))?,
        hound::SampleFormat::Int => {
            if !(1..=32).contains(&spec.bits_per_sample) {
                return Err(FaceError::Audio(format!(
                    "integer WAV samples of {} bits are not supported (1 to 32)",
                    spec.bits_per_sample
                )));
            }
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|s| s as f32 * scale))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| fail(&e))?
        }
    };
    let channels = usize::from(spec.channels.max(1));
    let mono = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Pcm::new(mono, spec.sample_rate)
}
