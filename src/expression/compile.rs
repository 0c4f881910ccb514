//! The expression compiler: emotion + intensity (a level or a VAD point) -> 52 weights.
//!
//! # Expressive mode (the default)
//!
//! The VAD point only chooses the intensity *within* the emotion's own authored presets; it never
//! blends across emotions. With the emotion's authored levels k (anchors `a_k`, presets `P_k`):
//!
//! ```text
//! phi_k(p) = exp(-|p - a_k|^2 / (2 sigma^2)),   w_k(p) = phi_k(p) / sum_j phi_j(p),   sigma = 0.35
//! out(p)   = clamp(sum_k w_k(p) Q_k, 0, 1)
//! ```
//!
//! **Exact at the anchors.** Adjacent anchors overlap (0.4 apart, a neighbour keeps about a third
//! of the weight), so the plain blend `B(p) = sum_k w_k(p) P_k` would blur every authored face.
//! The residual it leaves at each anchor, `R_i = P_i - B(a_i)`, is interpolated with plain
//! (unnormalised) Gaussian kernels of the same sigma: solve `K C = R` with `K[i][j] = phi_j(a_i)`,
//! then `out(p) = clamp(B(p) + sum_k phi_k(p) C_k)`. At an anchor this is exactly `P_k` (to
//! rounding); between anchors it is smooth; far from every anchor the correction fades and the
//! output is the spec's plain normalised blend, dominated by the nearest authored preset (so a
//! VAD point pulled away by damping never comes out weaker than the nearest level). A channel
//! that is zero in all of an emotion's presets stays exactly zero.
//!
//! A level (continuous in [1, 5]) is first mapped to a VAD point along the emotion's level anchors
//! (piecewise linear), so integer authored levels give their presets exactly.
//!
//! # Other modes (never the default)
//!
//! - `archetype`: normalised RBF over every preset of every emotion, the target's family boosted.
//! - `parametric`: closed-form rules from the rectified VAD components (`data/compiler.json`).
//! - `overlay-e`: expressive, then for emotions of the listed families (joy and surprise) the
//!   valence-carrying mouth channels are mixed with the parametric value.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::base::channels::{ChannelTable, Weights, CHANNEL_COUNT};
use crate::base::emotion::{Emotion, EmotionTaxonomy, Vad};
use crate::base::error::{FaceError, Result};
use crate::base::json;
use crate::expression::presets::{PresetLibrary, AUTHORED_LEVELS};

/// Which compile rule to use. `Expressive` is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompileMode {
    #[default]
    Expressive,
    Archetype,
    Parametric,
    OverlayE,
}

impl CompileMode {
    pub const ALL: [CompileMode; 4] = [
        CompileMode::Expressive,
        CompileMode::Archetype,
        CompileMode::Parametric,
        CompileMode::OverlayE,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            CompileMode::Expressive => "expressive",
            CompileMode::Archetype => "archetype",
            CompileMode::Parametric => "parametric",
            CompileMode::OverlayE => "overlay-e",
        }
    }
}

impl fmt::Display for CompileMode {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CompileMode {
    type Err = FaceError;
    fn from_str(s: &str) -> Result<Self> {
        CompileMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| FaceError::UnknownMode(s.to_string()))
    }
}

/// How strongly to express an emotion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Intensity {
    /// A level in [1, 5]; fractional levels lie between the level anchors.
    Level(f32),
    /// A point in VAD space, each component in [-1, 1].
    Vad(Vad),
}

impl Intensity {
    /// The VAD point this intensity stands for, validated, for `emotion`.
    pub fn resolve(&self, emotion: &Emotion) -> Result<Vad> {
        match *self {
            Intensity::Level(level) => emotion.vad_at_level(level),
            Intensity::Vad(p) => Vad::new(p.valence, p.arousal, p.dominance),
        }
    }
}

/// A compile request as the JS API (`compileExpression`) takes it: an emotion with exactly one
/// of a level or a VAD point, and a mode by name (default expressive). Outside data, so
/// [`CompileRequest::resolve`] checks all of it; `fuzz/fuzz_targets/compile_request.rs` reads it
/// from JSON.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CompileRequest {
    pub emotion: String,
    #[serde(default)]
    pub level: Option<f32>,
    #[serde(default)]
    pub vad: Option<[f32; 3]>,
    #[serde(default)]
    pub mode: Option<String>,
}

impl CompileRequest {
    /// The field names, for strict readers that refuse unknown keys.
    pub const FIELDS: [&'static str; 4] = ["emotion", "level", "vad", "mode"];

    /// The intensity and mode asked for, validated (the emotion is checked by the compile).
    pub fn resolve(&self) -> Result<(Intensity, CompileMode)> {
        let intensity = match (self.level, self.vad) {
            (Some(level), None) => Intensity::Level(level),
            (None, Some([v, a, d])) => Intensity::Vad(Vad::new(v, a, d)?),
            _ => {
                return Err(FaceError::InvalidData {
                    place: "invalid compile request".into(),
                    message: "give exactly one of `level` or `vad`".into(),
                })
            }
        };
        let mode = match self.mode.as_deref() {
            None => CompileMode::default(),
            Some(m) => m.parse()?,
        };
        Ok((intensity, mode))
    }

    /// The 52 weights this request asks `compiler` for.
    pub fn compile(&self, compiler: &ExpressionCompiler) -> Result<Weights> {
        let (intensity, mode) = self.resolve()?;
        compiler.compile(&self.emotion, intensity, mode)
    }
}

/// Most authored levels an emotion can have (L1, L3, L5): the size of the expressive system.
const MAX_AUTHORED: usize = AUTHORED_LEVELS.len();

/// Rectified VAD terms of a parametric rule, in coefficient order after the bias.
const TERMS: [&str; 6] = ["v+", "v-", "a+", "a-", "d+", "d-"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamsDocument {
    schema: String,
    version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    sigma: f64,
    archetype: ArchetypeDocument,
    parametric: Vec<RuleDocument>,
    overlay_e: OverlayDocument,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchetypeDocument {
    family_boost: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDocument {
    channels: Vec<String>,
    #[serde(default)]
    bias: f64,
    terms: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayDocument {
    families: Vec<String>,
    channels: Vec<String>,
    mix: f64,
}

/// Parameters of the compile modes, read from `data/compiler.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompilerParams {
    /// RBF width in VAD units (0.35).
    pub sigma: f64,
    /// Kernel multiplier for presets of the target's family in archetype mode.
    pub family_boost: f64,
    /// Per channel: bias, then one coefficient per rectified term (see `TERMS`).
    parametric: [[f64; 7]; CHANNEL_COUNT],
    overlay_families: Vec<String>,
    overlay_channels: Vec<usize>,
    overlay_mix: f64,
}

const PARAMS_SCHEMA: &str = "animasync-face/compiler";
const PARAMS_VERSION: u32 = 1;

impl CompilerParams {
    pub fn builtin() -> &'static CompilerParams {
        static PARAMS: OnceLock<CompilerParams> = OnceLock::new();
        PARAMS.get_or_init(|| {
            CompilerParams::from_json(include_str!("../../data/compiler.json"))
                .expect("data/compiler.json is valid (checked by the tests)")
        })
    }

    pub fn from_json(text: &str) -> Result<Self> {
        const DOC: &str = "compiler";
        let doc: ParamsDocument = json::parse(DOC, text)?;
        json::check_schema(
            DOC,
            (PARAMS_SCHEMA, PARAMS_VERSION),
            (&doc.schema, doc.version),
        )?;
        let invalid = |place: &str, message: String| FaceError::InvalidData {
            place: place.to_string(),
            message,
        };
        if !(doc.sigma.is_finite() && doc.sigma > 0.0) {
            return Err(invalid("sigma", "must be a positive number".into()));
        }
        let boost = doc.archetype.family_boost;
        if !(boost.is_finite() && boost >= 1.0) {
            return Err(invalid(
                "archetype.family_boost",
                "must be a number >= 1".into(),
            ));
        }
        let channels = ChannelTable::builtin();
        let mut parametric = [[0.0; 7]; CHANNEL_COUNT];
        let mut ruled = [false; CHANNEL_COUNT];
        for (r, rule) in doc.parametric.iter().enumerate() {
            let place = format!("parametric[{r}]");
            let mut coefficients = [0.0; 7];
            coefficients[0] = rule.bias;
            for (term, &value) in &rule.terms {
                let t = TERMS.iter().position(|t| t == term).ok_or_else(|| {
                    invalid(
                        &place,
                        format!("unknown term \"{term}\" (expected one of {TERMS:?})"),
                    )
                })?;
                coefficients[t + 1] = value;
            }
            if coefficients.iter().any(|c| !c.is_finite() || c.abs() > 4.0) {
                return Err(invalid(
                    &place,
                    "coefficients must be numbers in [-4, 4]".into(),
                ));
            }
            for (i, name) in rule.channels.iter().enumerate() {
                let c = channels.require(&format!("{place}.channels[{i}]"), name)?;
                if std::mem::replace(&mut ruled[c], true) {
                    return Err(FaceError::DuplicateKey {
                        place: "parametric".into(),
                        key: name.clone(),
                    });
                }
                parametric[c] = coefficients;
            }
        }
        let taxonomy = EmotionTaxonomy::builtin();
        for (i, family) in doc.overlay_e.families.iter().enumerate() {
            let (_, e) = taxonomy.require(&format!("overlay_e.families[{i}]"), family)?;
            if !e.is_base() {
                return Err(invalid(
                    &format!("overlay_e.families[{i}]"),
                    format!("\"{family}\" is not a base emotion"),
                ));
            }
        }
        let overlay_channels = doc
            .overlay_e
            .channels
            .iter()
            .enumerate()
            .map(|(i, n)| channels.require(&format!("overlay_e.channels[{i}]"), n))
            .collect::<Result<Vec<_>>>()?;
        if !(0.0..=1.0).contains(&doc.overlay_e.mix) {
            return Err(invalid(
                "overlay_e.mix",
                "must be a number in [0, 1]".into(),
            ));
        }
        Ok(CompilerParams {
            sigma: doc.sigma,
            family_boost: boost,
            parametric,
            overlay_families: doc.overlay_e.families,
            overlay_channels,
            overlay_mix: doc.overlay_e.mix,
        })
    }
}

/// Compiles emotions against one preset library.
#[derive(Debug, Clone, Copy)]
pub struct ExpressionCompiler<'a> {
    library: &'a PresetLibrary,
    params: &'a CompilerParams,
}

impl<'a> ExpressionCompiler<'a> {
    /// A compiler over `library` with the built-in parameters.
    pub fn new(library: &'a PresetLibrary) -> Self {
        Self::with_params(library, CompilerParams::builtin())
    }

    pub fn with_params(library: &'a PresetLibrary, params: &'a CompilerParams) -> Self {
        ExpressionCompiler { library, params }
    }

    /// The 52 weights of `emotion` at `intensity`, every one finite and in [0, 1].
    pub fn compile(
        &self,
        emotion: &str,
        intensity: Intensity,
        mode: CompileMode,
    ) -> Result<Weights> {
        let taxonomy = EmotionTaxonomy::builtin();
        let (index, target) = taxonomy.require("compile", emotion)?;
        let p = intensity.resolve(target)?;
        match mode {
            CompileMode::Expressive => self.expressive(index, p),
            CompileMode::Archetype => self.archetype(target, p),
            CompileMode::Parametric => Ok(self.parametric(p)),
            CompileMode::OverlayE => {
                let mut out = self.expressive(index, p)?;
                if self.params.overlay_families.contains(&target.family) {
                    let overlay = self.parametric(p);
                    let mix = self.params.overlay_mix as f32;
                    for &c in &self.params.overlay_channels {
                        out[c] = unit(f64::from((1.0 - mix) * out[c] + mix * overlay[c]));
                    }
                }
                Ok(out)
            }
        }
    }

    /// Writes the normalised Gaussian weights of `anchors` at `p` into `out` (each kernel scaled
    /// by `gain(k)`). Distances are shifted by the nearest one first, so far points never
    /// underflow to 0/0.
    fn rbf_weights(&self, p: &Vad, anchors: &[Vad], gain: impl Fn(usize) -> f64, out: &mut [f64]) {
        let two_sigma_sq = 2.0 * self.params.sigma * self.params.sigma;
        for (o, a) in out.iter_mut().zip(anchors) {
            *o = p.distance_sq(a);
        }
        let nearest = out.iter().copied().fold(f64::INFINITY, f64::min);
        for (k, o) in out.iter_mut().enumerate() {
            *o = gain(k) * (-(*o - nearest) / two_sigma_sq).exp();
        }
        let total: f64 = out.iter().sum();
        for o in out.iter_mut() {
            *o /= total;
        }
    }

    /// The default mode; allocation-free (it runs per frame).
    fn expressive(&self, emotion: usize, p: Vad) -> Result<Weights> {
        let target = &EmotionTaxonomy::builtin().emotions()[emotion];
        let mut anchors = [p; MAX_AUTHORED];
        let mut presets = [[0.0f64; CHANNEL_COUNT]; MAX_AUTHORED];
        let mut n = 0;
        for (level, preset) in self.library.levels_of(emotion) {
            anchors[n] = target.vad[usize::from(level) - 1];
            presets[n] = preset.map(f64::from);
            n += 1;
        }
        if n == 0 {
            return Err(FaceError::NoPresets(target.id.clone()));
        }
        let (anchors, presets) = (&anchors[..n], &presets[..n]);
        let blend = |at: &Vad| -> [f64; CHANNEL_COUNT] {
            let mut w = [0.0f64; MAX_AUTHORED];
            self.rbf_weights(at, anchors, |_| 1.0, &mut w[..n]);
            std::array::from_fn(|c| (0..n).map(|k| w[k] * presets[k][c]).sum())
        };
        // The residual each anchor's own blend leaves, spread by plain (unnormalised) kernels:
        // solve K C = R with K[i][j] = phi_j(a_i) and R_i = P_i - blend(a_i).
        let mut kernel = [[0.0f64; MAX_AUTHORED]; MAX_AUTHORED];
        let mut residual = [[0.0f64; CHANNEL_COUNT]; MAX_AUTHORED];
        for i in 0..n {
            for (j, a) in anchors.iter().enumerate() {
                kernel[i][j] = self.kernel(&anchors[i], a);
            }
            let own = blend(&anchors[i]);
            residual[i] = std::array::from_fn(|c| presets[i][c] - own[c]);
        }
        solve_in_place(&mut kernel[..n], &mut residual[..n]).ok_or_else(|| {
            FaceError::InvalidData {
                place: format!("emotions.{}", target.id),
                message: "the level anchors are too close to tell apart".into(),
            }
        })?;
        let base = blend(&p);
        let phi: [f64; MAX_AUTHORED] = std::array::from_fn(|k| {
            if k < n {
                self.kernel(&p, &anchors[k])
            } else {
                0.0
            }
        });
        let mut out = [0.0f32; CHANNEL_COUNT];
        for (c, o) in out.iter_mut().enumerate() {
            *o = unit(base[c] + (0..n).map(|k| phi[k] * residual[k][c]).sum::<f64>());
        }
        Ok(out)
    }

    /// The plain Gaussian kernel `exp(-|p - a|^2 / (2 sigma^2))`.
    fn kernel(&self, p: &Vad, a: &Vad) -> f64 {
        (-p.distance_sq(a) / (2.0 * self.params.sigma * self.params.sigma)).exp()
    }

    fn archetype(&self, target: &Emotion, p: Vad) -> Result<Weights> {
        let emotions = EmotionTaxonomy::builtin().emotions();
        let entries: Vec<(usize, u8, &Weights)> = self.library.iter().collect();
        if entries.is_empty() {
            return Err(FaceError::NoPresets(target.id.clone()));
        }
        let anchors: Vec<Vad> = entries
            .iter()
            .map(|&(e, level, _)| emotions[e].vad[usize::from(level) - 1])
            .collect();
        let mut w = vec![0.0; entries.len()];
        let boost = |k: usize| {
            if emotions[entries[k].0].family == target.family {
                self.params.family_boost
            } else {
                1.0
            }
        };
        self.rbf_weights(&p, &anchors, boost, &mut w);
        let mut out = [0.0f32; CHANNEL_COUNT];
        for (c, o) in out.iter_mut().enumerate() {
            let value: f64 = entries
                .iter()
                .zip(&w)
                .map(|((_, _, preset), wk)| wk * f64::from(preset[c]))
                .sum();
            *o = unit(value);
        }
        Ok(out)
    }

    fn parametric(&self, p: Vad) -> Weights {
        let rect = |x: f32| [f64::from(x.max(0.0)), f64::from((-x).max(0.0))];
        let [vp, vn] = rect(p.valence);
        let [ap, an] = rect(p.arousal);
        let [dp, dn] = rect(p.dominance);
        let features = [1.0, vp, vn, ap, an, dp, dn];
        let mut out = [0.0f32; CHANNEL_COUNT];
        for (o, coefficients) in out.iter_mut().zip(&self.params.parametric) {
            let value: f64 = coefficients.iter().zip(features).map(|(c, f)| c * f).sum();
            *o = unit(value);
        }
        out
    }
}

/// Clamps to [0, 1] as f32, writing -0.0 as 0.0 (it would print as "-0.0" in JSON).
fn unit(x: f64) -> f32 {
    let v = (x as f32).clamp(0.0, 1.0);
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// Solves `a x = b` for the columns of `b` by Gauss-Jordan elimination with partial pivoting, in
/// place (`b` becomes `x`). `None` if `a` is (numerically) singular.
fn solve_in_place(a: &mut [[f64; MAX_AUTHORED]], b: &mut [[f64; CHANNEL_COUNT]]) -> Option<()> {
    let n = a.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (a_pivot, b_pivot) = (a[col], b[col]);
        for row in (0..n).filter(|&r| r != col) {
            let factor = a[row][col] / a_pivot[col];
            for (x, p) in a[row].iter_mut().zip(&a_pivot) {
                *x -= factor * p;
            }
            // A zero right-hand side stays exactly zero: unused channels never leak.
            for (x, p) in b[row].iter_mut().zip(&b_pivot) {
                *x -= factor * p;
            }
        }
    }
    // `a` is now diagonal.
    for (i, x) in b.iter_mut().enumerate() {
        let d = a[i][i];
        for v in x.iter_mut() {
            *v /= d;
        }
    }
    Some(())
}
