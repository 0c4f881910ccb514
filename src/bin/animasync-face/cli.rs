use std::path::PathBuf;
use std::process::ExitCode;

use animasync_face::{
    ChannelTable, CompileMode, EmotionTaxonomy, ExpressionCompiler, FaceError, Intensity, Latency,
    PresetLibrary, RenderOptions, SmoothingChoice, SmoothingSet, TemporalParams, Vad,
};

use crate::bench;
use crate::emotion_cmd;
use crate::render_cmd::{self, Format, RenderSetup};
use crate::soak;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "animasync-face",
    version,
    about = "Voice + emotion -> 52 ARKit blendshapes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the built-in preset library (canonical JSON).
    Presets,
    /// Print the channel table (names, groups, classes, mirrors) as JSON.
    Channels,
    /// Print the emotion taxonomy (families, display names, VAD anchors) as JSON.
    Emotions,
    /// Compile an emotion at a level or VAD point into the 52 weights.
    Compile(CompileArgs),
    /// Render a scenario (or every scenario of a directory, in parallel) into 30 fps frames.
    Render(RenderArgs),
    /// Lip-sync a WAV file (with a model, or the fallback) into 30 fps frames.
    Lipsync(LipsyncArgs),
    /// Write a model's input features for a WAV file (what training must read).
    Features(FeaturesArgs),
    /// Time the offline renderer on a synthetic monologue.
    Bench(BenchArgs),
    /// Time a lip-sync model in tract and the whole streaming pipeline with it.
    BenchModel(BenchModelArgs),
    /// Stream a long stretch of speech through the engine in random chunks with emotion
    /// changes; report memory, timing and frame drift per minute (docs/robustness.md).
    Soak(SoakArgs),
    /// Guess the emotion of a line about to be spoken (English or Korean) with the built-in
    /// trained classifier (or --lexicon, --classifier): prints
    /// {"emotion", "level", "vad": [v, a, d], "confidence", "scores": {...}}.
    Emotion(EmotionArgs),
    /// Accuracy of the text -> emotion classifier on labelled JSON Lines files, with 95%
    /// intervals and, for a trained classifier, the lexicon on the same lines, as Markdown.
    EmotionEval(EmotionEvalArgs),
}

#[derive(Args)]
struct EmotionArgs {
    /// The line.
    text: String,
    /// The same speaker's previous line, for context.
    #[arg(long)]
    previous: Option<String>,
    /// A text classifier manifest (its "model" and "vocab" files beside it): use that ONNX
    /// classifier instead of the built-in one.
    #[arg(long, value_name = "MANIFEST", conflicts_with = "lexicon")]
    classifier: Option<PathBuf>,
    /// Use the lexicon-and-rules classifier (no model) instead of the built-in trained one.
    #[arg(long)]
    lexicon: bool,
}

#[derive(Args)]
struct EmotionEvalArgs {
    /// JSON Lines files of {"text", "emotion", "level", "previous"?} (e.g. data/text/eval/en.jsonl).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Ignore the "previous" lines.
    #[arg(long)]
    no_context: bool,
    /// A text classifier manifest: evaluate that ONNX classifier instead of the built-in one.
    #[arg(long, value_name = "MANIFEST", conflicts_with = "lexicon")]
    classifier: Option<PathBuf>,
    /// Evaluate the lexicon-and-rules classifier instead of the built-in trained one.
    #[arg(long)]
    lexicon: bool,
    /// Fail unless every file meets these, e.g. exact=55,family=65,valence=85,above-lexicon
    /// (percentages; above-lexicon: the paired intervals of exact and same-family accuracy
    /// against the lexicon exclude 0). The report is printed either way.
    #[arg(long, value_name = "TARGETS")]
    require: Option<emotion_cmd::Requirements>,
    /// Print only the summary table (one row per file: the figures with their intervals and,
    /// for a trained classifier, the lexicon's and the paired differences).
    #[arg(long)]
    summary: bool,
}

#[derive(Args)]
struct RenderArgs {
    /// A scenario JSON file, or a directory of them.
    input: PathBuf,
    /// Output file (.json, .csv or .npy), or a directory when INPUT is a directory.
    #[arg(long)]
    out: PathBuf,
    /// Output format when INPUT is a directory: json (default), csv or npy.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    #[command(flatten)]
    flags: RenderFlags,
}

#[derive(Args)]
struct LipsyncArgs {
    /// A WAV file (any rate from 8 to 96 kHz, any channel count).
    input: PathBuf,
    /// Output file: .json (the same layout as render), .csv or .npy.
    #[arg(long)]
    out: PathBuf,
    /// Emotion held while speaking.
    #[arg(long, default_value = "neutral")]
    emotion: String,
    /// Its level in [1, 5].
    #[arg(long, default_value_t = 1.0)]
    level: f32,
    #[command(flatten)]
    flags: RenderFlags,
}

#[derive(Args)]
struct FeaturesArgs {
    /// A WAV file (any rate from 8 to 96 kHz, any channel count).
    input: PathBuf,
    /// The model manifest whose `input` says which features.
    #[arg(long)]
    manifest: PathBuf,
    /// Output .npy: float32, (frames, width).
    #[arg(long)]
    out: PathBuf,
}

/// Options shared by `render` and `lipsync`.
#[derive(Args)]
struct RenderFlags {
    /// Smoothing set: current, middle or none.
    #[arg(long, default_value = "current", value_parser = parse_set)]
    smoothing: SmoothingSet,
    /// Override the set's damping gamma, in (0, 1].
    #[arg(long)]
    gamma: Option<f32>,
    /// Override the set's running-mean beta, in [0, 1).
    #[arg(long)]
    beta: Option<f32>,
    /// Override the set's Gaussian sigma, in frames.
    #[arg(long)]
    sigma: Option<f32>,
    /// Override the set's crossfade length, in frames.
    #[arg(long)]
    fade: Option<u32>,
    /// Seed of the eye motion.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Render as a live stream would: causal crossfades, no Gaussian smoothing.
    #[arg(long)]
    causal: bool,
    /// A preset library JSON file (default: the built-in library).
    #[arg(long)]
    presets: Option<PathBuf>,
    /// An ONNX lip-sync model (with --manifest, which states its look-ahead); default: the
    /// built-in model for --latency.
    #[arg(long, conflicts_with = "fallback")]
    model: Option<PathBuf>,
    /// The model's manifest JSON.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Lip-sync with the signal-processing fallback instead of a model.
    #[arg(long)]
    fallback: bool,
    /// Which built-in model: playback (default; up to about 250 ms of look-ahead, for audio
    /// that is all there) or live (the microphone's, at most 40 ms). Not with --model or
    /// --fallback.
    #[arg(long, value_parser = parse_latency, value_name = "live|playback")]
    latency: Option<Latency>,
}

impl RenderFlags {
    fn setup(&self) -> Result<RenderSetup, String> {
        let choice = SmoothingChoice {
            set: self.smoothing,
            gamma: self.gamma,
            beta: self.beta,
            sigma_frames: self.sigma,
            fade_frames: self.fade,
        };
        let smoothing = choice
            .resolve(TemporalParams::builtin())
            .map_err(|e| e.to_string())?;
        Ok(RenderSetup {
            library: load_library(&self.presets)?,
            options: RenderOptions {
                smoothing,
                seed: self.seed,
                causal: self.causal,
                eye_motion: true,
            },
            smoothing_name: choice.name().into(),
            lips: render_cmd::load_lips(
                &self.model,
                &self.manifest,
                self.fallback,
                self.latency,
                Latency::OFFLINE,
            )?,
        })
    }
}

#[derive(Args)]
struct BenchArgs {
    /// Length of the synthetic monologue.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

#[derive(Args)]
struct BenchModelArgs {
    /// The ONNX model (with --manifest); default: the built-in model for --latency.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Its manifest.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Which built-in model: live (default: the streaming pipeline is timed) or playback. Not
    /// with --model.
    #[arg(long, value_parser = parse_latency, value_name = "live|playback")]
    latency: Option<Latency>,
    /// Seconds of synthetic speech pushed through the engine.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Timed runs (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

#[derive(Args)]
struct SoakArgs {
    /// Speech WAV files, looped in random order at random gains with random pauses.
    #[arg(long = "wav", required = true, value_name = "WAV")]
    wavs: Vec<PathBuf>,
    /// Minutes of audio streamed (the run is made twice, to compare the frames).
    #[arg(long, default_value_t = 60.0)]
    minutes: f64,
    /// Seed of the chunk sizes, gains, pauses, emotion changes and eye motion.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Rate of the audio pushed (a microphone's 48 kHz by default).
    #[arg(long, default_value_t = 48_000)]
    sample_rate: u32,
    /// Which built-in model: live (default, the microphone's) or playback.
    #[arg(long, value_parser = parse_latency, value_name = "live|playback")]
    latency: Option<Latency>,
    /// The signal fallback instead of a model.
    #[arg(long)]
    fallback: bool,
}

fn parse_latency(text: &str) -> Result<Latency, String> {
    text.parse().map_err(|e: FaceError| e.to_string())
}

fn parse_set(text: &str) -> Result<SmoothingSet, String> {
    text.parse().map_err(|e: FaceError| e.to_string())
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::from_path(&PathBuf::from(format!("x.{text}")))
        .map_err(|_| format!("unknown format \"{text}\" (json, csv or npy)"))
}

fn load_library(path: &Option<PathBuf>) -> Result<PresetLibrary, String> {
    match path {
        None => Ok(PresetLibrary::builtin().clone()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            PresetLibrary::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
        }
    }
}

#[derive(Args)]
#[command(group = clap::ArgGroup::new("intensity").required(true).args(["level", "vad"]))]
struct CompileArgs {
    /// Emotion label, e.g. joy (see `animasync-face emotions`).
    #[arg(long)]
    emotion: String,
    /// Intensity level in [1, 5]; fractions lie between the level anchors.
    #[arg(long)]
    level: Option<f32>,
    /// Valence,arousal,dominance, each in [-1, 1], e.g. --vad=-0.5,0.6,0.2
    #[arg(long, value_parser = parse_vad, allow_hyphen_values = true)]
    vad: Option<Vad>,
    /// A preset library JSON file (default: the built-in library).
    #[arg(long)]
    presets: Option<PathBuf>,
    /// expressive (default), archetype, parametric or overlay-e.
    #[arg(long, default_value = "expressive", value_parser = parse_mode)]
    mode: CompileMode,
}

fn parse_vad(text: &str) -> Result<Vad, String> {
    let parts: Vec<&str> = text.split(',').collect();
    let numbers = parts
        .iter()
        .map(|p| p.trim().parse::<f32>())
        .collect::<Result<Vec<_>, _>>();
    match numbers.as_deref() {
        Ok([v, a, d]) => Vad::new(*v, *a, *d).map_err(|e| e.to_string()),
        _ => Err(format!(
            "\"{text}\" is not three comma-separated numbers V,A,D"
        )),
    }
}

fn parse_mode(text: &str) -> Result<CompileMode, String> {
    text.parse().map_err(|e: FaceError| e.to_string())
}

fn run(cli: Cli) -> Result<String, String> {
    let pretty = |value: &serde_json::Value| {
        serde_json::to_string_pretty(value).expect("JSON values always serialise") + "\n"
    };
    match cli.command {
        Command::Presets => Ok(PresetLibrary::builtin().to_json()),
        Command::Channels => Ok(pretty(&ChannelTable::builtin().to_json_value())),
        Command::Emotions => Ok(pretty(&EmotionTaxonomy::builtin().to_json_value())),
        Command::Compile(args) => {
            let library = load_library(&args.presets)?;
            let intensity = match (args.level, args.vad) {
                (Some(level), _) => Intensity::Level(level),
                (None, Some(vad)) => Intensity::Vad(vad),
                (None, None) => unreachable!("clap requires --level or --vad"),
            };
            let weights = ExpressionCompiler::new(&library)
                .compile(&args.emotion, intensity, args.mode)
                .map_err(|e| e.to_string())?;
            let names: Vec<&str> = ChannelTable::builtin().names().collect();
            // Serialised from the f32s directly, so weights print in their shortest form.
            #[derive(serde::Serialize)]
            struct Compiled<'a> {
                names: Vec<&'a str>,
                weights: &'a [f32],
            }
            let out = serde_json::to_string(&Compiled {
                names,
                weights: &weights,
            })
            .expect("plain data serialises");
            Ok(out + "\n")
        }
        Command::Render(args) => {
            let setup = args.flags.setup()?;
            let summary = render_cmd::run(&args.input, &args.out, args.format, &setup)?;
            eprintln!("{summary}");
            Ok(String::new())
        }
        Command::Lipsync(args) => {
            let setup = args.flags.setup()?;
            let summary =
                render_cmd::lipsync(&args.input, &args.out, &args.emotion, args.level, &setup)?;
            eprintln!("{summary}");
            Ok(String::new())
        }
        Command::Features(args) => {
            let summary = render_cmd::features(&args.input, &args.manifest, &args.out)?;
            eprintln!("{summary}");
            Ok(String::new())
        }
        Command::Bench(args) => bench::run(args.minutes, args.runs),
        Command::BenchModel(args) => {
            // The streaming pipeline is timed: live unless asked otherwise.
            let lips = render_cmd::load_lips(
                &args.model,
                &args.manifest,
                false,
                args.latency,
                Latency::STREAMING,
            )?;
            bench::run_model(&lips, args.seconds, args.runs)
        }
        Command::Soak(args) => {
            let lips = render_cmd::load_lips(
                &None,
                &None,
                args.fallback,
                args.latency,
                Latency::STREAMING,
            )?;
            soak::run(&lips, &args.wavs, args.minutes, args.seed, args.sample_rate)
        }
        Command::Emotion(args) => emotion_cmd::classify(
            &emotion_cmd::Classifier::load(args.lexicon, args.classifier.as_deref())?,
            &args.text,
            args.previous.as_deref(),
        ),
        Command::EmotionEval(args) => {
            let (report, missed) = emotion_cmd::evaluate(
                &emotion_cmd::Classifier::load(args.lexicon, args.classifier.as_deref())?,
                &args.files,
                !args.no_context,
                &args.require.unwrap_or_default(),
                args.summary,
            )?;
            if missed.is_empty() {
                Ok(report)
            } else {
                print!("{report}");
                Err(format!("targets not met: {}", missed.join("; ")))
            }
        }
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let first = match e.kind() {
                // clap answers a bare `animasync-face` with the whole help text.
                clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    "error: a subcommand is required: presets, channels, emotions or compile"
                }
                _ => rendered
                    .lines()
                    .next()
                    .unwrap_or("error: invalid arguments"),
            };
            eprintln!("{first} (see --help)");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
