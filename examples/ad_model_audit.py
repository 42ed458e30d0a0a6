"""An ad-model audit from Python: GLIDER global interactions of a CTR model, then crossing.

Run from the repository root (needs ``pip install -e ".[ctr]"``)::

    python examples/ad_model_audit.py                                   # synthetic, planted
    python examples/ad_model_audit.py --data criteo:../shared/data/criteo_sample --source deepfm

Steps: load the data, train a source model, explain ``--instances`` validation impressions
(MADEX surrogates trained together by ``interactkit.glider``), print the global interactions
with their frequency intervals, save three figures, then train a DeepFM target as is, with the
GLIDER crosses and with random crosses (the control). ``interactkit audit`` does the same with
more targets and seeds and writes an HTML report.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import interactkit
from interactkit.adapters.ctr import compare_crosses, load_dataset, train_source_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="synthetic:40000", help="KIND:PATH (see the README)")
    parser.add_argument("--source", choices=("mlp", "deepfm"), default="mlp")
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--samples", type=int, default=6000, help="the most MADEX perturbations")
    parser.add_argument("--k", type=int, default=10, help="global interactions to select")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per target variant")
    parser.add_argument("--out", type=Path, default=Path("out/ad_audit"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    data = load_dataset(args.data)
    print(f"{data.name}: {len(data.train)} train rows, fields {data.schema.names}")
    source = train_source_model(data, kind=args.source, seed=0)
    print(f"source {args.source}: test AUC {source.metrics['auc']:.4f}")

    rows = data.val.frame.head(args.instances)
    spaces = source.explainer().spaces(rows)  # one feature space per impression
    global_exp = interactkit.glider(spaces, k=args.k, n_samples=args.samples, seed=0)
    print(
        f"GLIDER: {global_exp.n_instances} impressions in {global_exp.wall_time:.1f} s "
        f"({global_exp.model_time:.1f} s in the model, {global_exp.n_queries} queries)"
    )
    print(global_exp.to_frame().head(args.k).to_string(index=False))
    if "planted" in data.meta:
        print("planted:", [sorted(p) for p in data.meta["planted"]])
    global_exp.to_json(args.out / "glider.json")

    from interactkit.visualizers import ctr as viz

    viz.plot_global_frequencies(global_exp).savefig(args.out / "global.png", bbox_inches="tight")
    viz.plot_pair_heatmap(global_exp).savefig(args.out / "pairs.png", bbox_inches="tight")
    example = interactkit.explain(spaces[0], n_samples=args.samples, seed=0)
    viz.plot_local_explanation(spaces[0], example).savefig(
        args.out / "impression.png", bbox_inches="tight"
    )

    # the top-k global interactions become cross fields of the target model
    result = compare_crosses(
        data, global_exp, models=["deepfm"], seeds=list(range(args.seeds)), config="small"
    )
    print(result.to_markdown())
    print(f"figures and glider.json in {args.out}/")


if __name__ == "__main__":
    main()
