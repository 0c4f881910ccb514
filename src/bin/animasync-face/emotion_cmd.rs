//! `animasync-face emotion` (classify a line) and `emotion-eval` (accuracy on a labelled set).
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use animasync_face::text::classifier::CLEAR_VALENCE;
use animasync_face::{EmotionGuess, EmotionTaxonomy, LexiconClassifier, Result, TextClassifier};
use serde::Deserialize;

// The default classifier, built into the binary (not into the WebAssembly library: the browser
// fetches it on demand, see pkg/index.js). models/text-emotion/MODEL_CARD.md describes it.
const BUILTIN_MODEL: &[u8] = include_bytes!("../../../models/text-emotion/classifier.onnx");
const BUILTIN_MANIFEST: &str = include_str!("../../../models/text-emotion/classifier.json");
const BUILTIN_VOCAB: &str = include_str!("../../../models/text-emotion/vocab.txt");

/// The built-in lexicon classifier, or an ONNX classifier in the slot.
pub enum Classifier {
    Lexicon,
    Model(Box<TextClassifier>),
}

impl Classifier {
    /// The rules (`lexicon`), the ONNX classifier a manifest describes (its `model` and `vocab`
    /// files are read next to it), or by default the built-in trained classifier.
    pub fn load(lexicon: bool, manifest: Option<&Path>) -> std::result::Result<Classifier, String> {
        if lexicon {
            return Ok(Classifier::Lexicon);
        }
        let Some(path) = manifest else {
            let builtin = TextClassifier::new(BUILTIN_MODEL, BUILTIN_MANIFEST, BUILTIN_VOCAB)
                .map_err(|e| format!("the built-in text classifier: {e}"))?;
            return Ok(Classifier::Model(Box::new(builtin)));
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

/// Bootstrap resamples for the 95% intervals, and their seed (the output is reproducible).
const RESAMPLES: usize = 10_000;
const SEED: u64 = 21;

/// What `--require` asks of every file: figures in percent, and `above_lexicon`: the paired
/// intervals of exact and same-family accuracy against the lexicon exclude 0.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Requirements {
    exact: Option<f64>,
    family: Option<f64>,
    valence: Option<f64>,
    above_lexicon: bool,
}

impl std::str::FromStr for Requirements {
    type Err = String;

    /// `exact=55,family=65,valence=85,above-lexicon`.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let mut r = Requirements::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            if item == "above-lexicon" {
                r.above_lexicon = true;
                continue;
            }
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?}: expected NAME=PERCENT or above-lexicon"))?;
            let value: f64 = value
                .parse()
                .ok()
                .filter(|v: &f64| (0.0..=100.0).contains(v))
                .ok_or_else(|| format!("{item:?}: the value must be a percentage in [0, 100]"))?;
            match key {
                "exact" => r.exact = Some(value),
                "family" => r.family = Some(value),
                "valence" => r.valence = Some(value),
                other => {
                    return Err(format!(
                        "{other:?}: the figures are exact, family and valence"
                    ))
                }
            }
        }
        Ok(r)
    }
}

/// One line's outcome: right emotion, right family, right valence sign (`None`: the label has
/// no clear sign).
#[derive(Debug, Clone, Copy)]
struct Outcome {
    exact: bool,
    family: bool,
    sign: Option<bool>,
}

/// The three rates of a set of outcomes, in percent (valence sign: of the lines with a clear sign).
fn rates(outcomes: &[Outcome], pick: impl Iterator<Item = usize> + Clone) -> [f64; 3] {
    let n = pick.clone().count().max(1) as f64;
    let exact = pick.clone().filter(|&i| outcomes[i].exact).count() as f64;
    let family = pick.clone().filter(|&i| outcomes[i].family).count() as f64;
    let signed = pick.clone().filter(|&i| outcomes[i].sign.is_some()).count();
    let sign_right = pick.filter(|&i| outcomes[i].sign == Some(true)).count() as f64;
    [
        100.0 * exact / n,
        100.0 * family / n,
        100.0 * sign_right / signed.max(1) as f64,
    ]
}

/// Percentile bootstrap: 95% intervals of the three rates and, with `other` (the same lines
/// through another classifier), of the paired differences.
fn intervals(outcomes: &[Outcome], other: Option<&[Outcome]>) -> ([[f64; 2]; 3], [[f64; 2]; 3]) {
    use rand_core::SeedableRng;
    use rand_distr::{Distribution, Uniform};
    let n = outcomes.len();
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(SEED);
    let pick = Uniform::new(0, n).expect("at least one line");
    let mut own: [Vec<f64>; 3] = Default::default();
    let mut diff: [Vec<f64>; 3] = Default::default();
    let mut sample = vec![0usize; n];
    for _ in 0..RESAMPLES {
        sample.iter_mut().for_each(|i| *i = pick.sample(&mut rng));
        let a = rates(outcomes, sample.iter().copied());
        for k in 0..3 {
            own[k].push(a[k]);
        }
        if let Some(other) = other {
            let b = rates(other, sample.iter().copied());
            for k in 0..3 {
                diff[k].push(a[k] - b[k]);
            }
        }
    }
    let bounds = |values: &mut Vec<f64>| {
        if values.is_empty() {
            return [0.0, 0.0];
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        [at(0.025), at(0.975)]
    };
    (own.each_mut().map(bounds), diff.each_mut().map(bounds))
}

/// The labelled lines of a JSON Lines file.
fn read_labelled(path: &Path) -> std::result::Result<Vec<(String, Labelled)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut items = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let place = format!("{}:{}", path.display(), i + 1);
        let item: Labelled = serde_json::from_str(line).map_err(|e| format!("{place}: {e}"))?;
        if !(1..=5).contains(&item.level) {
            return Err(format!("{place}: level {} is not 1..5", item.level));
        }
        items.push((place, item));
    }
    if items.is_empty() {
        return Err(format!("{}: no labelled lines", path.display()));
    }
    Ok(items)
}

/// Accuracy (exact, same family, valence sign; 95% bootstrap intervals), level error and a
/// confusion table per file, as Markdown; for a trained classifier also the lexicon on the same
/// lines and the paired differences. The second value lists the `require`ments not met.
pub fn evaluate(
    classifier: &Classifier,
    files: &[PathBuf],
    context: bool,
    require: &Requirements,
    summary: bool,
) -> std::result::Result<(String, Vec<String>), String> {
    let taxonomy = EmotionTaxonomy::builtin();
    let ids: Vec<&str> = taxonomy.emotions().iter().map(|e| e.id.as_str()).collect();
    let family = |id: &str| taxonomy.get(id).map(|e| e.family.clone());
    let mut out = String::new();
    let mut missed = Vec::new();
    // One row per file: the figures the README quotes (`--summary`).
    let mut rows = Vec::new();
    let baseline = match classifier {
        Classifier::Lexicon => None,
        Classifier::Model(_) => Some(Classifier::Lexicon),
    };
    for path in files {
        let items = read_labelled(path)?;
        let n = items.len();
        let mut confusion = vec![vec![0usize; ids.len()]; ids.len()];
        let mut level_error = 0usize;
        let mut judge = |c: &Classifier,
                         tally: bool|
         -> std::result::Result<Vec<Outcome>, String> {
            let mut outcomes = Vec::with_capacity(n);
            for (place, item) in &items {
                let (truth, label) = taxonomy
                    .require(place, &item.emotion)
                    .map_err(|e| e.to_string())?;
                let previous = item.previous.as_deref().filter(|_| context);
                let guess = c
                    .classify(&item.text, previous)
                    .map_err(|e| format!("{place}: {e}"))?;
                let predicted = taxonomy.index_of(&guess.emotion).expect("a taxonomy id");
                let valence = label
                    .anchor(item.level)
                    .expect("levels 1..=5 have anchors")
                    .as_array()[0];
                let exact = predicted == truth;
                if tally {
                    confusion[truth][predicted] += 1;
                    if exact {
                        level_error += usize::from(guess.level.abs_diff(item.level));
                    }
                }
                outcomes.push(Outcome {
                    exact,
                    family: family(&guess.emotion) == family(&item.emotion),
                    sign: (valence.abs() >= CLEAR_VALENCE)
                        .then(|| guess.vad[0] != 0.0 && (guess.vad[0] > 0.0) == (valence > 0.0)),
                });
            }
            Ok(outcomes)
        };
        let outcomes = judge(classifier, true)?;
        let lexicon = baseline.as_ref().map(|b| judge(b, false)).transpose()?;
        let [exact_rate, family_rate, sign_rate] = rates(&outcomes, 0..n);
        let (own, diff) = intervals(&outcomes, lexicon.as_deref());
        let exact = outcomes.iter().filter(|o| o.exact).count();
        let signed = outcomes.iter().filter(|o| o.sign.is_some()).count();
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
        let ci = |b: [f64; 2]| format!("[{:.1}, {:.1}]", b[0], b[1]);
        let _ = writeln!(
            out,
            "### {} ({n} lines, {}{})\n\nexact {exact_rate:.1}% {} · same family {family_rate:.1}% {} · valence sign {sign_rate:.1}% {} (of the {signed} lines whose label's valence is at least {CLEAR_VALENCE} from 0) · chance {:.1}% · level error {:.2} (mean |level - label| on the {exact} right) · when it names an emotion other than neutral it is right {:.1}% ({named_right} of {named}); intervals: 95% bootstrap, {RESAMPLES} resamples\n",
            path.display(),
            classifier.describe(),
            if context { ", previous line used" } else { ", previous line ignored" },
            ci(own[0]),
            ci(own[1]),
            ci(own[2]),
            100.0 / ids.len() as f64,
            if exact > 0 { level_error as f64 / exact as f64 } else { 0.0 },
            if named > 0 { 100.0 * named_right as f64 / named as f64 } else { 0.0 },
        );
        let signed_ci = |b: [f64; 2]| format!("[{:+.1}, {:+.1}]", b[0], b[1]);
        let mut row = format!(
            "| {} | {n} | {exact_rate:.1}% {} | {family_rate:.1}% {} | {sign_rate:.1}% {} |",
            path.display(),
            ci(own[0]),
            ci(own[1]),
            ci(own[2])
        );
        if let Some(lexicon) = &lexicon {
            let [le, lf, ls] = rates(lexicon, 0..n);
            let [de, df, ds] = [
                (exact_rate - le, signed_ci(diff[0])),
                (family_rate - lf, signed_ci(diff[1])),
                (sign_rate - ls, signed_ci(diff[2])),
            ];
            let _ = write!(
                row,
                " {le:.1}% · {lf:.1}% · {ls:.1}% | {:+.1} {} · {:+.1} {} · {:+.1} {} |",
                de.0, de.1, df.0, df.1, ds.0, ds.1,
            );
            rows.push(row);
            let _ = writeln!(
                out,
                "the lexicon on the same lines: exact {le:.1}% · same family {lf:.1}% · valence sign {ls:.1}%; the difference (paired, same resamples): exact {:+.1} points {} · same family {:+.1} {} · valence sign {:+.1} {}\n",
                de.0, de.1, df.0, df.1, ds.0, ds.1,
            );
        } else {
            rows.push(row);
        }
        let file = path.display();
        let mut below = |name: &str, got: f64, want: Option<f64>| {
            if let Some(want) = want.filter(|&w| got < w) {
                missed.push(format!("{file}: {name} {got:.1}% is below {want}%"));
            }
        };
        below("exact", exact_rate, require.exact);
        below("same family", family_rate, require.family);
        below("valence sign", sign_rate, require.valence);
        if require.above_lexicon {
            match &lexicon {
                None => missed.push(format!(
                    "{file}: above-lexicon asks for a trained classifier, not the lexicon itself"
                )),
                Some(_) => {
                    for (name, d) in [("exact", diff[0]), ("same family", diff[1])] {
                        if d[0] <= 0.0 {
                            missed.push(format!(
                                "{file}: the {name} difference to the lexicon, [{:+.1}, {:+.1}], does not exclude 0",
                                d[0], d[1]
                            ));
                        }
                    }
                }
            }
        }
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
    if summary {
        let compared = baseline.is_some();
        let mut table = format!(
            "{} ({}; 95% bootstrap intervals, {RESAMPLES} resamples{}):\n\n| file | lines | exact | same family | valence sign |{}\n|---|---:|---:|---:|---:|{}\n",
            classifier.describe(),
            if context { "previous line used" } else { "previous line ignored" },
            if compared { "; differences paired, on the same resamples" } else { "" },
            if compared { " the lexicon: exact · same family · valence sign | difference: exact · same family · valence sign |" } else { "" },
            if compared { "---|---|" } else { "" },
        );
        for row in rows {
            table.push_str(&row);
            table.push('\n');
        }
        return Ok((table, missed));
    }
    Ok((out, missed))
}
