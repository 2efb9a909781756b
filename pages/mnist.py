"""MNIST quick training: activations trained side by side on the same data, live."""

from __future__ import annotations

import re
import threading
import uuid

import pandas as pd
import streamlit as st

from actlab import activations, budget, datasets, snippets, training
from actlab.charts.training import confusion_heatmap, learning_curves
from ui.bound import bound
from ui.catalogue import activation_options
from ui.export import cacheable_spec, chart_with_downloads
from ui.frame import end_page, guarded, lesson_header
from ui.safe_text import literal

PRESET_NAMES = ["custom", *training.PRESETS]
DEFAULTS = training.PRESETS["quick comparison"]
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 3.0]
TRAIN_LIMITS = [0, 1000, 2000, 5000, 10000, 20000, 30000]  # 0: every training image
# "my folder" reads a path typed on the page: only where the operator allows it (a local install).
SOURCE_LABELS = {
    "auto": "first available",
    **({"folder": "my folder"} if datasets.folder_field_allowed() else {}),
    "cache": "download cache",
    "system": "system copy",
    "bundled": "bundled MNIST (5,000 + 10,000)",
}


@st.cache_resource(show_spinner=False)
def optimizers_preloading() -> threading.Thread:
    """Once per server: the first training's one-time imports, while the user picks settings."""
    thread = threading.Thread(target=training.preload_optimizers, name="actlab-preload")
    thread.daemon = True
    thread.start()
    return thread


lesson_header(
    "MNIST: activations side by side",
    "Every activation trains from the **same initial weights on the same batches** for the same "
    "number of steps, so the curves differ only because of the activation. Watch how fast each "
    "loss falls, where the accuracies end up, and which digits each model gets wrong.",
)
optimizers_preloading()


def viewer_id() -> str:
    """The opaque id the training queue knows this browser tab by: drawn once per session
    (session state is per tab, and no widget can set this key)."""
    return st.session_state.setdefault("_mn_viewer", uuid.uuid4().hex)


def widget_values(preset: dict) -> dict:
    """The sidebar state that shows ``preset``."""
    return {
        "mn_at": preset["compare_at"],
        "mn_act": list(preset["activations"]),
        "mn_hid": ", ".join(str(w) for w in preset["hidden"]) or "none",
        "mn_opt": preset["optimizer"],
        "mn_lr": preset["lr"],
        "mn_mom": preset["momentum"],
        "mn_bs": preset["batch_size"],
        "mn_ep": preset["epochs"],
        "mn_seeds": len(preset["seeds"]),
        "mn_lim": preset["train_limit"] or 0,
        "mn_ev": preset["evals_per_epoch"],
        "mn_scale": preset["input_scaling"],
    }


def apply_preset() -> None:
    name = st.session_state["mn_preset"]
    if name in training.PRESETS:
        st.session_state.update(widget_values(training.PRESETS[name]))


@st.cache_data(show_spinner="Reading the dataset…", ttl=60, max_entries=16)
def dataset_summary(dataset: str, source: str, folder: str | None) -> tuple[str, str]:
    data = datasets.load(dataset, source, folder)
    if data.unverified:
        check = f"not matched to a published checksum: {', '.join(data.unverified)}"
    else:
        check = "all four files match their published checksums"
    return data.source.describe(), check


def download_with_progress(dataset: str) -> None:
    bar = st.progress(0.0, text="Connecting…")

    def show(p: datasets.DownloadProgress) -> None:
        bar.progress(p.fraction, text=f"{p.file}.gz: {p.done / 1e6:.1f} MB")

    try:
        source = datasets.download(dataset, timeout=20, on_progress=show)
    except datasets.DownloadError as err:
        bar.empty()
        st.error(f"Download failed: {literal(err)}", icon=":material/cloud_off:")
        st.info("Training uses the bundled MNIST (5,000 training digits) instead.")
        return
    bar.progress(1.0, text="Done")
    dataset_summary.clear()
    st.success(f"Saved and verified: {literal(source.describe())}")


# Widget defaults show the quick comparison; choosing a preset overwrites them through
# session state, and a shared URL wins over both.
default = widget_values(DEFAULTS)
with st.sidebar:
    st.header("Experiment")
    st.selectbox("Preset", PRESET_NAMES, key="mn_preset", on_change=apply_preset)
    with st.expander("Data", expanded=False):
        dataset = bound(
            st.selectbox,
            "Dataset",
            list(datasets.DATASETS),
            format_func=lambda d: datasets.DATASETS[d].display_name,
            key="mn_ds",
        )
        source = bound(
            st.selectbox,
            "Source",
            list(SOURCE_LABELS),
            format_func=SOURCE_LABELS.get,
            key="mn_src",
        )
        folder = (
            st.text_input(
                "My folder (IDX files, or torchvision's root with MNIST/raw)",
                key="mn_dir",
                help=f"Also read from ${datasets.DATA_DIR_ENV}.",
            )
            if datasets.folder_field_allowed()
            else ""
        )
        if st.button("Download the full dataset", key="mn_dl", icon=":material/download:"):
            download_with_progress(dataset)
    compare_at = bound(
        st.radio,
        "Compare activations at",
        training.SITES,
        index=training.SITES.index(default["mn_at"]),
        format_func={"hidden": "hidden layers", "output": "the output (fed to nll_loss)"}.get,
        key="mn_at",
    )
    chosen = bound(
        st.multiselect,
        "Activations",
        [*training.OUTPUT_FUNCTIONS, *activation_options()],
        default=default["mn_act"],
        format_func=lambda n: n if n in training.OUTPUT_FUNCTIONS else activations.display_name(n),
        key="mn_act",
    )
    hidden_text = bound(
        st.text_input,
        "Hidden layers",
        default["mn_hid"],
        key="mn_hid",
        help="e.g. 256, 128 — or none",
    )
    optimizer = bound(
        st.selectbox,
        "Optimizer",
        training.OPTIMIZERS,
        index=training.OPTIMIZERS.index(default["mn_opt"]),
        format_func={"sgd": "SGD with momentum", "adam": "Adam"}.get,
        key="mn_opt",
    )
    lr = bound(st.select_slider, "Learning rate", LEARNING_RATES, default["mn_lr"], key="mn_lr")
    momentum = bound(
        st.select_slider,
        "Momentum (SGD)",
        [0.0, 0.5, 0.9, 0.95, 0.99],
        default["mn_mom"],
        key="mn_mom",
    )
    batch_size = bound(
        st.select_slider,
        "Batch size",
        [16, 32, 64, 128, 256, 512, 1024],
        default["mn_bs"],
        key="mn_bs",
    )
    epochs = bound(st.number_input, "Epochs", 1, 50, default["mn_ep"], key="mn_ep")
    seeds = bound(
        st.number_input,
        "Seeds (mean and min–max band)",
        1,
        5,
        default["mn_seeds"],
        key="mn_seeds",
    )
    train_limit = bound(
        st.select_slider,
        "Training images",
        TRAIN_LIMITS,
        default["mn_lim"],
        format_func=lambda n: "all" if n == 0 else f"{n:,}",
        key="mn_lim",
    )
    evals = bound(
        st.number_input, "Test evaluations per epoch", 1, 10, default["mn_ev"], key="mn_ev"
    )
    scaling = bound(
        st.radio,
        "Input pixels",
        training.INPUT_SCALINGS,
        index=training.INPUT_SCALINGS.index(default["mn_scale"]),
        format_func={"standardize": "standardised", "divide_by_255": "÷ 255 (tutorial)"}.get,
        key="mn_scale",
    )

config = guarded(
    lambda: training.TrainingConfig(
        dataset=dataset,
        source=source,
        folder=folder.strip() or None,
        activations=tuple(chosen),
        hidden=training.parse_hidden(hidden_text),
        compare_at=compare_at,
        optimizer=optimizer,
        lr=lr,
        momentum=momentum,
        batch_size=batch_size,
        epochs=int(epochs),
        seeds=tuple(range(int(seeds))),
        train_limit=train_limit or None,
        evals_per_epoch=int(evals),
        input_scaling=scaling,
    )
)
if config is None:
    end_page()
with st.expander(":material/code: PyTorch code for this configuration"):
    st.code(snippets.mnist_snippet(config), language="python")
summary = guarded(lambda: dataset_summary(config.dataset, config.source, config.folder))
if summary is None:
    end_page()
st.markdown(f":material/database: **Data:** {literal(summary[0])}; {literal(summary[1])}.")
st.caption(f"Source: {datasets.DATASETS[config.dataset].citation}.")

left, right = st.columns([3, 2])
with left:
    if config.compare_at == "hidden":
        layers = " \\to ".join(["784", *map(str, config.hidden), "10"])
        st.latex(rf"h_\ell = f(W_\ell h_{{\ell-1}} + b_\ell),\quad \text{{sizes }} {layers}")
        st.latex(r"\text{loss} = -\log \operatorname{softmax}(z)_y \quad(\text{cross-entropy})")
    else:
        st.latex(r"z = W h + b,\qquad \text{loss} = \texttt{nll\_loss}(g(z), y) = -g(z)_y")
        st.caption(
            "Only g = log_softmax makes this the cross-entropy; with softmax, sigmoid or tanh the "
            "'loss' is minus a bounded score, so its gradient fades. Accuracy is measured on the "
            "full 10,000-image test set (the tutorial printed it for a single batch of 64)."
        )
with right:
    over_budget = guarded(lambda: training.RUNS.budget_problem(config))
    start = st.button(
        "Train",
        key="mn_go",
        type="primary",
        icon=":material/play_arrow:",
        disabled=over_budget is not None,
    )
    st.caption(
        f"Identical configurations are computed once and shared; at most "
        f"{training.MAX_CONCURRENT_TRAININGS} trainings run at once on this server, one per "
        "visitor, and a training stops a few seconds after its last viewer has left the page."
    )
if over_budget is not None:
    st.warning(over_budget, icon=":material/speed:")
if start and guarded(lambda: training.RUNS.start(config, viewer_id())) is not None:
    st.session_state.pop("mn_left", None)
run = training.RUNS.find(config)
if run is None:
    st.info("Press **Train** to start (a run someone else started with these settings shows here).")
    end_page()
if not run.state().finished and st.session_state.get("mn_left") == run.id:
    viewers = run.state().viewers
    st.info(
        f"You stopped watching this training; it goes on for the {viewers} other "
        f"viewer{'s' * (viewers != 1)} who still watch{'es' * (viewers == 1)} it. Press "
        "**Train** to watch it again.",
        icon=":material/visibility_off:",
    )
    end_page()


@st.cache_data(
    show_spinner=False,
    max_entries=budget.MNIST_CURVES_ENTRIES,
    max_size=budget.MNIST_CURVES_BYTES,
    ttl=budget.CACHE_TTL_SECONDS,
)
def learning_curve_charts(history: pd.DataFrame) -> list[tuple[dict, pd.DataFrame, str]]:
    """Loss and accuracy charts of a history: cached Vega-Lite spec, its data, a file name.

    The live view refreshes twice a second but the history only grows at evaluations: building
    the two Altair charts costs ~90 ms of the server's CPU (and GIL) that the training needs.
    """
    loss = training.seed_bands(history, ["train_loss", "test_loss"])
    accuracy = training.seed_bands(history, ["test_accuracy"])
    title = "Loss: test (solid), train (dashed)"
    return [
        (
            cacheable_spec(learning_curves(loss, "loss", "mn_loss_legend", title=title)),
            loss,
            "loss",
        ),
        (
            cacheable_spec(
                learning_curves(accuracy, "test accuracy", "mn_acc_legend", title="Test accuracy")
            ),
            accuracy,
            "accuracy",
        ),
    ]


def draw_curves(history: pd.DataFrame, downloads: bool = False) -> None:
    """Side by side; with PNG / SVG / CSV buttons once the run is over (not while it redraws)."""
    for column, (spec, data, name) in zip(
        st.columns(2), learning_curve_charts(history), strict=True
    ):
        with column:
            if downloads:
                chart_with_downloads(spec, data, f"mnist_{name}")
            else:
                st.vega_lite_chart(spec, width="stretch")


@st.fragment(run_every=0.5)
def live_view(run: training.TrainingRun) -> None:
    """Progress twice a second; each refresh renews this viewer's lease on the run."""
    run.watch(viewer_id())
    state = run.state()
    if state.finished:
        st.rerun()
    if state.status == "queued":
        st.info(
            f"Waiting for a free training slot: number {state.queue_position} in the queue "
            f"({training.MAX_CONCURRENT_TRAININGS} trainings run at once on this server).",
            icon=":material/hourglass_top:",
        )
    progress = state.progress
    if state.status == "running" and progress is None:
        st.caption("Loading the data and building the models…")
    if progress is not None:
        eta = (
            "…" if progress.eta_seconds != progress.eta_seconds else f"{progress.eta_seconds:.0f} s"
        )
        st.progress(
            progress.fraction,
            text=f"step {progress.step:,} / {progress.total_steps:,} · "
            f"epoch {progress.epoch:.2f} · ETA {eta} · "
            f"{progress.samples_per_second:,.0f} samples/s per model",
        )
    if st.button("Stop", key="mn_stop", icon=":material/stop:") and not run.leave(viewer_id()):
        st.session_state["mn_left"] = run.id  # others still watch it: it goes on for them
        st.rerun()
    if progress is not None and not progress.history.empty:
        draw_curves(progress.history)


state = run.state()
if not state.finished:
    live_view(run)
    end_page()
if state.status == "failed":
    st.error(f"Training failed: {literal(state.error)}", icon=":material/error:")
    end_page()
result = state.result
if result is None:
    st.warning("The run was stopped before it started.")
    end_page()
if result.stopped:
    st.warning("Stopped early: the curves and tables show the history up to that point.")
for message in result.messages.values():
    st.warning(literal(message), icon=":material/warning:")
st.caption(
    f"{result.data_description} · device {result.device} · {result.seconds:.1f} s in all · "
    f"{result.samples_per_second:,.0f} training samples/s per model."
)
if result.history.empty:
    end_page()
draw_curves(result.history, downloads=True)

st.subheader("Results")
st.dataframe(
    training.summary_table(result),
    hide_index=True,
    column_config={
        column: st.column_config.NumberColumn(format="percent")
        for column in ["final accuracy", "min", "max", "best accuracy"]
    }
    | {
        "best epoch": st.column_config.NumberColumn(format="%.2f"),
        "seconds to best": st.column_config.NumberColumn(format="%.1f s"),
    },
)

st.subheader("Where the mistakes are")
picked = st.selectbox("Activation", list(result.test_probabilities), key="mn_cm")
matrix_column, gallery_column = st.columns([3, 2])
with matrix_column:
    matrix = training.confusion_matrix(result, picked)
    chart_with_downloads(
        confusion_heatmap(matrix),
        matrix,
        f"mnist_confusion_{re.sub(r'[^A-Za-z0-9]+', '_', picked)}",
    )
with gallery_column:
    st.caption("The most confident mistakes on the test set (first seed's model):")
    mistakes = training.misclassified(result, picked, limit=12)
    cells = st.columns(3)
    for i, row in enumerate(mistakes.itertuples()):
        cells[i % 3].image(
            result.test_images[row.index],
            width=84,
            caption=f"{row.true} → {row.predicted} ({row.p_predicted:.0%}), "
            f"p(true) {row.p_true:.0%}",
        )

st.download_button(
    "Download the training history (CSV)",
    result.history.to_csv(index=False).encode(),
    file_name="mnist_history.csv",
    mime="text/csv",
    icon=":material/download:",
)
