//! Time on the 30 fps grid every stage shares: the frame rate, which samples a frame covers at
//! any input rate, and the cosine ease that crossfades, blinks and saccades follow.

/// Output frame rate of everything the crate renders.
pub const FPS: u32 = 30;

/// The first sample of 30 fps frame `frame` at `sample_rate`: frame `f` covers samples
/// `[frame_start(f), frame_start(f + 1))`, so any rate works and frames never drift.
pub fn frame_start(frame: u64, sample_rate: u32) -> usize {
    (frame * u64::from(sample_rate) / u64::from(FPS)) as usize
}

/// The 30 fps frame sample `sample` belongs to: the last `f` with `frame_start(f) <= sample`.
/// (`sample * 30 / rate`, rounded down, is one short when `sample` is exactly the first sample of
/// a frame that starts at a fractional position, e.g. sample 533 at 16 kHz starts frame 1.)
pub fn frame_of_sample(sample: u64, sample_rate: u32) -> u64 {
    ((sample + 1) * u64::from(FPS)).div_ceil(u64::from(sample_rate)) - 1
}

/// Number of 30 fps frames that `samples` at `sample_rate` cover (a partial last frame counts).
pub fn frames_covering(samples: usize, sample_rate: u32) -> usize {
    (samples as u64 * u64::from(FPS)).div_ceil(u64::from(sample_rate)) as usize
}

/// Cosine ease from 0 (t <= 0) to 1 (t >= 1): zero slope at both ends, so a crossfade starts
/// and lands without a kink.
pub fn cosine_ease(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    0.5 - 0.5 * (std::f32::consts::PI * t).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_belongs_to_the_frame_whose_span_holds_it() {
        for rate in [8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000] {
            for sample in 0..(rate as u64 / 5) {
                let f = frame_of_sample(sample, rate);
                assert!(
                    frame_start(f, rate) as u64 <= sample
                        && sample < frame_start(f + 1, rate) as u64,
                    "sample {sample} at {rate} Hz: frame {f}"
                );
            }
        }
        assert_eq!(frame_of_sample(533, 16_000), 1);
    }
}
