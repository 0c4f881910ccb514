//! The monologue rules that make separate turns read as one emotional arc: causal VAD damping
//! across turns, symmetric Gaussian VAD smoothing over frames, the cosine crossfade between
//! turns, and the brows' pass-through-neutral. Pure functions over plain data; the renderer
//! (`pipeline/render.rs`) and the streaming engine compose them.

use crate::base::emotion::Vad;
use crate::base::time::cosine_ease;

/// Causal running-mean damping of the turns' VAD points (real-time safe: turn `i` reads only
/// turns `0..=i`). The first turn is unchanged; then, in this order,
///
/// ```text
/// damped[i] = gamma * raw[i] + (1 - gamma) * mean[i-1]
/// mean[i]   = beta * mean[i-1] + (1 - beta) * raw[i]        (mean[0] = raw[0])
/// ```
///
/// `damped` is computed before the mean takes in turn `i`: updating first would pull each turn
/// toward itself and weaken the damping. A single turn is returned as is.
pub fn damp_turns(raw: &[Vad], gamma: f32, beta: f32) -> Vec<Vad> {
    let mut out = Vec::with_capacity(raw.len());
    let Some(first) = raw.first() else {
        return out;
    };
    let mut mean = first.as_array();
    out.push(*first);
    for vad in &raw[1..] {
        let x = vad.as_array();
        let damped: [f32; 3] = std::array::from_fn(|k| gamma * x[k] + (1.0 - gamma) * mean[k]);
        mean = std::array::from_fn(|k| beta * mean[k] + (1.0 - beta) * x[k]);
        out.push(damped.into());
    }
    out
}

/// Symmetric Gaussian smoothing of a per-frame VAD track (offline: frame `f` reads frames on
/// both sides). The kernel spans +-3 sigma and is renormalised where it runs past the ends, so a
/// constant track stays constant up to the edges. `sigma_frames` 0 returns the track unchanged.
pub fn gaussian_smooth(track: &[Vad], sigma_frames: f32) -> Vec<Vad> {
    if sigma_frames <= 0.0 || track.len() < 2 {
        return track.to_vec();
    }
    let radius = (3.0 * sigma_frames).ceil() as usize;
    let kernel: Vec<f64> = (0..=radius)
        .map(|d| (-((d * d) as f64) / (2.0 * f64::from(sigma_frames).powi(2))).exp())
        .collect();
    let n = track.len();
    (0..n)
        .map(|f| {
            let (lo, hi) = (f.saturating_sub(radius), (f + radius).min(n - 1));
            let mut sum = [0.0f64; 3];
            let mut total = 0.0;
            for (g, vad) in track.iter().enumerate().take(hi + 1).skip(lo) {
                let w = kernel[f.abs_diff(g)];
                total += w;
                for (s, x) in sum.iter_mut().zip(vad.as_array()) {
                    *s += w * f64::from(x);
                }
            }
            Vad::from(sum.map(|s| (s / total) as f32))
        })
        .collect()
}

/// Where the crossfade at a turn boundary runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FadePlacement {
    /// Offline: centred on the boundary, half before and half after.
    Centred,
    /// Streaming: starts at the boundary (nothing before it can know the next turn).
    Causal,
}

/// The frames `[start, end)` of the crossfade at `boundary` between a turn starting at
/// `prev_start` and one ending at `next_end`. The window never reaches past the middle of either
/// neighbour (a short turn keeps its own look for at least half its length).
pub fn fade_window(
    boundary: usize,
    fade_frames: u32,
    prev_start: usize,
    next_end: usize,
    placement: FadePlacement,
) -> (usize, usize) {
    let fade = fade_frames as usize;
    let before_room = (boundary - prev_start) / 2;
    let after_room = (next_end - boundary) / 2;
    match placement {
        FadePlacement::Centred => {
            let half = (fade / 2).min(before_room).min(after_room);
            (boundary - half, boundary + half)
        }
        FadePlacement::Causal => (boundary, boundary + fade.min(after_room)),
    }
}

/// The position of frame `f` in a fade window `[start, end)`, as the eased weight of the next
/// turn. Frames sit at their centres, so a centred window is symmetric about the boundary.
pub fn fade_weight(f: usize, (start, end): (usize, usize)) -> f32 {
    let t = (f as f32 + 0.5 - start as f32) / (end - start) as f32;
    cosine_ease(t)
}

/// Whether the brows must pass through neutral at a boundary: some brow channel changes by more
/// than `threshold`. The trigger is the change, not the level: two equal high values never fire.
pub fn needs_brow_pass_through(before: &[f32], after: &[f32], threshold: f32) -> bool {
    before
        .iter()
        .zip(after)
        .any(|(b, a)| (a - b).abs() > threshold)
}

/// A brow channel passing through neutral, at eased progress `t` of the fade window: the first
/// third eases `previous` down to 0, the middle third holds 0, the last third eases up to `next`.
pub fn brow_through_neutral(previous: f32, next: f32, t: f32) -> f32 {
    if t < 1.0 / 3.0 {
        previous * (1.0 - cosine_ease(3.0 * t))
    } else if t < 2.0 / 3.0 {
        0.0
    } else {
        next * cosine_ease(3.0 * t - 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vad(v: f32, a: f32, d: f32) -> Vad {
        Vad::from([v, a, d])
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn damping_matches_a_three_turn_example_worked_by_hand() {
        // gamma 0.3, beta 0.7; valence only (the other components follow the same equations).
        // turn 0: damped = 0.8                       mean = 0.8
        // turn 1: damped = 0.3*(-0.6) + 0.7*0.8 = 0.38      mean = 0.7*0.8 + 0.3*(-0.6) = 0.38
        // turn 2: damped = 0.3*0.9 + 0.7*0.38  = 0.536     mean = 0.7*0.38 + 0.3*0.9   = 0.536
        let raw = [
            vad(0.8, 0.1, 0.0),
            vad(-0.6, 0.5, -0.2),
            vad(0.9, -0.3, 0.4),
        ];
        let out = damp_turns(&raw, 0.3, 0.7);
        assert_eq!(out[0], raw[0]);
        assert!(close(out[1].valence, 0.38), "{}", out[1].valence);
        assert!(close(out[2].valence, 0.536), "{}", out[2].valence);
        // arousal: 0.1 -> 0.3*0.5 + 0.7*0.1 = 0.22; mean 0.7*0.1 + 0.3*0.5 = 0.22;
        //          -> 0.3*(-0.3) + 0.7*0.22 = 0.064
        assert!(close(out[1].arousal, 0.22) && close(out[2].arousal, 0.064));
        // Updating the mean before damping (the wrong order) would give 0.3*0.9 + 0.7*0.536.
        assert!(!close(out[2].valence, 0.3 * 0.9 + 0.7 * 0.536));
    }

    #[test]
    fn damping_leaves_the_first_turn_and_a_single_turn_alone() {
        let raw = [vad(0.5, 0.5, 0.5)];
        assert_eq!(damp_turns(&raw, 0.3, 0.7), raw);
        assert!(damp_turns(&[], 0.3, 0.7).is_empty());
        let two = [vad(0.5, 0.5, 0.5), vad(-0.5, 0.0, 0.0)];
        assert_eq!(damp_turns(&two, 0.3, 0.7)[0], two[0]);
        // gamma 1 is "no damping".
        assert_eq!(damp_turns(&two, 1.0, 0.7), two);
    }

    #[test]
    fn gaussian_has_the_configured_sigma() {
        // A unit step smoothed by a Gaussian of sigma s equals the normal CDF: at +-s from the
        // step it reads 0.8413 and 0.1587.
        let sigma = 30.0;
        let track: Vec<Vad> = (0..600)
            .map(|f| vad(if f >= 300 { 1.0 } else { 0.0 }, 0.0, 0.0))
            .collect();
        let out = gaussian_smooth(&track, sigma);
        // The step sits between frames 299 and 300, so +sigma is frame 299.5 + 30.
        let at = |f: f32| (out[f.floor() as usize].valence + out[f.ceil() as usize].valence) / 2.0;
        assert!((at(329.5) - 0.8413).abs() < 0.01, "{}", at(329.5));
        assert!((at(269.5) - 0.1587).abs() < 0.01, "{}", at(269.5));
        // Symmetric, constant at the ends, untouched with sigma 0.
        assert!((out[299].valence + out[300].valence - 1.0).abs() < 1e-5);
        assert!(close(out[0].valence, 0.0) && close(out[599].valence, 1.0));
        assert_eq!(gaussian_smooth(&track, 0.0), track);
    }

    #[test]
    fn crossfade_has_its_length_and_cosine_shape() {
        let window = fade_window(1000, 96, 0, 2000, FadePlacement::Centred);
        assert_eq!(window, (952, 1048));
        let weights: Vec<f32> = (window.0..window.1)
            .map(|f| fade_weight(f, window))
            .collect();
        assert_eq!(weights.len(), 96);
        // Cosine shape: w(t) = (1 - cos(pi t)) / 2 at the frame centres, symmetric about 0.5.
        for (i, w) in weights.iter().enumerate() {
            let t = (i as f32 + 0.5) / 96.0;
            assert!(close(*w, 0.5 - 0.5 * (std::f32::consts::PI * t).cos()));
            assert!(close(*w + weights[95 - i], 1.0));
        }
        assert!(weights[0] < 0.001 && weights[95] > 0.999);
        assert!(weights.windows(2).all(|p| p[1] > p[0]));
        // Causal: starts at the boundary. Short neighbours shrink the window.
        assert_eq!(
            fade_window(1000, 96, 0, 2000, FadePlacement::Causal),
            (1000, 1096)
        );
        assert_eq!(
            fade_window(1000, 96, 980, 2000, FadePlacement::Centred),
            (990, 1010)
        );
        assert_eq!(
            fade_window(1000, 96, 0, 1030, FadePlacement::Causal),
            (1000, 1015)
        );
        assert_eq!(
            fade_window(1000, 0, 0, 2000, FadePlacement::Centred),
            (1000, 1000)
        );
    }

    #[test]
    fn brow_pass_through_fires_on_the_delta_not_the_magnitude() {
        assert!(needs_brow_pass_through(&[0.1, 0.0], &[0.6, 0.0], 0.40)); // delta 0.5
        assert!(!needs_brow_pass_through(&[0.85, 0.9], &[0.85, 0.9], 0.40)); // equal and high
        assert!(!needs_brow_pass_through(&[0.9, 0.7], &[0.6, 0.9], 0.40)); // high, small deltas
        assert!(!needs_brow_pass_through(&[0.5], &[0.9], 0.40)); // 0.40 is not above 0.40
                                                                 // previous -> 0 -> hold -> 0 -> next.
        assert!(close(brow_through_neutral(0.8, 0.6, 0.0), 0.8));
        assert!(close(brow_through_neutral(0.8, 0.6, 1.0 / 3.0 - 1e-4), 0.0));
        assert_eq!(brow_through_neutral(0.8, 0.6, 0.5), 0.0);
        assert!(close(brow_through_neutral(0.8, 0.6, 1.0), 0.6));
    }
}
