//! `animasync-face render`: scenario files (or a directory of them) -> frames on disk, in JSON,
//! CSV or NPY (+ a JSON sidecar). Native-only: file I/O, WAV decoding and threads live here, the
//! rendering itself is the library's.

use std::path::{Path, PathBuf};

use std::io::Write;

use animasync_face::audio::features::extract_clip;
use animasync_face::audio::resample::resample_clip;
use animasync_face::lipsync::OwnedLipSyncSource;
use animasync_face::{
    render, ChannelTable, Latency, LipSync, ModelLipSync, ModelManifest, Pcm, PresetLibrary,
    RenderOptions, Rendered, Scenario, SmoothingParams, TemporalParams, TurnSpan, Vad, FPS,
};
use npyz::WriterBuilder;

/// What drives the lips, owning a model read from disk.
pub type Lips = OwnedLipSyncSource;
use rayon::prelude::*;
use serde::Serialize;

/// What to render with: everything but the scenario.
pub struct RenderSetup {
    pub library: PresetLibrary,
    pub options: RenderOptions,
    /// The smoothing set's name, or "custom" when values were overridden.
    pub smoothing_name: String,
    /// What drives the lips.
    pub lips: Lips,
}

impl RenderSetup {
    /// A fresh lip sync for one render (each parallel render gets its own).
    fn lipsync(&self) -> Result<Box<dyn LipSync>, String> {
        self.lips
            .source()
            .build(TemporalParams::builtin())
            .map_err(|e| e.to_string())
    }
}

/// Reads `--model` and `--manifest` (both or neither) and picks what drives the lips by the
/// library's rule ([`OwnedLipSyncSource::choose`]): the model read, the fallback (`fallback`), or
/// the built-in model for `latency`, `default` when not given (playback for `lipsync` and
/// `render`, which read whole files).
pub fn load_lips(
    model: &Option<PathBuf>,
    manifest: &Option<PathBuf>,
    fallback: bool,
    latency: Option<Latency>,
    default: Latency,
) -> Result<Lips, String> {
    let files = match (model, manifest) {
        (None, None) => None,
        (Some(model), Some(manifest)) => {
            let bytes = std::fs::read(model)
                .map_err(|e| format!("cannot read {}: {e}", model.display()))?;
            let text = std::fs::read_to_string(manifest)
                .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
            Some((bytes, text))
        }
        _ => return Err("--model and --manifest go together".into()),
    };
    let lips = Lips::choose(files, fallback, latency, default).map_err(|e| e.to_string())?;
    if let (Lips::Model(bytes, text), Some(model), Some(manifest)) = (&lips, model, manifest) {
        // Fail now, with the file names, rather than once per scenario.
        ModelLipSync::new(bytes, text)
            .map_err(|e| format!("{} + {}: {e}", model.display(), manifest.display()))?;
    }
    Ok(lips)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Npy,
}

impl Format {
    pub fn from_path(path: &Path) -> Result<Format, String> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some("npy") => Ok(Format::Npy),
            _ => Err(format!(
                "{}: the output must end in .json, .csv or .npy",
                path.display()
            )),
        }
    }

    pub fn extension(&self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Npy => "npy",
        }
    }
}

/// Decodes a WAV file to mono f32 (channels averaged; integer formats scaled to [-1, 1]).
pub fn read_wav(path: &Path) -> Result<Pcm, String> {
    animasync_face::audio::wav::read_wav(path).map_err(|e| e.to_string())
}

/// Renders one scenario file; audio paths resolve against the scenario's directory.
pub fn render_file(path: &Path, setup: &RenderSetup) -> Result<(Scenario, Rendered), String> {
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let scenario = Scenario::from_json(&text).map_err(|e| at(&e))?;
    let rendered = render_scenario(&scenario, path.parent().unwrap_or(Path::new(".")), setup)
        .map_err(|e| at(&e))?;
    Ok((scenario, rendered))
}

/// Renders `scenario`, reading its audio relative to `dir`.
pub fn render_scenario(
    scenario: &Scenario,
    dir: &Path,
    setup: &RenderSetup,
) -> Result<Rendered, String> {
    let audio = scenario
        .turns
        .iter()
        .map(|t| t.audio.as_ref().map(|a| read_wav(&dir.join(a))).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let mut lipsync = setup.lipsync()?;
    render(
        scenario,
        &audio,
        &setup.library,
        &setup.options,
        TemporalParams::builtin(),
        lipsync.as_mut(),
    )
    .map_err(|e| e.to_string())
}

/// Everything written about a render. Serialised straight from the `f32`s (not through
/// `serde_json::Value`, which would widen them), so weights print in their shortest form.
#[derive(Serialize)]
struct Document<'a> {
    id: &'a str,
    fps: u32,
    names: Vec<&'a str>,
    regime: &'static str,
    frame_count: usize,
    turns: &'a [TurnSpan],
    smoothing: SmoothingSummary<'a>,
    seed: u64,
    causal: bool,
    lipsync: &'a str,
    /// The built-in model's latency ("live" or "playback"); null for `--model` and `--fallback`.
    latency: Option<&'static str>,
    vad: &'a [Vad],
    #[serde(skip_serializing_if = "Option::is_none")]
    frames: Option<Vec<&'a [f32]>>,
}

#[derive(Serialize)]
struct SmoothingSummary<'a> {
    name: &'a str,
    #[serde(flatten)]
    values: &'a SmoothingParams,
}

fn document<'a>(
    scenario: &'a Scenario,
    r: &'a Rendered,
    setup: &'a RenderSetup,
    frames: bool,
) -> Document<'a> {
    Document {
        id: &scenario.id,
        fps: FPS,
        names: ChannelTable::builtin().names().collect(),
        regime: r.regime.as_str(),
        frame_count: r.frames.len(),
        turns: &r.turns,
        smoothing: SmoothingSummary {
            name: &setup.smoothing_name,
            values: &setup.options.smoothing,
        },
        seed: setup.options.seed,
        causal: setup.options.causal,
        lipsync: &r.lipsync,
        latency: setup.lips.source().latency().map(Latency::as_str),
        vad: &r.vad,
        frames: frames.then(|| r.frames.iter().map(|f| &f[..]).collect()),
    }
}

fn write_json(path: &Path, document: &Document) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut out, document).map_err(|e| fail(&e))?;
    out.write_all(b"\n")
        .and_then(|_| out.flush())
        .map_err(|e| fail(&e))
}

/// `OUT.npy` -> `OUT.npy.json`: the sidecar can never overwrite a JSON render beside it.
pub fn sidecar_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

/// Writes `r` to `out` in `format`. CSV and NPY carry only the frames (CSV: a `time` column and
/// the 52 names), so both get a sidecar `OUT.csv.json` / `OUT.npy.json` with the metadata
/// (regime, turns, smoothing, seed, VAD track).
pub fn write(
    out: &Path,
    format: Format,
    scenario: &Scenario,
    r: &Rendered,
    setup: &RenderSetup,
) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", out.display());
    match format {
        Format::Json => write_json(out, &document(scenario, r, setup, true)),
        Format::Csv => {
            let names: Vec<&str> = ChannelTable::builtin().names().collect();
            let mut text = format!("time,{}\n", names.join(","));
            for (f, frame) in r.frames.iter().enumerate() {
                let time = f as f64 / f64::from(FPS);
                let values: Vec<String> = frame.iter().map(|w| w.to_string()).collect();
                text.push_str(&format!("{time:.4},{}\n", values.join(",")));
            }
            std::fs::write(out, text).map_err(|e| fail(&e))?;
            write_json(&sidecar_path(out), &document(scenario, r, setup, false))
        }
        Format::Npy => {
            let file = std::fs::File::create(out).map_err(|e| fail(&e))?;
            let mut writer = npyz::WriteOptions::<f32>::new()
                .default_dtype()
                .shape(&[r.frames.len() as u64, 52])
                .writer(std::io::BufWriter::new(file))
                .begin_nd()
                .map_err(|e| fail(&e))?;
            writer
                .extend(r.frames.iter().flat_map(|f| f.iter().copied()))
                .map_err(|e| fail(&e))?;
            writer.finish().map_err(|e| fail(&e))?;
            write_json(&sidecar_path(out), &document(scenario, r, setup, false))
        }
    }
}

/// `render INPUT --out OUT`: one file, or every `*.json` of a directory in parallel.
pub fn run(
    input: &Path,
    out: &Path,
    dir_format: Option<Format>,
    setup: &RenderSetup,
) -> Result<String, String> {
    if input.is_dir() {
        let format = dir_format.unwrap_or(Format::Json);
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!("{}: no scenario (*.json) files", input.display()));
        }
        std::fs::create_dir_all(out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let results: Vec<Result<usize, String>> = files
            .par_iter()
            .map(|file| {
                let (scenario, rendered) = render_file(file, setup)?;
                let stem = file.file_stem().unwrap_or_default();
                let target = out.join(stem).with_extension(format.extension());
                write(&target, format, &scenario, &rendered, setup)?;
                Ok(rendered.frames.len())
            })
            .collect();
        let frames = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(format!(
            "rendered {} scenarios ({} frames) into {}",
            frames.len(),
            frames.iter().sum::<usize>(),
            out.display()
        ))
    } else {
        if dir_format.is_some() {
            return Err("--format is for directories; a file's format comes from --out".into());
        }
        let format = Format::from_path(out)?;
        let (scenario, rendered) = render_file(input, setup)?;
        write(out, format, &scenario, &rendered, setup)?;
        Ok(format!(
            "rendered {} frames into {}",
            rendered.frames.len(),
            out.display()
        ))
    }
}

/// `lipsync IN.wav --out OUT`: a one-turn monologue holding `emotion` at `level` over the audio.
pub fn lipsync(
    input: &Path,
    out: &Path,
    emotion: &str,
    level: f32,
    setup: &RenderSetup,
) -> Result<String, String> {
    let format = Format::from_path(out)?;
    let name = input
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: not a file name", input.display()))?;
    let id = input.file_stem().and_then(|n| n.to_str()).unwrap_or("clip");
    let text = serde_json::json!({
        "id": id, "regime": "monologue",
        "turns": [{"emotion": emotion, "level": level, "audio": name}],
    });
    let scenario = Scenario::from_json(&text.to_string()).map_err(|e| e.to_string())?;
    let rendered = render_scenario(&scenario, input.parent().unwrap_or(Path::new(".")), setup)?;
    write(out, format, &scenario, &rendered, setup)?;
    let latency = match setup.lips.source().latency() {
        Some(latency) => format!(" ({latency})"),
        None => String::new(),
    };
    Ok(format!(
        "lip-synced {} frames with \"{}\"{latency} into {}",
        rendered.frames.len(),
        rendered.lipsync,
        out.display()
    ))
}

/// `features IN.wav --manifest M.json --out F.npy`: the model's input features, float32
/// `(frames, width)`, computed by the same code the runtime uses.
pub fn features(input: &Path, manifest: &Path, out: &Path) -> Result<String, String> {
    if Format::from_path(out)? != Format::Npy {
        return Err(format!("{}: features are written as .npy", out.display()));
    }
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let manifest = ModelManifest::from_json(&text).map_err(|e| e.to_string())?;
    let pcm = read_wav(input)?;
    let rate = manifest.input.sample_rate();
    let samples =
        resample_clip(pcm.samples(), pcm.sample_rate(), rate).map_err(|e| e.to_string())?;
    let values = extract_clip(&manifest.input, &samples).map_err(|e| e.to_string())?;
    let width = manifest.input.width();
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", out.display());
    let file = std::fs::File::create(out).map_err(|e| fail(&e))?;
    let mut writer = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&[(values.len() / width) as u64, width as u64])
        .writer(std::io::BufWriter::new(file))
        .begin_nd()
        .map_err(|e| fail(&e))?;
    writer
        .extend(values.iter().copied())
        .map_err(|e| fail(&e))?;
    writer.finish().map_err(|e| fail(&e))?;
    Ok(format!(
        "wrote {} feature frames of {width} into {}",
        values.len() / width,
        out.display()
    ))
}
