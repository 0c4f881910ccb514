#!/usr/bin/env python3
"""Writes the demo scenarios and their speech into www/scenarios/ (committed; rerun after
editing a line). Speech comes from the local espeak-ng synthesizer (Debian package espeak-ng):

    python3 scripts/make-scenarios.py

Each scenario file lists its turns; each turn with a line of text gets `<id>-<n>.wav`, rendered
by espeak-ng with the voice, rate and pitch given here. `www/viewer/scenarios.json` lists them
for the preset viewer, in this order (outside www/scenarios/, which holds scenarios only: `render
www/scenarios` renders every JSON file there).
"""
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "www" / "scenarios"

SCENARIOS = [
    {
        "id": "arc-monologue",
        "description": "A monologue that turns from surprise to sadness to joy: one continuous arc. "
                       "The surprise -> sadness boundary drops the raised brows by more than 0.40, "
                       "so the brows pass through neutral.",
        "regime": "monologue",
        "voice": "en-us", "speed": 150, "pitch": 55,
        "turns": [
            {"emotion": "surprise", "level": 4, "text": "Wait, you actually came back?", "gap": 0.4},
            {"emotion": "sadness", "level": 3, "text": "I waited for so long, and I thought you had forgotten me.", "gap": 0.5},
            {"emotion": "joy", "level": 4, "text": "But you are here now, and that makes me so happy!", "gap": 0.6},
        ],
    },
    {
        "id": "dialogue-reactions",
        "description": "One speaker's reactions to an unseen partner: a dialogue, so turns may snap.",
        "regime": "dialogue",
        "voice": "en-us+m3", "speed": 160, "pitch": 45,
        "turns": [
            {"emotion": "anger", "level": 3, "text": "That is not what we agreed on.", "gap": 0.8},
            {"emotion": "confusion", "level": 4, "text": "Hold on, what do you mean by that?", "gap": 0.8},
            {"emotion": "amusement", "level": 4, "text": "Oh! You got me. That is really funny.", "gap": 0.6},
        ],
    },
    {
        "id": "korean-monologue",
        "description": "A Korean monologue: contentment, then thinking, then awe.",
        "regime": "monologue",
        "voice": "ko", "speed": 140, "pitch": 50,
        "turns": [
            {"emotion": "contentment", "level": 3, "text": "오늘은 정말 좋은 날이에요.", "gap": 0.5},
            {"emotion": "thinking", "level": 3, "text": "음, 이제 어디로 가면 좋을까요?", "gap": 0.6},
            {"emotion": "awe", "level": 4, "text": "와, 이 풍경 좀 보세요!", "gap": 0.8},
        ],
    },
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for s in SCENARIOS:
        turns = []
        for n, turn in enumerate(s["turns"], start=1):
            wav = f"{s['id']}-{n}.wav"
            subprocess.run(
                ["espeak-ng", "-v", s["voice"], "-s", str(s["speed"]), "-p", str(s["pitch"]),
                 "-w", str(OUT / wav), turn["text"]],
                check=True,
            )
            turns.append({**turn, "audio": wav})
        doc = {"id": s["id"], "version": 1, "regime": s["regime"], "description": s["description"],
               "voice": f"espeak-ng {s['voice']}, speed {s['speed']}, pitch {s['pitch']}", "turns": turns}
        (OUT / f"{s['id']}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {s['id']}.json and {len(turns)} WAV files")
    write_index()


def write_index():
    index = {"scenarios": [{"id": s["id"], "file": f"{s['id']}.json", "regime": s["regime"],
                            "description": s["description"]} for s in SCENARIOS]}
    (ROOT / "www" / "viewer" / "scenarios.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    print("wrote www/viewer/scenarios.json")


if __name__ == "__main__":
    main()
