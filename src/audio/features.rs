//! Model input features, computed incrementally: log-mel spectrograms (the librosa definition,
//! `center=False`) or raw PCM windows. A feature frame is emitted as soon as its last sample has
//! arrived, so streaming and whole-clip extraction give identical frames.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use crate::audio::SAMPLE_RATES;
use crate::base::error::{FaceError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MelScale {
    /// Slaney's scale (linear below 1 kHz, logarithmic above): librosa's default.
    #[default]
    Slaney,
    /// `2595 * log10(1 + f / 700)`.
    Htk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MelNorm {
    /// Each filter scaled to unit area (librosa's default `norm="slaney"`).
    #[default]
    Slaney,
    /// Triangles of height 1.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogKind {
    /// Natural logarithm.
    #[default]
    Ln,
    Log10,
}

fn default_floor() -> f32 {
    1e-6
}

/// What a model reads. Part of the model manifest (`input`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureSpec {
    /// `log(max(mel_power, floor))` of frames `[i * hop, i * hop + n_fft)`, periodic Hann window
    /// of `win_length` centred in `n_fft`, power spectrum, mel filterbank.
    LogMel {
        sample_rate: u32,
        n_fft: usize,
        win_length: usize,
        hop_length: usize,
        n_mels: usize,
        f_min: f32,
        f_max: f32,
        #[serde(default)]
        mel_scale: MelScale,
        #[serde(default)]
        norm: MelNorm,
        #[serde(default)]
        log: LogKind,
        #[serde(default = "default_floor")]
        floor: f32,
    },
    /// Raw samples: frames of `window` samples every `hop` samples.
    Pcm {
        sample_rate: u32,
        window: usize,
        hop: usize,
    },
}

impl FeatureSpec {
    pub fn sample_rate(&self) -> u32 {
        match self {
            FeatureSpec::LogMel { sample_rate, .. } | FeatureSpec::Pcm { sample_rate, .. } => {
                *sample_rate
            }
        }
    }

    /// Values per feature frame.
    pub fn width(&self) -> usize {
        match self {
            FeatureSpec::LogMel { n_mels, .. } => *n_mels,
            FeatureSpec::Pcm { window, .. } => *window,
        }
    }

    /// Samples a frame spans.
    pub fn frame_length(&self) -> usize {
        match self {
            FeatureSpec::LogMel { n_fft, .. } => *n_fft,
            FeatureSpec::Pcm { window, .. } => *window,
        }
    }

    pub fn hop(&self) -> usize {
        match self {
            FeatureSpec::LogMel { hop_length, .. } => *hop_length,
            FeatureSpec::Pcm { hop, .. } => *hop,
        }
    }

    /// Feature frames per second.
    pub fn frame_rate(&self) -> f64 {
        f64::from(self.sample_rate()) / self.hop() as f64
    }

    pub fn validate(&self, place: &str) -> Result<()> {
        let invalid = |message: String| FaceError::InvalidData {
            place: place.to_string(),
            message,
        };
        if !SAMPLE_RATES.contains(&self.sample_rate()) {
            return Err(invalid(format!(
                "sample_rate {} is not in [8000, 96000]",
                self.sample_rate()
            )));
        }
        match *self {
            FeatureSpec::LogMel {
                sample_rate,
                n_fft,
                win_length,
                hop_length,
                n_mels,
                f_min,
                f_max,
                floor,
                ..
            } => {
                if !(16..=8192).contains(&n_fft) {
                    return Err(invalid(format!("n_fft {n_fft} is not in [16, 8192]")));
                }
                if win_length == 0 || win_length > n_fft {
                    return Err(invalid(format!(
                        "win_length {win_length} must be in [1, n_fft = {n_fft}]"
                    )));
                }
                if hop_length == 0 || hop_length > n_fft {
                    return Err(invalid(format!(
                        "hop_length {hop_length} must be in [1, n_fft = {n_fft}]"
                    )));
                }
                if n_mels == 0 || n_mels > n_fft / 2 + 1 {
                    return Err(invalid(format!(
                        "n_mels {n_mels} must be in [1, n_fft / 2 + 1]"
                    )));
                }
                let nyquist = sample_rate as f32 / 2.0;
                if !(f_min >= 0.0 && f_min < f_max && f_max <= nyquist) {
                    return Err(invalid(format!(
                        "need 0 <= f_min ({f_min}) < f_max ({f_max}) <= {nyquist} Hz"
                    )));
                }
                if !(floor > 0.0 && floor.is_finite()) {
                    return Err(invalid(format!("floor {floor} must be a positive number")));
                }
            }
            FeatureSpec::Pcm { window, hop, .. } => {
                if window == 0 || hop == 0 || hop > window || window > 1 << 16 {
                    return Err(invalid(format!(
                        "need 1 <= hop ({hop}) <= window ({window}) <= 65536"
                    )));
                }
            }
        }
        Ok(())
    }
}

fn hz_to_mel(f: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 2595.0 * (1.0 + f / 700.0).log10(),
        MelScale::Slaney => {
            let (f_sp, min_log_hz) = (200.0 / 3.0, 1000.0);
            let min_log_mel = min_log_hz / f_sp;
            let logstep = 6.4f64.ln() / 27.0;
            if f >= min_log_hz {
                min_log_mel + (f / min_log_hz).ln() / logstep
            } else {
                f / f_sp
            }
        }
    }
}

fn mel_to_hz(m: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 700.0 * (10f64.powf(m / 2595.0) - 1.0),
        MelScale::Slaney => {
            let (f_sp, min_log_hz) = (200.0 / 3.0, 1000.0);
            let min_log_mel = min_log_hz / f_sp;
            let logstep = 6.4f64.ln() / 27.0;
            if m >= min_log_mel {
                min_log_hz * (logstep * (m - min_log_mel)).exp()
            } else {
                f_sp * m
            }
        }
    }
}

/// One triangular mel filter, stored sparsely: the first bin and its weights.
#[derive(Debug, Clone)]
struct MelFilter {
    start: usize,
    weights: Vec<f32>,
}

/// The mel filterbank as librosa builds it (`librosa.filters.mel`).
fn mel_filterbank(
    sample_rate: u32,
    n_fft: usize,
    n_mels: usize,
    f_min: f32,
    f_max: f32,
    scale: MelScale,
    norm: MelNorm,
) -> Vec<MelFilter> {
    let bins = n_fft / 2 + 1;
    let fft_freqs: Vec<f64> = (0..bins)
        .map(|k| k as f64 * f64::from(sample_rate) / n_fft as f64)
        .collect();
    let (lo, hi) = (
        hz_to_mel(f64::from(f_min), scale),
        hz_to_mel(f64::from(f_max), scale),
    );
    let points: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64, scale))
        .collect();
    (0..n_mels)
        .map(|m| {
            let (left, centre, right) = (points[m], points[m + 1], points[m + 2]);
            let gain = match norm {
                MelNorm::Slaney => 2.0 / (right - left),
                MelNorm::None => 1.0,
            };
            let dense: Vec<f32> = fft_freqs
                .iter()
                .map(|&f| {
                    let rising = (f - left) / (centre - left);
                    let falling = (right - f) / (right - centre);
                    (rising.min(falling).max(0.0) * gain) as f32
                })
                .collect();
            let start = dense.iter().position(|w| *w > 0.0).unwrap_or(0);
            let end = dense
                .iter()
                .rposition(|w| *w > 0.0)
                .map_or(start, |e| e + 1);
            MelFilter {
                start,
                weights: dense[start..end].to_vec(),
            }
        })
        .collect()
}

/// Log-mel state that does not change between frames.
struct LogMel {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    filters: Vec<MelFilter>,
    log: LogKind,
    floor: f32,
    frame: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
    power: Vec<f32>,
}

impl LogMel {
    fn compute(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        for ((f, s), w) in self.frame.iter_mut().zip(samples).zip(&self.window) {
            *f = s * w;
        }
        self.fft
            .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch)
            .expect("buffer sizes come from the same plan");
        for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
            *p = c.norm_sqr();
        }
        for filter in &self.filters {
            let energy: f32 = filter
                .weights
                .iter()
                .zip(&self.power[filter.start..])
                .map(|(w, p)| w * p)
                .sum();
            let clamped = energy.max(self.floor);
            out.push(match self.log {
                LogKind::Ln => clamped.ln(),
                LogKind::Log10 => clamped.log10(),
            });
        }
    }
}

/// Turns a stream of samples at the spec's rate into feature frames.
pub struct FeatureExtractor {
    spec: FeatureSpec,
    log_mel: Option<LogMel>,
    /// Samples not yet fully consumed; `buffer[0]` is sample `offset` of the stream.
    buffer: Vec<f32>,
    frames_emitted: u64,
}

impl std::fmt::Debug for FeatureExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("FeatureExtractor")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl FeatureExtractor {
    pub fn new(spec: &FeatureSpec) -> Result<Self> {
        spec.validate("input")?;
        let log_mel = match *spec {
            FeatureSpec::LogMel {
                sample_rate,
                n_fft,
                win_length,
                n_mels,
                f_min,
                f_max,
                mel_scale,
                norm,
                log,
                floor,
                ..
            } => {
                let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
                // Periodic Hann of win_length, zero-padded to n_fft with the window centred.
                let pad = (n_fft - win_length) / 2;
                let mut window = vec![0.0f32; n_fft];
                for (i, w) in window.iter_mut().skip(pad).take(win_length).enumerate() {
                    *w = (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / win_length as f64).cos())
                        as f32;
                }
                Some(LogMel {
                    frame: fft.make_input_vec(),
                    spectrum: fft.make_output_vec(),
                    scratch: fft.make_scratch_vec(),
                    power: vec![0.0; n_fft / 2 + 1],
                    fft,
                    window,
                    filters: mel_filterbank(
                        sample_rate,
                        n_fft,
                        n_mels,
                        f_min,
                        f_max,
                        mel_scale,
                        norm,
                    ),
                    log,
                    floor,
                })
            }
            FeatureSpec::Pcm { .. } => None,
        };
        Ok(FeatureExtractor {
            spec: spec.clone(),
            log_mel,
            buffer: Vec::new(),
            frames_emitted: 0,
        })
    }

    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// Feature frames emitted so far.
    pub fn frames_emitted(&self) -> u64 {
        self.frames_emitted
    }

    /// Appends every frame that `samples` completes to `out` (`width()` values each); returns
    /// how many frames were added.
    pub fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) -> usize {
        self.buffer.extend_from_slice(samples);
        let (length, hop) = (self.spec.frame_length(), self.spec.hop());
        let mut start = 0;
        let mut added = 0;
        while start + length <= self.buffer.len() {
            let frame = &self.buffer[start..start + length];
            match &mut self.log_mel {
                Some(log_mel) => log_mel.compute(frame, out),
                None => out.extend_from_slice(frame),
            }
            start += hop;
            added += 1;
        }
        self.buffer.drain(..start.min(self.buffer.len()));
        self.frames_emitted += added as u64;
        added
    }

    /// Forgets buffered samples (a new stream).
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.frames_emitted = 0;
    }
}

/// The features of a whole clip at the spec's rate.
pub fn extract_clip(spec: &FeatureSpec, samples: &[f32]) -> Result<Vec<f32>> {
    let mut extractor = FeatureExtractor::new(spec)?;
    let mut out = Vec::new();
    extractor.push(samples, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn spec() -> FeatureSpec {
        FeatureSpec::LogMel {
            sample_rate: 16_000,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            n_mels: 80,
            f_min: 0.0,
            f_max: 8_000.0,
            mel_scale: MelScale::Slaney,
            norm: MelNorm::Slaney,
            log: LogKind::Ln,
            floor: 1e-6,
        }
    }

    #[test]
    fn mel_scales_round_trip() {
        for scale in [MelScale::Slaney, MelScale::Htk] {
            for f in [0.0, 300.0, 999.0, 1000.0, 4000.0, 8000.0] {
                assert!((mel_to_hz(hz_to_mel(f, scale), scale) - f).abs() < 1e-6);
            }
        }
        assert!((hz_to_mel(1000.0, MelScale::Htk) - 999.985).abs() < 0.01);
        assert!((hz_to_mel(1000.0, MelScale::Slaney) - 15.0).abs() < 1e-9);
    }

    #[test]
    fn a_tone_lights_the_filter_that_covers_it() {
        let tone: Vec<f32> = (0..16_000)
            .map(|i| (std::f32::consts::TAU * 1000.0 * i as f32 / 16_000.0).sin())
            .collect();
        let out = extract_clip(&spec(), &tone).unwrap();
        let frames = out.len() / 80;
        assert_eq!(frames, (16_000 - 512) / 160 + 1);
        let frame = &out[40 * 80..41 * 80];
        let peak = frame
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        // Slaney mel of 1 kHz is 15; the 80 filters span 0..mel(8 kHz) = 0..~45.2, 1 kHz sits near filter 25.
        assert!((24..=27).contains(&peak), "{peak}");
    }

    #[test]
    fn streaming_in_any_chunks_gives_the_same_frames() {
        let signal: Vec<f32> = (0..12_345)
            .map(|i| (i as f32 * 0.013).sin() * (i as f32 * 0.00071).cos())
            .collect();
        let whole = extract_clip(&spec(), &signal).unwrap();
        for chunk in [1, 100, 160, 333, 4096] {
            let mut extractor = FeatureExtractor::new(&spec()).unwrap();
            let mut out = Vec::new();
            for piece in signal.chunks(chunk) {
                extractor.push(piece, &mut out);
            }
            assert_eq!(out, whole, "chunk {chunk}");
        }
        let pcm = FeatureSpec::Pcm {
            sample_rate: 16_000,
            window: 400,
            hop: 160,
        };
        let frames = extract_clip(&pcm, &signal).unwrap();
        assert_eq!(frames.len(), ((12_345 - 400) / 160 + 1) * 400);
        assert_eq!(&frames[400..800], &signal[160..560]);
    }

    #[test]
    fn bad_specs_are_rejected() {
        let bad = |s: FeatureSpec| s.validate("input").unwrap_err().to_string();
        let FeatureSpec::LogMel {
            sample_rate,
            n_fft,
            win_length,
            hop_length,
            n_mels,
            f_min,
            f_max,
            mel_scale,
            norm,
            log,
            floor,
        } = spec()
        else {
            unreachable!()
        };
        let with = |n_fft2: usize, win: usize, f_max2: f32| FeatureSpec::LogMel {
            sample_rate,
            n_fft: n_fft2,
            win_length: win,
            hop_length,
            n_mels,
            f_min,
            f_max: f_max2,
            mel_scale,
            norm,
            log,
            floor,
        };
        assert!(bad(with(n_fft, 600, f_max)).contains("win_length 600 must be in [1, n_fft = 512]"));
        assert!(bad(with(n_fft, win_length, 9000.0)).contains("<= 8000 Hz"));
        assert!(bad(FeatureSpec::Pcm {
            sample_rate: 16_000,
            window: 10,
            hop: 20
        })
        .contains("hop (20) <= window (10)"));
        assert!(bad(FeatureSpec::Pcm {
            sample_rate: 1_000,
            window: 10,
            hop: 5
        })
        .contains("1000"));
    }
}
