use std::path::PathBuf;
use std::process::ExitCode;

use animasync_face::{
    ChannelTable, CompileMode, EmotionTaxonomy, ExpressionCompiler, FaceError, Intensity,
    PresetLibrary, Vad,
};
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
            let owned;
            let library = match &args.presets {
                None => PresetLibrary::builtin(),
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    owned = PresetLibrary::from_json(&text)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    &owned
                }
            };
            let intensity = match (args.level, args.vad) {
                (Some(level), _) => Intensity::Level(level),
                (None, Some(vad)) => Intensity::Vad(vad),
                (None, None) => unreachable!("clap requires --level or --vad"),
            };
            let weights = ExpressionCompiler::new(library)
                .compile(&args.emotion, intensity, args.mode)
                .map_err(|e| e.to_string())?;
            let names: Vec<&str> = ChannelTable::builtin().names().collect();
            let out = serde_json::json!({ "names": names, "weights": weights.to_vec() });
            Ok(out.to_string() + "\n")
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
