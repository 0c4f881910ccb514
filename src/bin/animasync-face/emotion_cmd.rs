//! `animasync-face emotion` (classify a line) and `emotion-eval` (accuracy on a labelled set).
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use animasync_face::{EmotionGuess, EmotionTaxonomy, LexiconClassifier, Result, TextClassifier};
use serde::Deserialize;

/// The built-in lexicon classifier, or an ONNX classifier in the slot.
pub enum Classifier {
    Lexicon,
    Model(Box<TextClassifier>),
}

impl Classifier {
    /// The lexicon, or the ONNX classifier a manifest describes (its `model` and `vocab` files
    /// are read next to it).
    pub fn load(manifest: Option<&Path>) -> std::result::Result<Classifier, String> {
        let Some(path) = manifest else {
            return Ok(Classifier::Lexicon);
        };
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
        let text = String::from_utf8(read(path)?)
            .map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
        let parsed = animasync_face::TextClassifierManifest::from_json(&text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let file = |name: &Option<String>, field: &str| {
            name.as_ref().map(|n| dir.join(n)).ok_or_else(|| {
                format!("{}: the manifest names no \"{field}\" file (the CLI reads it next to the manifest)", path.display())
            })
        };
        let model = read(&file(&parsed.model, "model")?)?;
        let vocab_path = file(&parsed.vocab, "vocab")?;
        let vocab = String::from_utf8(read(&vocab_path)?)
            .map_err(|_| format!("{} is not UTF-8 text", vocab_path.display()))?;
        let classifier = TextClassifier::new(&model, &text, &vocab)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Classifier::Model(Box::new(classifier)))
    }

    pub fn classify(&self, text: &str, previous: Option<&str>) -> Result<EmotionGuess> {
        match self {
            Classifier::Lexicon => LexiconClassifier::builtin().classify(text, previous),
            Classifier::Model(model) => model.classify(text, previous),
        }
    }

    fn describe(&self) -> String {
        match self {
            Classifier::Lexicon => "lexicon and rules".into(),
            Classifier::Model(model) => format!("ONNX classifier \"{}\"", model.manifest().name),
        }
    }
}

/// `{"emotion", "level", "vad", "confidence", "scores"}` for one line.
pub fn classify(
    classifier: &Classifier,
    text: &str,
    previous: Option<&str>,
) -> std::result::Result<String, String> {
    let guess = classifier
        .classify(text, previous)
        .map_err(|e| e.to_string())?;
    Ok(serde_json::to_string(&guess.report()).expect("plain data serialises") + "\n")
}

/// One labelled line of an evaluation set (JSON Lines).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labelled {
    text: String,
    emotion: String,
    level: u8,
    #[serde(default)]
    previous: Option<String>,
}

/// Accuracy, family accuracy, level error and a confusion table per file, as Markdown.
pub fn evaluate(
    classifier: &Classifier,
    files: &[PathBuf],
    context: bool,
) -> std::result::Result<String, String> {
    let taxonomy = EmotionTaxonomy::builtin();
    let ids: Vec<&str> = taxonomy.emotions().iter().map(|e| e.id.as_str()).collect();
    let family = |id: &str| taxonomy.get(id).map(|e| e.family.clone());
    let mut out = String::new();
    for path in files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut confusion = vec![vec![0usize; ids.len()]; ids.len()];
        let (mut n, mut exact, mut same_family, mut level_error) = (0usize, 0usize, 0usize, 0usize);
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let place = format!("{}:{}", path.display(), i + 1);
            let item: Labelled = serde_json::from_str(line).map_err(|e| format!("{place}: {e}"))?;
            let (truth, _) = taxonomy
                .require(&place, &item.emotion)
                .map_err(|e| e.to_string())?;
            if !(1..=5).contains(&item.level) {
                return Err(format!("{place}: level {} is not 1..5", item.level));
            }
            let previous = item.previous.as_deref().filter(|_| context);
            let guess = classifier
                .classify(&item.text, previous)
                .map_err(|e| format!("{place}: {e}"))?;
            let predicted = taxonomy.index_of(&guess.emotion).expect("a taxonomy id");
            confusion[truth][predicted] += 1;
            n += 1;
            if predicted == truth {
                exact += 1;
                level_error += usize::from(guess.level.abs_diff(item.level));
            }
            if family(&guess.emotion) == family(&item.emotion) {
                same_family += 1;
            }
        }
        if n == 0 {
            return Err(format!("{}: no labelled lines", path.display()));
        }
        let pct = |k: usize| 100.0 * k as f64 / n as f64;
        // Precision of the answers that name an emotion: how often "not neutral" is right.
        let neutral = taxonomy.index_of("neutral").expect("neutral is built in");
        let named: usize = (0..ids.len())
            .filter(|&p| p != neutral)
            .map(|p| confusion.iter().map(|row| row[p]).sum::<usize>())
            .sum();
        let named_right: usize = (0..ids.len())
            .filter(|&t| t != neutral)
            .map(|t| confusion[t][t])
            .sum();
        let _ = writeln!(
            out,
            "### {} ({n} lines, {}{})\n\nexact {:.1}% · same family {:.1}% · chance {:.1}% · level error {:.2} (mean |level - label| on the {exact} right) · when it names an emotion other than neutral it is right {:.1}% ({named_right} of {named})\n",
            path.display(),
            classifier.describe(),
            if context { ", previous line used" } else { ", previous line ignored" },
            pct(exact),
            pct(same_family),
            100.0 / ids.len() as f64,
            if exact > 0 { level_error as f64 / exact as f64 } else { 0.0 },
            if named > 0 { 100.0 * named_right as f64 / named as f64 } else { 0.0 },
        );
        // The shortest prefix (at least 4 letters) that no other id shares: contentment and
        // contempt become "conten" and "contem".
        let short = |id: &str| {
            (4..=id.len())
                .map(|n| &id[..n])
                .find(|p| ids.iter().filter(|other| other.starts_with(p)).count() == 1)
                .unwrap_or(id)
                .to_string()
        };
        let _ = writeln!(
            out,
            "| label \\ said | {} | recall |",
            ids.iter()
                .map(|id| short(id))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(out, "|---|{}---:|", "---:|".repeat(ids.len()));
        for (t, row) in confusion.iter().enumerate() {
            let total: usize = row.iter().sum();
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(p, &c)| match (c, p == t) {
                    (0, _) => "·".to_string(),
                    (c, true) => format!("**{c}**"),
                    (c, false) => c.to_string(),
                })
                .collect();
            let recall = if total > 0 {
                100.0 * row[t] as f64 / total as f64
            } else {
                0.0
            };
            let _ = writeln!(out, "| {} | {} | {recall:.0}% |", ids[t], cells.join(" | "));
        }
        out.push('\n');
    }
    Ok(out)
}
