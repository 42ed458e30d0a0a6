"""Sentences with a negation and the word each negation flips, for the text benchmarks.

Hand-written ones (:data:`HAND_WRITTEN`) and SST-2 dev sentences with one negation word
(:func:`dev_negation_sentences`, the flipped word found by a heuristic). The text benchmark and
the speed-quality study's text suites read the same sentences.
"""

from __future__ import annotations

from pathlib import Path

from interactkit.adapters.text import load_sst2

# (sentence, negation word, the word it flips) -- written for this benchmark
HAND_WRITTEN: list[tuple[str, str, str]] = [
    ("the movie is not bad", "not", "bad"),
    ("this film is not good", "not", "good"),
    ("it never fails to amuse", "never", "fails"),
    ("the plot is not boring at all", "not", "boring"),
    ("the acting is not great but the story is moving", "not", "great"),
    ("i did not like the ending", "not", "like"),
    ("it is n't funny", "n't", "funny"),
    ("not a bad way to spend an afternoon", "not", "bad"),
    ("the soundtrack is not terrible", "not", "terrible"),
    ("the characters are never dull", "never", "dull"),
    ("this is not a good movie", "not", "good"),
    ("the director does n't disappoint", "n't", "disappoint"),
    ("the story does not work", "not", "work"),
    ("i would not recommend it", "not", "recommend"),
    ("the cast is not convincing", "not", "convincing"),
    ("it is not funny but it is clever", "not", "funny"),
    ("the visuals are not impressive", "not", "impressive"),
    ("the pacing is not slow", "not", "slow"),
    ("the ending is not satisfying", "not", "satisfying"),
    ("the film never bores", "never", "bores"),
    ("it is not a masterpiece but it is fun", "not", "masterpiece"),
    ("the performances are not bad but the script is weak", "not", "bad"),
    ("i was not disappointed", "not", "disappointed"),
    ("the movie is not entertaining", "not", "entertaining"),
    ("the script is not smart", "not", "smart"),
    ("the film is n't awful", "n't", "awful"),
    ("the story is not original", "not", "original"),
    ("the lead is not likable", "not", "likable"),
    ("the jokes are not funny", "not", "funny"),
    ("it is not worth watching", "not", "worth"),
    ("the film is not perfect but it is enjoyable", "not", "perfect"),
    ("a film that never loses its charm", "never", "loses"),
    ("the movie is not stupid", "not", "stupid"),
    ("the drama is n't moving", "n't", "moving"),
    ("this is not the worst film of the year", "not", "worst"),
    ("the premise is not interesting", "not", "interesting"),
    ("i did n't hate it", "n't", "hate"),
    ("the music never annoys", "never", "annoys"),
    ("the dialogue is not clumsy", "not", "clumsy"),
    ("the sequel is not as good as the original", "not", "good"),
    ("the comedy never feels forced", "never", "forced"),
    ("the story is not compelling", "not", "compelling"),
]

NEGATIONS = {"not", "n't", "never", "no"}
SKIP = set(
    "a an the be been being is are was were am very so too that this it its as all really "
    "quite much even just only exactly always to have has had do does did i you he she they "
    "we his her their one any enough more particularly terribly nearly there here 's".split()
)


def flipped_word(words: list[str], neg: int, window: int = 4) -> int | None:
    """Index of the nearest content word after ``words[neg]`` (heuristic), or None."""
    for j in range(neg + 1, min(len(words), neg + 1 + window)):
        w = words[j].lower()
        if w in SKIP or w in NEGATIONS or not any(c.isalpha() for c in w):
            continue
        return j
    return None


def dev_negation_sentences(dev_file: Path, n: int) -> list[tuple[str, str, str]]:
    """The first ``n`` SST-2 dev sentences with exactly one negation word and 6-25 words."""
    out = []
    for sentence in load_sst2(dev_file)["sentence"]:
        words = sentence.split()
        negs = [i for i, w in enumerate(words) if w.lower() in NEGATIONS]
        if len(negs) != 1 or not 6 <= len(words) <= 25:
            continue
        j = flipped_word(words, negs[0])
        if j is None:
            continue
        out.append((sentence, words[negs[0]], words[j]))
        if len(out) >= n:
            break
    return out
