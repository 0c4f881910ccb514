//! The built-in lip-sync network, run by our own code: no ONNX runtime, so the module a visitor
//! downloads first stays small (docs/benchmarks.md, "Where the bytes go"), and the same code
//! runs natively and in the browser.
//!
//! The architecture is the one training/train.py trains and exports (its ONNX graph computes
//! the same, and `tests/audio.rs` holds the two to 1e-4 on the built-in models):
//!
//! ```text
//! x      = (window - mean) * inv_std                       [frames * width]
//! level  = mean(x);  peak' = max(level, peak - release)    (the second state)
//! flat   = [x - level, level, level - peak']
//! enc    = relu(flat · enc_w + enc_b)
//! GRU    : z, r = σ(enc · W_zr + b_zr + h · R_zr)
//!          n = tanh(enc · W_n + b_n + (r ⊙ h) · R_n)
//!          h' = (1 - z) ⊙ n + z ⊙ h                       (the first state)
//! lips   = σ(relu(h' · head_w + head_b) · out_w + out_b)   [channels]
//! seal   = σ(gain · (mlp₃(flat) + shift))                  (the p/b/m detector)
//! out    = max(lips, seal · (lips · pick_jaw) · close_col) ⊙ (1 - seal · raisers)
//! ```
//!
//! Weights come in a safetensors file (`make model` writes it beside the ONNX export): each
//! matrix `NAME_q` int8 `[inputs, outputs]` with a float scale per column `NAME_scale`,
//! dequantised once at load. Inputs and outputs are those of the ONNX graph, so one manifest
//! describes both files: `[1, frames, width]` features, `[1, hidden]` and `[1, 1]` state in;
//! `[1, channels]` weights and the two states out.

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::base::error::{FaceError, Result};
use crate::base::graph::{check_inputs, stored_output, Graph};

/// Whether `bytes` look like a safetensors file (an 8-byte little-endian header length of a
/// plausible size, then the header's JSON object) rather than an ONNX protobuf, whose first byte
/// is a field tag. A file cut short still counts, so that its error says what is wrong with it.
pub fn is_safetensors(bytes: &[u8]) -> bool {
    let Some((length, rest)) = bytes.split_first_chunk::<8>() else {
        return false;
    };
    let header = u64::from_le_bytes(*length);
    rest.first() == Some(&b'{') && (2..=MAX_HEADER_BYTES).contains(&header)
}

/// The largest header [`is_safetensors`] accepts: the built-in networks' are about 3 kB.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// The most weights one layer may hold once padded to whole blocks: four times the largest
/// built-in layer's (402 x 256), so a file cannot ask for more memory than a real network needs
/// (a few bytes of int8 shape would otherwise make a huge float buffer and abort the module).
const MAX_LAYER_WEIGHTS: usize = 1 << 20;

/// A dense layer, `y = x · w + b`, its weights dequantised once at load (exactly the ONNX
/// graph's Cast then Mul) and stored in blocks of [`BLOCK`] outputs: block `j` holds, for each
/// input `k` in order, the weights from `k` to outputs `16 j .. 16 j + 16` (zeros past the last
/// output). A block's sixteen sums then stay in registers while the inputs stream past, each
/// input broadcast once; an input that is 0 (half of them after a ReLU) is skipped.
#[derive(Debug, Clone)]
struct Dense {
    inputs: usize,
    outputs: usize,
    blocks: Vec<f32>,
    bias: Vec<f32>,
}

/// Outputs per block of a [`Dense`] layer: four wasm SIMD vectors of four floats.
const BLOCK: usize = 16;

impl Dense {
    fn apply(&self, x: &[f32], y: &mut [f32]) {
        let blocks = self.blocks.chunks_exact(self.inputs * BLOCK);
        for ((block, y), bias) in blocks.zip(y.chunks_mut(BLOCK)).zip(self.bias.chunks(BLOCK)) {
            let sums = block_sums(x, block);
            for ((y, sum), b) in y.iter_mut().zip(sums).zip(bias) {
                *y = sum + b;
            }
        }
    }
}

/// One block's sixteen sums `Σ_k x[k] w[k][l]`, in input order (every build computes the same
/// sums bit for bit). Natively the compiler vectorises the sixteen lanes (the release profile is
/// opt-level 3).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn block_sums(x: &[f32], block: &[f32]) -> [f32; BLOCK] {
    let mut acc = [0.0f32; BLOCK];
    for (&xk, w) in x.iter().zip(block.chunks_exact(BLOCK)) {
        if xk == 0.0 {
            continue;
        }
        for l in 0..BLOCK {
            acc[l] += xk * w[l];
        }
    }
    acc
}

/// The same in wasm SIMD, written out: the package's module is optimised for size (opt-level
/// "z"), at which the compiler does not vectorise loops, and this is where inference spends its
/// time (docs/benchmarks.md).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn block_sums(x: &[f32], block: &[f32]) -> [f32; BLOCK] {
    use core::arch::wasm32::*;
    let zero = f32x4_splat(0.0);
    let (mut a0, mut a1, mut a2, mut a3) = (zero, zero, zero, zero);
    for (&xk, w) in x.iter().zip(block.chunks_exact(BLOCK)) {
        if xk == 0.0 {
            continue;
        }
        let xs = f32x4_splat(xk);
        // SAFETY: each chunk holds 16 f32 (64 bytes), so the four 16-byte loads at 0, 4, 8 and
        // 12 floats from its start are in bounds; v128_load needs no alignment.
        let w = |k: usize| unsafe { v128_load(w.as_ptr().add(4 * k).cast()) };
        a0 = f32x4_add(a0, f32x4_mul(xs, w(0)));
        a1 = f32x4_add(a1, f32x4_mul(xs, w(1)));
        a2 = f32x4_add(a2, f32x4_mul(xs, w(2)));
        a3 = f32x4_add(a3, f32x4_mul(xs, w(3)));
    }
    let mut out = [0.0f32; BLOCK];
    for (k, a) in [a0, a1, a2, a3].into_iter().enumerate() {
        // SAFETY: out holds 16 f32; the store at 4 k floats writes 4 of them; no alignment needed.
        unsafe { v128_store(out.as_mut_ptr().add(4 * k).cast(), a) };
    }
    out
}

/// A float dot product (the jaw pick, a few values).
fn dot(x: &[f32], w: &[f32]) -> f32 {
    x.iter().zip(w).map(|(a, b)| a * b).sum()
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The tensors of one file, read by name with their shapes checked.
struct Tensors<'a> {
    file: SafeTensors<'a>,
}

impl<'a> Tensors<'a> {
    fn get(&self, name: &str) -> Result<TensorView<'a>> {
        self.file.tensor(name).map_err(|_| {
            net_error(format!(
                "has no tensor \"{name}\" (is it a built-in lip-sync network written by \
                 `make model`?)"
            ))
        })
    }

    /// A float tensor of exactly `shape`.
    fn floats(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let view = self.get(name)?;
        check_tensor(name, &view, Dtype::F32, shape)?;
        Ok(view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// One float, stored as a scalar or a single-element tensor.
    fn scalar(&self, name: &str) -> Result<f32> {
        let view = self.get(name)?;
        let shape = if view.shape().is_empty() {
            &[][..]
        } else {
            &[1][..]
        };
        Ok(self.floats(name, shape)?[0])
    }

    /// An int8 matrix `NAME_q` `[inputs, outputs]` with its per-column `NAME_scale`, plus an
    /// optional bias, as a [`Dense`] layer.
    fn dense(&self, name: &str, inputs: usize, bias: Option<&str>) -> Result<Dense> {
        let q_name = format!("{name}_q");
        let q = self.get(&q_name)?;
        let outputs = match q.shape() {
            [k, n] if *k == inputs && *n > 0 => *n,
            shape => {
                return Err(net_error(format!(
                    "tensor \"{q_name}\" has shape {shape:?}; expected [{inputs}, outputs]"
                )))
            }
        };
        check_tensor(&q_name, &q, Dtype::I8, &[inputs, outputs])?;
        let scale = self.floats(&format!("{name}_scale"), &[outputs])?;
        let data = q.data();
        let size = (outputs.div_ceil(BLOCK) * BLOCK)
            .checked_mul(inputs)
            .filter(|&n| n <= MAX_LAYER_WEIGHTS)
            .ok_or_else(|| {
                net_error(format!(
                    "layer \"{name}\" is {inputs} x {outputs}: more than the {MAX_LAYER_WEIGHTS} \
                     weights a layer may hold"
                ))
            })?;
        let mut blocks = vec![0.0f32; size];
        for k in 0..inputs {
            for n in 0..outputs {
                let at = (n / BLOCK * inputs + k) * BLOCK + n % BLOCK;
                // Exactly the ONNX graph's Cast then Mul.
                blocks[at] = f32::from(data[k * outputs + n] as i8) * scale[n];
            }
        }
        let bias = match bias {
            Some(b) => self.floats(b, &[outputs])?,
            None => vec![0.0; outputs],
        };
        if let Some(i) = blocks.iter().chain(&bias).position(|v| !v.is_finite()) {
            return Err(net_error(format!(
                "layer \"{name}\" has a non-finite weight or bias (value {i})"
            )));
        }
        Ok(Dense {
            inputs,
            outputs,
            blocks,
            bias,
        })
    }
}

fn check_tensor(name: &str, view: &TensorView, dtype: Dtype, shape: &[usize]) -> Result<()> {
    if view.dtype() != dtype || view.shape() != shape {
        return Err(net_error(format!(
            "tensor \"{name}\" is {:?} {:?}; expected {dtype:?} {shape:?}",
            view.dtype(),
            view.shape()
        )));
    }
    Ok(())
}

fn net_error(message: String) -> FaceError {
    FaceError::Model(format!("the lip-sync network {message}"))
}

/// The built-in lip-sync network, loaded (see the module doc).
#[derive(Debug, Clone)]
pub struct GruNet {
    width: usize,
    mean: Vec<f32>,
    inv_std: Vec<f32>,
    release: f32,
    enc: Dense,
    /// The GRU's input projection, `[z | r | n]`.
    gru_in: Dense,
    /// The GRU's recurrent projections of the state for `[z | r]`, and of `r ⊙ h` for `n`.
    gru_zr: Dense,
    gru_n: Dense,
    head: Dense,
    out: Dense,
    detector: [Dense; 3],
    seal_gain: f32,
    seal_shift: f32,
    pick_jaw: Vec<f32>,
    close_col: Vec<f32>,
    raisers: Vec<f32>,
    input_shapes: Vec<Vec<usize>>,
    output_shapes: Vec<Vec<usize>>,
    /// The last run's outputs: weights, GRU state, peak state (empty after a failed run).
    outputs: Vec<Vec<f32>>,
    /// Intermediate values, kept to run without allocating.
    flat: Vec<f32>,
    scratch: Scratch,
}

#[derive(Debug, Clone, Default)]
struct Scratch {
    enc: Vec<f32>,
    gates_in: Vec<f32>,
    gates_h: Vec<f32>,
    reset_state: Vec<f32>,
    candidate: Vec<f32>,
    head: Vec<f32>,
    lips: Vec<f32>,
    det: [Vec<f32>; 3],
}

impl GruNet {
    /// Loads the network from its safetensors bytes; every tensor's presence, type and shape is
    /// checked, so a wrong file is an error here, never a panic later.
    pub fn from_bytes(bytes: &[u8]) -> Result<GruNet> {
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| net_error(format!("file cannot be read as safetensors: {e}")))?;
        let t = Tensors { file };
        let width = match t.get("mean")?.shape() {
            [1, 1, w] if *w > 0 => *w,
            shape => {
                return Err(net_error(format!(
                    "tensor \"mean\" has shape {shape:?}; expected [1, 1, width]"
                )))
            }
        };
        let mean = t.floats("mean", &[1, 1, width])?;
        let inv_std = t.floats("inv_std", &[1, 1, width])?;
        let enc_inputs = match t.get("enc_w_q")?.shape() {
            [k, _] if *k > 2 && (*k - 2) % width == 0 => *k,
            shape => {
                return Err(net_error(format!(
                "tensor \"enc_w_q\" has shape {shape:?}; expected [frames * {width} + 2, encoder]"
            )))
            }
        };
        let frames = (enc_inputs - 2) / width;
        let enc = t.dense("enc_w", enc_inputs, Some("enc_b"))?;
        let gru_in = t.dense("gru_w", enc.outputs, Some("gru_b"))?;
        if gru_in.outputs % 3 != 0 {
            return Err(net_error(format!(
                "tensor \"gru_w_q\" has {} columns; expected 3 x hidden",
                gru_in.outputs
            )));
        }
        let hidden = gru_in.outputs / 3;
        let gru_zr = t.dense("gru_r_zr", hidden, None)?;
        let gru_n = t.dense("gru_r_n", hidden, None)?;
        for (name, layer, want) in [
            ("gru_r_zr", &gru_zr, 2 * hidden),
            ("gru_r_n", &gru_n, hidden),
        ] {
            if layer.outputs != want {
                return Err(net_error(format!(
                    "tensor \"{name}_q\" has {} columns; expected {want}",
                    layer.outputs
                )));
            }
        }
        let head = t.dense("head_w", hidden, Some("head_b"))?;
        let out = t.dense("out_w", head.outputs, Some("out_b"))?;
        let channels = out.outputs;
        let det1 = t.dense("det_w1", enc_inputs, Some("det_b1"))?;
        let det2 = t.dense("det_w2", det1.outputs, Some("det_b2"))?;
        let det3 = t.dense("det_w3", det2.outputs, Some("det_b3"))?;
        if det3.outputs != 1 {
            return Err(net_error(format!(
                "tensor \"det_w3_q\" has {} columns; expected 1 (the p/b/m logit)",
                det3.outputs
            )));
        }
        let scalars =
            ["release", "seal_gain", "seal_shift"].map(|name| t.scalar(name).map(|v| (name, v)));
        let mut values = [0.0f32; 3];
        for (slot, found) in values.iter_mut().zip(scalars) {
            let (name, value) = found?;
            if !value.is_finite() {
                return Err(net_error(format!("scalar \"{name}\" is {value}")));
            }
            *slot = value;
        }
        let [release, seal_gain, seal_shift] = values;
        let pick_jaw = t.floats("pick_jaw", &[channels, 1])?;
        let close_col = t.floats("close_col", &[1, channels])?;
        let raisers = t.floats("raisers", &[1, channels])?;
        let scratch = Scratch {
            enc: vec![0.0; enc.outputs],
            gates_in: vec![0.0; 3 * hidden],
            gates_h: vec![0.0; 2 * hidden],
            reset_state: vec![0.0; hidden],
            candidate: vec![0.0; hidden],
            head: vec![0.0; head.outputs],
            lips: vec![0.0; channels],
            det: [
                vec![0.0; det1.outputs],
                vec![0.0; det2.outputs],
                vec![0.0; 1],
            ],
        };
        Ok(GruNet {
            width,
            mean,
            inv_std,
            release,
            enc,
            gru_in,
            gru_zr,
            gru_n,
            head,
            out,
            detector: [det1, det2, det3],
            seal_gain,
            seal_shift,
            pick_jaw,
            close_col,
            raisers,
            input_shapes: vec![vec![1, frames, width], vec![1, hidden], vec![1, 1]],
            output_shapes: vec![vec![1, channels], vec![1, hidden], vec![1, 1]],
            outputs: Vec::new(),
            flat: vec![0.0; enc_inputs],
            scratch,
        })
    }
}

impl Graph for GruNet {
    fn input_shapes(&self) -> &[Vec<usize>] {
        &self.input_shapes
    }

    fn output_shapes(&self) -> &[Vec<usize>] {
        &self.output_shapes
    }

    fn infer(&mut self, inputs: &[&[f32]]) -> Result<()> {
        // Taken first: a failed run leaves no outputs.
        let mut outputs = std::mem::take(&mut self.outputs);
        check_inputs(&self.input_shapes, inputs)?;
        outputs.resize_with(3, Vec::new);
        let (window, state, peak) = (inputs[0], inputs[1], inputs[2][0]);
        let s = &mut self.scratch;

        // Normalise, then split the window into its shape and its level (relative to the peak).
        let n = window.len();
        let features = &mut self.flat[..n];
        for (i, (f, x)) in features.iter_mut().zip(window).enumerate() {
            let m = i % self.width;
            *f = (x - self.mean[m]) * self.inv_std[m];
        }
        let level = features.iter().sum::<f32>() / n as f32;
        features.iter_mut().for_each(|f| *f -= level);
        let new_peak = level.max(peak - self.release);
        self.flat[n] = level;
        self.flat[n + 1] = level - new_peak;

        self.enc.apply(&self.flat, &mut s.enc);
        s.enc.iter_mut().for_each(|v| *v = v.max(0.0));

        // The GRU step.
        let hidden = state.len();
        self.gru_in.apply(&s.enc, &mut s.gates_in);
        self.gru_zr.apply(state, &mut s.gates_h);
        let (x_zr, x_n) = s.gates_in.split_at(2 * hidden);
        for i in 0..hidden {
            let r = sigmoid(x_zr[hidden + i] + s.gates_h[hidden + i]);
            s.reset_state[i] = r * state[i];
        }
        self.gru_n.apply(&s.reset_state, &mut s.candidate);
        let new_state = &mut outputs[1];
        new_state.clear();
        for i in 0..hidden {
            let z = sigmoid(x_zr[i] + s.gates_h[i]);
            let candidate = (x_n[i] + s.candidate[i]).tanh();
            new_state.push((1.0 - z) * candidate + z * state[i]);
        }

        self.head.apply(new_state, &mut s.head);
        s.head.iter_mut().for_each(|v| *v = v.max(0.0));
        self.out.apply(&s.head, &mut s.lips);
        s.lips.iter_mut().for_each(|v| *v = sigmoid(*v));

        // The p/b/m detector seals the lips: closes them by the jaw's opening, holds the raisers.
        let [d1, d2, d3] = &self.detector;
        let [h1, h2, logit] = &mut s.det;
        d1.apply(&self.flat, h1);
        h1.iter_mut().for_each(|v| *v = v.max(0.0));
        d2.apply(h1, h2);
        h2.iter_mut().for_each(|v| *v = v.max(0.0));
        d3.apply(h2, logit);
        let seal = sigmoid((logit[0] + self.seal_shift) * self.seal_gain);
        let jaw = dot(&s.lips, &self.pick_jaw);
        let weights = &mut outputs[0];
        weights.clear();
        weights.extend(
            s.lips
                .iter()
                .zip(&self.close_col)
                .zip(&self.raisers)
                .map(|((lip, close), raiser)| lip.max(seal * jaw * close) * (1.0 - seal * raiser)),
        );
        outputs[2].clear();
        outputs[2].push(new_peak);
        self.outputs = outputs;
        Ok(())
    }

    fn output(&self, i: usize) -> Result<&[f32]> {
        stored_output(&self.outputs, i, self.output_shapes.len())
    }
}
