//! The text classifier slot on a real ONNX graph built here (see `support/text_classifier.rs`):
//! manifest validation against the graph, tokenization through to the model's answer, context,
//! and bad models and bad text. Runs natively and as WebAssembly under Node.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use animasync_face::{EmotionGuess, TextClassifier};

#[path = "support/text_classifier.rs"]
mod support;

use support::{build, manifest, vocab, Variant};

fn classifier_with(
    variant: Variant,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<TextClassifier, String> {
    let mut m = manifest();
    edit(&mut m);
    TextClassifier::new(&build(variant), &m.to_string(), &vocab()).map_err(|e| e.to_string())
}

fn classifier() -> TextClassifier {
    classifier_with(Variant::default(), |_| {}).unwrap()
}

fn guess(c: &TextClassifier, text: &str, previous: Option<&str>) -> EmotionGuess {
    c.classify(text, previous)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn score(g: &EmotionGuess, id: &str) -> f32 {
    g.scores.iter().find(|(e, _)| e == id).unwrap().1
}

#[test]
fn committed_fixture_is_current() {
    let onnx = build(Variant::default());
    let json = serde_json::to_string_pretty(&manifest()).unwrap() + "\n";
    let vocab = vocab();
    let committed: [(&str, &[u8], &[u8]); 3] = [
        (
            "text_classifier.onnx",
            include_bytes!("fixtures/text_classifier.onnx"),
            &onnx,
        ),
        (
            "text_classifier.json",
            include_bytes!("fixtures/text_classifier.json"),
            json.as_bytes(),
        ),
        (
            "text_classifier.vocab.txt",
            include_bytes!("fixtures/text_classifier.vocab.txt"),
            vocab.as_bytes(),
        ),
    ];
    for (name, old, new) in committed {
        #[cfg(not(target_arch = "wasm32"))]
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(
                format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")),
                new,
            )
            .unwrap();
            continue;
        }
        assert!(old == new, "tests/fixtures/{name} is out of date: run UPDATE_FIXTURES=1 cargo test --test text_classifier");
    }
}

#[test]
fn clear_lines_get_their_emotion_in_english_and_korean() {
    let c = classifier();
    assert_eq!(c.tokenize("Unhappiness!"), ["[UNK]", "!"]);
    assert_eq!(c.tokenize("Unhappy!"), ["un", "##happy", "!"]);
    assert_eq!(c.tokenize("정말 행복해"), ["정말", "행복", "##해"]);
    for (text, emotion) in [
        ("I am so happy!", "joy"),
        ("I am sad.", "sadness"),
        ("ANGRY", "anger"),
        ("the unhappy", "sadness"),
        ("정말 행복해", "joy"),
        ("무서워", "fear"),
        ("the", "neutral"),
        ("words the vocabulary lacks", "neutral"),
    ] {
        let g = guess(&c, text, None);
        assert_eq!(g.emotion, emotion, "{text:?}: {g:?}");
        assert_eq!(g.confidence, score(&g, emotion));
        let total: f32 = g.scores.iter().map(|(_, s)| s).sum();
        assert!(
            (total - 1.0).abs() < 1e-5,
            "{text:?}: scores sum to {total}"
        );
        // Emotions the model does not know score 0.
        assert_eq!(score(&g, "awe"), 0.0);
    }
    // The VAD head: happy pushes valence up, sad down; the level is the nearest anchor's.
    let happy = guess(&c, "I am so happy!", None);
    let sad = guess(&c, "I am sad.", None);
    assert!(happy.vad[0] > 0.5 && sad.vad[0] < -0.5, "{happy:?} {sad:?}");
    assert!((1..=5).contains(&happy.level) && (1..=5).contains(&sad.level));
    // More arousal cues move "happy" to a level at least as high.
    let calm = guess(&c, "I am glad.", None);
    assert!(happy.level >= calm.level, "{happy:?} {calm:?}");
}

#[test]
fn the_previous_line_conditions_the_guess() {
    // scores (default): the previous line's scores count half.
    let c = classifier();
    assert_eq!(guess(&c, "the", None).emotion, "neutral");
    assert_eq!(guess(&c, "the", Some("I am so happy")).emotion, "joy");
    assert_eq!(
        guess(&c, "I am sad", Some("I am so happy")).emotion,
        "sadness"
    );
    // none: ignored.
    let none = classifier_with(Variant::default(), |m| m["context"] = "none".into()).unwrap();
    assert_eq!(
        guess(&none, "the", Some("I am so happy")),
        guess(&none, "the", None)
    );
    // pair: one input, [CLS] previous [SEP] line [SEP]; this model counts the line double.
    let pair = classifier_with(Variant::default(), |m| m["context"] = "pair".into()).unwrap();
    assert_eq!(guess(&pair, "the", Some("I am so happy")).emotion, "joy");
    assert_eq!(
        guess(&pair, "I am sad", Some("I am so happy")).emotion,
        "sadness"
    );
    // A pair longer than max_length is cut, not refused.
    let long = "happy ".repeat(40);
    assert_eq!(guess(&pair, "sad", Some(&long)).emotion, "joy");
}

#[test]
fn int32_symbolic_and_probability_graphs_answer_the_same() {
    let reference = guess(&classifier(), "I am so happy!", None);
    let int32 = classifier_with(
        Variant {
            int32: true,
            ..Default::default()
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(guess(&int32, "I am so happy!", None), reference);
    let symbolic = classifier_with(
        Variant {
            symbolic: true,
            ..Default::default()
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(guess(&symbolic, "I am so happy!", None), reference);
    let probabilities = classifier_with(
        Variant {
            probabilities: true,
            ..Default::default()
        },
        |m| m["outputs"]["emotion"]["scores"] = "probabilities".into(),
    )
    .unwrap();
    let p = guess(&probabilities, "I am so happy!", None);
    assert_eq!(p.emotion, reference.emotion);
    for ((_, a), (_, b)) in p.scores.iter().zip(&reference.scores) {
        assert!((a - b).abs() < 1e-6);
    }
}

#[test]
fn a_model_with_its_own_labels_plugs_in_through_the_map() {
    // The same graph, its outputs named as another label set would name them.
    let c = classifier_with(Variant::default(), |m| {
        m["outputs"]["emotion"]["labels"] =
            serde_json::json!(["neutral", "happiness", "sorrow", "annoyance", "nervousness"]);
        m["outputs"]["emotion"]["map"] = serde_json::json!({
            "happiness": "joy", "sorrow": "sadness", "annoyance": "joy", "nervousness": null
        });
    })
    .unwrap();
    assert_eq!(guess(&c, "I am sad", None).emotion, "sadness");
    // Two labels to one emotion add up: "angry" now scores for joy.
    let angry = guess(&c, "angry", None);
    assert_eq!(angry.emotion, "joy", "{angry:?}");
    assert_eq!(score(&angry, "anger"), 0.0);
    // A label mapped to null is left out and the rest renormalised.
    let scared = guess(&c, "scared", None);
    assert_eq!(scared.emotion, "neutral", "{scared:?}");
    assert_eq!(score(&scared, "fear"), 0.0);
    let total: f32 = scared.scores.iter().map(|(_, s)| s).sum();
    assert!((total - 1.0).abs() < 1e-5, "{total}");
}

#[test]
fn without_a_vad_head_the_guess_sits_at_the_emotions_middle_level() {
    // outputs.vad is optional: the model's second output is then not read.
    let c = classifier_with(Variant::default(), |m| {
        m["outputs"].as_object_mut().unwrap().remove("vad");
    })
    .unwrap();
    let g = guess(&c, "I am so happy!", None);
    assert_eq!(g.emotion, "joy");
    assert_eq!(g.level, 3);
    let joy = animasync_face::EmotionTaxonomy::builtin()
        .get("joy")
        .unwrap();
    assert_eq!(g.vad, joy.anchor(3).unwrap().as_array());
    // The same text with the head reads its own point.
    assert_ne!(guess(&classifier(), "I am so happy!", None).vad, g.vad);
}

#[test]
fn unsure_answers_are_neutral() {
    let c = classifier_with(Variant::default(), |m| m["min_confidence"] = 0.9.into()).unwrap();
    let g = guess(&c, "I am glad", None);
    assert_eq!(g.emotion, "neutral", "{g:?}");
    assert!(score(&g, "joy") > score(&g, "neutral"));
    assert_eq!(guess(&c, "happy happy happy", None).emotion, "joy");
}

#[test]
fn models_that_do_not_match_their_manifest_are_refused_with_the_reason() {
    let error = |variant: Variant, edit: fn(&mut serde_json::Value)| {
        classifier_with(variant, edit)
            .err()
            .unwrap_or_else(|| panic!("accepted"))
    };
    let plain = Variant::default();
    let e = error(plain, |m| {
        m["outputs"]["emotion"]["labels"] =
            serde_json::json!(["neutral", "joy", "sadness", "anger", "fear", "awe"])
    });
    assert!(
        e.contains("has 5 values; the manifest names 6 labels"),
        "{e}"
    );
    let e = error(plain, |m| {
        m["inputs"] = serde_json::json!(["input_ids", "attention_mask"])
    });
    assert!(
        e.contains("the model has 3 input(s); the manifest's inputs name 2"),
        "{e}"
    );
    let e = error(plain, |m| m["outputs"]["vad"]["index"] = 2.into());
    assert!(e.contains("index 2; the model has 2 output(s)"), "{e}");
    let e = error(plain, |m| {
        m["outputs"]["vad"]["index"] = 0.into();
        m["outputs"]["emotion"]["index"] = 1.into();
    });
    assert!(
        e.contains("has 3 values; the manifest names 5 labels"),
        "{e}"
    );
    let e = error(plain, |m| m["tokenizer"]["max_length"] = 32.into());
    assert!(
        e.contains("input 0 (InputIds) is declared")
            && e.contains("reads [1, 32] (tokenizer.max_length)"),
        "{e}"
    );
    let e = error(
        Variant {
            float_inputs: true,
            ..plain
        },
        |_| {},
    );
    assert!(
        e.contains("input 0 (InputIds) is F32; token inputs are int64 or int32"),
        "{e}"
    );
    let e = error(plain, |m| {
        m["tokenizer"]["special_tokens"] = serde_json::json!({"classify": "<s>"})
    });
    assert!(e.contains("no classify token \"<s>\""), "{e}");
    // A vocabulary longer than the embedding table would index past it.
    let longer = vocab() + "extra\n";
    let e = TextClassifier::new(&build(plain), &manifest().to_string(), &longer)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "the vocabulary has 24 tokens but the model's embedding \"piece_votes\" has 23 rows"
        ),
        "{e}"
    );
    let int32 = TextClassifier::new(
        &build(Variant {
            int32: true,
            ..plain
        }),
        &manifest().to_string(),
        &longer,
    );
    assert!(int32.is_err());
    let e = TextClassifier::new(&[], &manifest().to_string(), &vocab())
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty (0 bytes)"), "{e}");
    let e = TextClassifier::new(b"not onnx", &manifest().to_string(), &vocab())
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read the ONNX model"), "{e}");
    let e = TextClassifier::new(&build(plain), "{", &vocab())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("text classifier manifest:"), "{e}");
    // Problems only a run can show.
    let logits_as_probabilities = classifier_with(plain, |m| {
        m["outputs"]["emotion"]["scores"] = "probabilities".into()
    })
    .unwrap();
    let e = logits_as_probabilities
        .classify("I am so happy", None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not probabilities") && e.contains("\"scores\": \"logits\""),
        "{e}"
    );
    let nan = classifier_with(Variant { nan: true, ..plain }, |_| {}).unwrap();
    let e = nan.classify("happy", None).unwrap_err().to_string();
    assert!(e.contains("NaN or infinite"), "{e}");
}

/// Each of `cases` (text, previous line, what the error says) and a text over the length limit
/// are refused with a message naming the problem.
fn refuses_bad_text(c: &TextClassifier, cases: &[(&str, Option<&str>, &str)]) {
    for &(text, previous, expected) in cases {
        let e = c.classify(text, previous).unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
    }
    let e = c
        .classify(&"a".repeat(10_001), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("10001 characters long"), "{e}");
}

#[test]
fn bad_text_is_refused_and_long_text_is_cut() {
    let c = classifier();
    refuses_bad_text(
        &c,
        &[
            ("", None, "text: is empty"),
            ("  \n", None, "text: is empty"),
            ("happy", Some(""), "previous: is empty"),
        ],
    );
    // Within the limit but past max_length tokens: the first pieces are read.
    let long = format!("sad {}", "the ".repeat(2000));
    assert_eq!(guess(&c, &long, None).emotion, "sadness");
}

#[test]
fn lexicon_evidence_adds_the_rules_named_emotions_and_valence_can_follow_the_emotion() {
    // The bag-of-pieces model knows no "furious": alone it answers neutral, with a valence near 0.
    let line = "I'm furious!!";
    let alone = guess(&classifier(), line, None);
    assert_eq!(alone.emotion, "neutral", "{alone:?}");
    let with = classifier_with(Variant::default(), |m| m["lexicon_evidence"] = 1.0.into()).unwrap();
    let g = guess(&with, line, None);
    assert_eq!(g.emotion, "anger", "{g:?}");
    assert!((g.scores.iter().map(|(_, s)| s).sum::<f32>() - 1.0).abs() < 1e-5);
    // Where both read the line, the lexicon's evidence adds to the model's.
    let happy = "I am so happy!";
    assert!(
        score(&guess(&with, happy, None), "joy") > score(&guess(&classifier(), happy, None), "joy")
    );
    // The head's valence does not say "negative"; with valence_follows_emotion the chosen
    // emotion's anchor gives it its sign.
    assert!(g.vad[0] > -0.2, "{g:?}");
    let follows = classifier_with(Variant::default(), |m| {
        m["lexicon_evidence"] = 1.0.into();
        m["valence_follows_emotion"] = true.into();
    })
    .unwrap();
    let f = guess(&follows, line, None);
    let anger = animasync_face::EmotionTaxonomy::builtin()
        .get("anger")
        .unwrap();
    assert_eq!(f.vad[0], anger.anchor(f.level).unwrap().as_array()[0]);
    assert_eq!(&f.vad[1..], &g.vad[1..]);
    // A valence that already has the emotion's sign is left alone.
    assert_eq!(
        guess(&follows, happy, None).vad,
        guess(&classifier(), happy, None).vad
    );
}

/// The built-in trained classifier (models/text-emotion), the CLI's default and the package's
/// `classifyEmotion` default, through the same slot; included here (a test binary), never in the
/// library's WebAssembly.
fn builtin() -> TextClassifier {
    TextClassifier::new(
        include_bytes!("../models/text-emotion/classifier.onnx"),
        include_str!("../models/text-emotion/classifier.json"),
        include_str!("../models/text-emotion/vocab.txt"),
    )
    .unwrap()
}

#[test]
fn the_builtin_classifier_reads_english_and_korean_and_refuses_bad_text() {
    let c = builtin();
    for (text, emotion) in [
        ("I'm so happy to see you!!", "joy"),
        ("너무 무서워요", "fear"),
        ("The meeting starts at three.", "neutral"),
    ] {
        assert_eq!(guess(&c, text, None).emotion, emotion, "{text}");
    }
    let g = guess(&c, "I'm so happy to see you!!", None);
    assert!(g.vad[0] > 0.0 && (1..=5).contains(&g.level), "{g:?}");
    refuses_bad_text(
        &c,
        &[
            ("", None, "text: is empty"),
            ("fine", Some(" "), "previous: is empty"),
        ],
    );
}
