"""Run the published protocols in full (actlab.training.presets) and record published vs measured.

Each protocol runs as written (three seeds; the published figures are one run each), without
the public server's caps, on whatever data this machine has: Fashion-MNIST from Debian's
``dataset-fashion-mnist``, MNIST from a download or ``$ACTLAB_DATA_DIR``, else the bundled
5,000-image subset (said as a deviation). After every evaluation the run so far is saved to
``bench/reproductions/<key>.json`` (history, the comparison table, seconds, epochs reached per
member), so a run cut short still says how far it got.

Usage (from the repository root; long on 2 cores: estimate first):

    python bench/reproduce_presets.py --estimate             # FLOPs of each protocol, no training
    nice -n 19 python bench/reproduce_presets.py --preset snn_mlp
    python bench/reproduce_presets.py --preset uva --seeds 0  # one seed only
    nice -n 19 python bench/reproduce_presets.py --preset uva --quick  # the page's quick mode
    python bench/reproduce_presets.py --report               # Markdown tables from the JSON files
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere
# A full protocol is over a public server's memory caps (six 784-512-256-256-128 MLPs × 3 seeds
# hold 11 M weights); this script is not a server.
os.environ.setdefault("ACTLAB_MAX_PARAMETERS", str(10**8))
os.environ.setdefault("ACTLAB_MAX_STEP_UNITS", str(2**26))

import pandas as pd  # noqa: E402 (after the caps above)

from actlab import datasets, training  # noqa: E402
from actlab.training import presets  # noqa: E402

KEYS = {
    "snn_mlp": "SNN tutorial MLP (MNIST)",
    "snn_cnn": "SNN tutorial CNN (MNIST)",
    "uva": "UvA tutorial 3 (Fashion-MNIST MLP)",
    "d2l": "d2l LeNet-5 (Fashion-MNIST)",
}
OUT = ROOT / "bench" / "reproductions"
TAG = ""  # --tag: a suffix for the JSON file (separate runs of one protocol, e.g. per seed)


def comparison_from_history(
    history: pd.DataFrame, config: training.TrainingConfig, reproduction: presets.Reproduction
) -> pd.DataFrame:
    """``presets.comparison_table`` for a history so far (no finished result needed)."""

    class Partial:  # the two attributes comparison_table reads
        pass

    partial = Partial()
    partial.history, partial.config = history, config
    return presets.comparison_table(partial, reproduction)  # type: ignore[arg-type]


def save(key, config, reproduction, history, seconds, finished, n_train) -> None:
    table = comparison_from_history(history, config, reproduction)
    reached = (
        history.groupby(["activation", "seed"])["epoch"].max().reset_index().to_dict("records")
        if len(history)
        else []
    )
    record = {
        "preset": KEYS[key],
        "source": reproduction.source,
        "config": repr(config),
        "deviations": presets.deviations(config, reproduction, n_train),
        "finished": finished,
        "seconds": seconds,
        "threads": __import__("torch").get_num_threads(),
        "epochs_reached": reached,
        "comparison": table.to_dict("records"),
        "history": history.to_dict("records"),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{key}{TAG}.json").write_text(json.dumps(record, indent=1, default=float))


def quick_config(key: str) -> training.TrainingConfig:
    """What the MNIST page runs for this preset under a server's default caps: the protocol,
    or its labelled quick mode (``presets.plan``)."""
    config = training.TrainingConfig(**training.PRESETS[KEYS[key]])
    source = datasets.resolve_source(config.dataset)
    caps = (training.MAX_TRAINING_FLOPS, training.MAX_TRAINING_STEPS)
    plan = presets.plan(config, source.n_train, source.n_test, *caps)
    if plan.problem is not None:
        raise SystemExit(f"{KEYS[key]}: no quick mode fits the caps: {plan.problem}")
    print(f"  quick mode: {plan.quick_text or 'none needed'}", flush=True)
    return replace(plan.config, device="cpu")


def run(key: str, seeds: tuple[int, ...], quick: bool = False) -> None:
    reproduction = training.REPRODUCTIONS[KEYS[key]]
    config = quick_config(key) if quick else reproduction.config(seeds=seeds, device="cpu")
    source = datasets.resolve_source(config.dataset)
    print(f"{KEYS[key]}: {source.describe()}", flush=True)
    print(f"  deviations: {presets.deviations(config, reproduction, source.n_train)}", flush=True)
    start = time.perf_counter()
    last = [0.0]

    def progress(p: training.Progress) -> None:
        if len(p.history) and p.history["step"].iloc[-1] != last[0]:
            last[0] = p.history["step"].iloc[-1]
            save(
                key,
                config,
                reproduction,
                p.history,
                time.perf_counter() - start,
                False,
                source.n_train,
            )
            print(f"  epoch {p.epoch:.0f} · {time.perf_counter() - start:.0f} s", flush=True)

    result = training.train(config, on_progress=progress, progress_interval=1e9)
    seconds = time.perf_counter() - start
    save(key, config, reproduction, result.history, seconds, True, source.n_train)
    print(presets.comparison_table(result, reproduction).round(2).to_string(index=False))
    print(f"  {seconds:.0f} s", flush=True)


def estimate() -> None:
    for key, name in KEYS.items():
        config = training.REPRODUCTIONS[name].config(device="cpu")
        source = datasets.resolve_source(config.dataset)
        flops = training.training_flops(config, source.n_train, source.n_test)
        print(
            f"{key:8s} {source.n_train:>6,} images  at most {flops / 1e12:6.1f} TFLOP "
            f"({config.models} models, {config.epochs} epochs)"
        )


def markdown_table(table: pd.DataFrame) -> str:
    """A Markdown table (pandas' ``to_markdown`` needs tabulate, which the app does not ship)."""
    lines = ["| " + " | ".join(map(str, table.columns)) + " |"]
    lines.append("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines)


def report() -> None:
    for path in sorted(OUT.glob("*.json")):
        record = json.loads(path.read_text())
        table = pd.DataFrame(record["comparison"]).round(2)
        state = "finished" if record["finished"] else "cut short"
        print(f"## {record['preset']} ({state}, {record['seconds'] / 60:.0f} min)\n")
        for line in record["deviations"]:
            print(f"- deviation: {line}")
        print()
        print(markdown_table(table))
        reached = pd.DataFrame(record["epochs_reached"])
        if len(reached):
            print(
                "\nepochs reached:",
                "; ".join(
                    f"{r['activation']} seed {r['seed']}: {r['epoch']:g}"
                    for r in record["epochs_reached"]
                ),
            )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=[*KEYS, "all"], default="all")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--estimate", action="store_true", help="FLOPs per protocol, no training")
    parser.add_argument("--report", action="store_true", help="tables from the saved JSON files")
    parser.add_argument("--tag", default="", help="suffix of the JSON file name")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="what the MNIST page runs under a server's default caps (the quick mode); "
        "saved with the suffix _quick",
    )
    args = parser.parse_args()
    global TAG
    TAG = args.tag or ("_quick" if args.quick else "")
    if args.estimate:
        estimate()
        return
    if args.report:
        report()
        return
    seeds = tuple(int(s) for s in args.seeds.split(","))
    for key in KEYS if args.preset == "all" else [args.preset]:
        run(key, seeds, quick=args.quick)


if __name__ == "__main__":
    main()
