"""MNIST quick training: activations trained side by side on the same data, live, and
published comparisons rerun as presets, their tables beside the measured result."""

from __future__ import annotations

import re
import threading
import uuid

import pandas as pd
import streamlit as st

from actlab import activations, budget, datasets, gated, optimizers, snippets, training
from actlab.charts.learning_curves import learning_curve_chart
from actlab.charts.training import confusion_heatmap
from ui.bound import bound
from ui.catalogue import activation_options
from ui.export import cacheable_spec, chart_with_downloads, draw
from ui.frame import end_page, guarded
from ui.i18n import N_, _, choose_language, language, localized_error
from ui.live_training import said
from ui.safe_text import literal

PRESET_NAMES = ["custom", *training.PRESETS]
DEFAULT = training.form_values(training.PRESETS["quick comparison"])
# The control that shows each field of the form (``training.form_values``' names).
KEYS = {
    "dataset": "mn_ds",
    "compare_at": "mn_at",
    "activations": "mn_act",
    "architecture": "mn_arch",
    "hidden": "mn_hid",
    "optimizer": "mn_opt",
    "lr": "mn_lr",
    "momentum": "mn_mom",
    "batch_size": "mn_bs",
    "epochs": "mn_ep",
    "seeds": "mn_seeds",
    "train_limit": "mn_lim",
    "evals_per_epoch": "mn_ev",
    "input_scaling": "mn_scale",
    "validation_share": "mn_val",
    "patience": "mn_pat",
    "drop_last": "mn_droplast",
    "init": "mn_init",
    "dropout": "mn_drop",
    "dropout_kind": "mn_dropk",
}
# "my folder" reads a path typed on the page: only where the operator allows it (a local install).
SOURCE_LABELS = {  # marked (N_): translated where shown
    "auto": N_("first available"),
    **({"folder": N_("my folder")} if datasets.folder_field_allowed() else {}),
    "cache": N_("download cache"),
    "system": N_("system copy"),
    "bundled": N_("bundled MNIST (5,000 + 10,000)"),
}
# (file name, metrics, y axis, legend parameter, title) of the two learning-curve charts
LOSS_TITLE = N_("Loss: test (solid), train (dashed)")
CURVES = [
    ("loss", ["train_loss", "test_loss"], N_("loss"), "mn_loss_legend", LOSS_TITLE),
    ("accuracy", ["test_accuracy"], N_("test accuracy"), "mn_acc_legend", N_("Test accuracy")),
]
PRESET_LABELS = {"custom": N_("custom")}  # the presets' own names are marked in training
# seed_bands' metric names (the dash's legend), marked
METRIC_LABELS = {"train loss": N_("train loss"), "test loss": N_("test loss")}


def label(table: dict[str, str]):
    """A ``format_func`` showing ``table``'s marked label of an option, in this language."""
    return lambda option: _(table[option])


@st.cache_resource(show_spinner=False)
def optimizers_preloading() -> threading.Thread:
    """Once per server: the first training's one-time imports, while the user picks settings."""
    thread = threading.Thread(target=training.preload_optimizers, name="actlab-preload")
    thread.daemon = True
    thread.start()
    return thread


optimizers_preloading()


def viewer_id() -> str:
    """The opaque id the training queue knows this browser tab by: drawn once per session
    (session state is per tab, and no widget can set this key)."""
    return st.session_state.setdefault("_mn_viewer", uuid.uuid4().hex)


def apply_preset() -> None:
    """Choosing a preset sets every control of the form (a shared URL wins over the defaults)."""
    preset = training.PRESETS.get(st.session_state["mn_preset"])
    if preset is not None:
        values = training.form_values(preset).items()
        st.session_state.update({KEYS[f]: v for f, v in values})


def activation_label(name: str) -> str:
    """An option as the list shows it: ``ReLU``, ``Custom``, ``SwiGLU (gated)``, and a preset's
    member with parameters as ``LeakyReLU(negative_slope=0.1)``."""
    if gated.is_gated(name):
        return _("{unit} (gated)").format(unit=gated.display_name(name))
    if name in training.OUTPUT_FUNCTIONS:
        return name
    if name in activations.names() or activations.is_custom(name):
        return activations.display_name(name)
    return training.parse_activation(name).title


# Every activation the form offers: output functions, the catalogue (and the visitor's
# formula), gated units, and the presets' members with parameters (UvA's LeakyReLU(0.1)).
ACTIVATION_OPTIONS = [*training.OUTPUT_FUNCTIONS, *activation_options(), *gated.names()]
ACTIVATION_OPTIONS += list(
    dict.fromkeys(
        text
        for preset in training.PRESETS.values()
        for text in training.form_values(preset)["activations"]
        if text not in ACTIVATION_OPTIONS
    )
)


@st.cache_data(show_spinner=False, ttl=60, max_entries=16)
def dataset_summary(dataset: str, source: str, folder: str | None, lang: str) -> tuple[str, str]:
    """The data line's two parts, per language."""
    data = datasets.load(dataset, source, folder)
    if data.unverified:
        check = _("not matched to a published checksum: {files}").format(
            files=", ".join(data.unverified)
        )
    else:
        check = _("all four files match their published checksums")
    return said(data.source.describe()), check


def download_with_progress(dataset: str) -> None:
    bar = st.progress(0.0, text=_("Connecting…"))

    def show(p: datasets.DownloadProgress) -> None:
        bar.progress(p.fraction, text=f"{p.file}.gz: {p.done / 1e6:.1f} MB")

    try:
        source = datasets.download(dataset, timeout=20, on_progress=show)
    except datasets.DownloadError as err:
        bar.empty()
        st.error(
            _("Download failed: {reason}").format(reason=literal(localized_error(err))),
            icon=":material/cloud_off:",
        )
        st.info(_("Training uses the bundled MNIST (5,000 training digits) instead."))
        return
    bar.progress(1.0, text=_("Done"))
    dataset_summary.clear()
    st.success(_("Saved and verified: {source}").format(source=literal(said(source.describe()))))


form = {}  # TrainingConfig's fields as the controls show them (training.config_from_form)
with st.sidebar:
    st.header(_("Experiment"))
    preset_box = st.container()  # filled last: it names the preset whose values are on screen
    with st.expander(_("Data"), expanded=False):
        form["dataset"] = bound(
            st.selectbox,
            _("Dataset"),
            list(datasets.DATASETS),
            format_func=lambda d: datasets.DATASETS[d].display_name,
            key="mn_ds",
        )
        form["source"] = bound(
            st.selectbox,
            _("Source"),
            list(SOURCE_LABELS),
            format_func=label(SOURCE_LABELS),
            key="mn_src",
        )
        if datasets.folder_field_allowed():
            form["folder"] = st.text_input(
                _("My folder (IDX files, or torchvision's root with MNIST/raw)"),
                key="mn_dir",
                help=_("Also read from ${variable}.").format(variable=datasets.DATA_DIR_ENV),
            )
        if st.button(_("Download the full dataset"), key="mn_dl", icon=":material/download:"):
            download_with_progress(form["dataset"])
    form["compare_at"] = bound(
        st.radio,
        _("Compare activations at"),
        training.SITES,
        index=training.SITES.index(DEFAULT["compare_at"]),
        format_func=label(training.SITE_LABELS),
        key="mn_at",
    )
    form["activations"] = bound(
        st.multiselect,
        _("Activations"),
        ACTIVATION_OPTIONS,
        default=DEFAULT["activations"],
        format_func=activation_label,
        key="mn_act",
        help=_(
            "Gated units (GLU, ReGLU, GEGLU, SwiGLU) replace a hidden layer by "
            "φ(xW) ⊙ (xV), narrowed to the plain network's parameter count."
        ),
    )
    form["architecture"] = bound(
        st.selectbox,
        _("Network"),
        training.ARCHITECTURES,
        index=training.ARCHITECTURES.index(DEFAULT["architecture"]),
        format_func=label(training.ARCHITECTURE_LABELS),
        key="mn_arch",
    )
    form["hidden"] = bound(
        st.text_input,
        _("Hidden layers"),
        DEFAULT["hidden"],
        key="mn_hid",
        disabled=form["architecture"] != "mlp",
        help=_("e.g. 256, 128 — or none (a CNN's dense layers are part of the network)"),
    )
    form["optimizer"] = bound(
        st.selectbox,
        _("Optimizer"),
        optimizers.IDS,
        index=optimizers.IDS.index(DEFAULT["optimizer"]),
        format_func=optimizers.label,
        key="mn_opt",
    )
    form["lr"] = bound(
        st.select_slider, _("Learning rate"), training.LEARNING_RATES, DEFAULT["lr"], key="mn_lr"
    )
    form["momentum"] = bound(
        st.select_slider, _("Momentum (SGD)"), training.MOMENTA, DEFAULT["momentum"], key="mn_mom"
    )
    form["batch_size"] = bound(
        st.select_slider, _("Batch size"), training.BATCH_SIZES, DEFAULT["batch_size"], key="mn_bs"
    )
    form["epochs"] = bound(st.number_input, _("Epochs"), 1, 50, DEFAULT["epochs"], key="mn_ep")
    form["seeds"] = bound(
        st.number_input,
        _("Seeds (mean and min–max band)"),
        1,
        5,
        DEFAULT["seeds"],
        key="mn_seeds",
    )
    form["train_limit"] = bound(
        st.select_slider,
        _("Training images"),
        training.TRAIN_LIMITS,
        DEFAULT["train_limit"],
        format_func=lambda n: _("all") if n == 0 else f"{n:,}",
        key="mn_lim",
    )
    form["evals_per_epoch"] = bound(
        st.number_input,
        _("Test evaluations per epoch"),
        1,
        10,
        DEFAULT["evals_per_epoch"],
        key="mn_ev",
    )
    form["input_scaling"] = bound(
        st.radio,
        _("Input pixels"),
        training.INPUT_SCALINGS,
        index=training.INPUT_SCALINGS.index(DEFAULT["input_scaling"]),
        format_func=label(training.INPUT_SCALING_LABELS),
        key="mn_scale",
    )
    with st.expander(_("Protocol: validation, early stopping, init, dropout")):
        form["validation_share"] = bound(
            st.select_slider,
            _("Validation split (held out of the training images)"),
            training.VALIDATION_SHARES,
            DEFAULT["validation_share"],
            format_func=lambda n: _("none") if n == 0 else f"1/{n}",
            key="mn_val",
            help=_("With a split, each model is judged by its best-validation checkpoint."),
        )
        form["patience"] = bound(
            st.number_input,
            _("Early stopping: patience in epochs (0: off)"),
            0,
            training.MAX_PATIENCE,
            DEFAULT["patience"],
            key="mn_pat",
        )
        form["drop_last"] = bound(
            st.checkbox,
            _("Drop each epoch's last, smaller batch"),
            DEFAULT["drop_last"],
            key="mn_droplast",
        )
        form["init"] = bound(
            st.selectbox,
            _("Initialisation"),
            training.INITS,
            index=training.INITS.index(DEFAULT["init"]),
            format_func=label(training.INIT_LABELS),
            key="mn_init",
        )
        form["dropout"] = bound(
            st.select_slider,
            _("Dropout after dense hidden layers"),
            training.DROPOUT_RATES,
            DEFAULT["dropout"],
            key="mn_drop",
        )
        form["dropout_kind"] = bound(
            st.selectbox,
            _("Dropout kind"),
            training.DROPOUT_KINDS,
            index=training.DROPOUT_KINDS.index(DEFAULT["dropout_kind"]),
            format_func=label(training.DROPOUT_LABELS),
            key="mn_dropk",
        )

config = guarded(lambda: training.config_from_form(**form))
# The preset box names the preset whose values the controls show, "custom" once one is edited.
st.session_state["mn_preset"] = training.preset_name(config) or "custom"
with preset_box:
    st.selectbox(
        _("Preset"),
        PRESET_NAMES,
        format_func=lambda name: _(PRESET_LABELS.get(name, name)),
        key="mn_preset",
        on_change=apply_preset,
    )
if config is None:
    end_page()
with st.spinner(_("Reading the dataset…")):
    summary = guarded(
        lambda: dataset_summary(config.dataset, config.source, config.folder, language())
    )
if summary is None:
    end_page()
# The citation as the data line's help: the live charts must start on a projector's first
# screen (1280x720) after Train.
st.markdown(
    ":material/database: "
    + _("**Data:** {source}; {check}.").format(
        source=literal(summary[0]), check=literal(summary[1])
    ),
    help=_("Source: {citation}.").format(citation=datasets.DATASETS[config.dataset].citation),
)
plan = guarded(lambda: training.RUNS.plan(config))
if plan is None:
    end_page()
reproduction = plan.reproduction
if reproduction is not None:
    st.markdown(
        ":material/menu_book: "
        + _("**Published protocol: {name}.** {source}. [Open the source]({url})").format(
            name=literal(_(plan.name)), source=literal(_(reproduction.source)), url=reproduction.url
        )
    )
    with st.expander(_("The protocol, every field")):
        rows = [(literal(k), literal(v)) for k, v in training.protocol_rows(reproduction)]
        st.table(pd.DataFrame(rows, columns=[_("field"), _("protocol")]), hide_index=True)
    if plan.quick:
        st.info(
            _("**Quick mode, not the full protocol.** {text}").format(
                text=literal(said(plan.quick_text))
            ),
            icon=":material/bolt:",
        )
    if plan.subset:
        st.info(
            _(
                "**Data subset:** {source}, not the protocol's {full} training images: expect "
                "lower accuracies than published. *Download the full dataset* under Data for the "
                "protocol's own data."
            ).format(source=literal(summary[0]), full=f"{reproduction.full_train:,}"),
            icon=":material/dataset:",
        )

left, right = st.columns([3, 2])
with left:
    for line in training.formula_latex(config):
        st.latex(line)
    matched = training.width_match(config)
    if matched is not None:
        st.caption(literal(said(matched.text)))
    if config.compare_at == "output":
        st.caption(
            _(
                "Only g = log_softmax makes this the cross-entropy; with softmax, sigmoid or tanh "
                "the 'loss' is minus a bounded score, so its gradient fades. Accuracy is measured "
                "on the full 10,000-image test set (the tutorial printed it for a single batch of "
                "64)."
            )
        )
with right:
    over_budget = plan.problem
    start = st.button(
        _("Train"),
        key="mn_go",
        type="primary",
        icon=":material/play_arrow:",
        disabled=over_budget is not None,
        help=said(training.SHARING_NOTE),
    )
    gaps = training.snippet_gaps(config)
    with st.expander(":material/code: " + _("PyTorch code for this configuration")):
        if gaps:
            st.caption(
                _(
                    "The PyTorch snippet writes a plain MLP loop; it does not write this "
                    "configuration's {gaps}, so none is shown for it."
                ).format(gaps=literal("; ".join(gaps)))
            )
        else:
            st.code(snippets.mnist_snippet(config), language="python")
if over_budget is not None:
    st.warning(said(over_budget), icon=":material/speed:")
if start and guarded(lambda: training.RUNS.start(plan.config, viewer_id())) is not None:
    st.session_state.pop("mn_left", None)
run = training.RUNS.find(plan.config)
if run is None:
    st.info(
        _("Press **Train** to start (a run someone else started with these settings shows here).")
    )
    end_page()
if not run.state().finished and st.session_state.get("mn_left") == run.id:
    st.info(said(run.state().left_text), icon=":material/visibility_off:")
    end_page()


@st.cache_data(
    show_spinner=False,
    max_entries=budget.MNIST_CURVES_ENTRIES,
    max_size=budget.MNIST_CURVES_BYTES,
    ttl=budget.CACHE_TTL_SECONDS,
)
def learning_curve_charts(history: pd.DataFrame, lang: str) -> list[tuple[dict, pd.DataFrame, str]]:
    """Loss and accuracy charts of a history: cached Vega-Lite spec, its data, a file name.

    The live view refreshes twice a second but the history only grows at evaluations: building
    the two Altair charts costs ~90 ms of the server's CPU (and GIL) that the training needs.
    """
    charts = []
    for name, metrics, axis, legend, title in CURVES:
        bands = training.seed_bands(history, metrics)
        bands = bands.assign(metric=bands["metric"].map(lambda m: _(METRIC_LABELS.get(m, m))))
        chart = learning_curve_chart(
            bands,
            x="epoch",
            y="mean",
            series="activation",
            x_title=_("epoch"),
            y_title=_(axis),
            series_title=_("activation"),
            title=_(title),
            legend=legend,
            band=("low", "high"),
            dash="metric",
            dash_title=_("loss"),
            markers=True,
            zero=False,
            tooltip=[("step:Q", _("step")), ("seeds:Q", _("seeds"))],
        )
        charts.append((cacheable_spec(chart), bands, name))
    return charts


def draw_curves(history: pd.DataFrame, downloads: bool = False) -> None:
    """Side by side; with PNG / SVG / CSV buttons once the run is over (not while it redraws)."""
    charts = learning_curve_charts(history, language())
    for column, (spec, data, name) in zip(st.columns(2), charts, strict=True):
        with column:
            if downloads:
                chart_with_downloads(spec, data, f"mnist_{name}")
            else:
                draw(spec)


@st.fragment(run_every=0.5)
def live_view(run: training.TrainingRun) -> None:
    """Progress twice a second; each refresh renews this viewer's lease on the run."""
    choose_language()  # a fragment's rerun skips the router, which sets the language
    run.watch(viewer_id())
    state = run.state()
    if state.finished:
        st.rerun()
    if state.status == "queued":
        st.info(said(state.queue_text), icon=":material/hourglass_top:")
    if state.status == "running" and state.progress is None:
        st.caption(_("Loading the data and building the models…"))
    progress_column, stop_column = st.columns([5, 1], vertical_alignment="bottom")
    if state.progress is not None:
        progress_column.progress(state.progress.fraction, text=said(state.progress.text))
    stopped = stop_column.button(_("Stop"), key="mn_stop", icon=":material/stop:")
    if stopped and not run.leave(viewer_id()):
        st.session_state["mn_left"] = run.id  # others still watch it: it goes on for them
        st.rerun()
    if state.progress is not None and not state.progress.history.empty:
        draw_curves(state.progress.history)


state = run.state()
if not state.finished:
    live_view(run)
    end_page()
if state.status == "failed":
    st.error(
        _("Training failed: {reason}").format(reason=literal(said(state.error))),
        icon=":material/error:",
    )
    end_page()
result = state.result
if result is None:
    st.warning(_("The run was stopped before it started."))
    end_page()
if result.stopped:
    st.warning(_("Stopped early: the curves and tables show the history up to that point."))
for message in result.messages.values():
    st.warning(literal(said(message)), icon=":material/warning:")
st.caption(
    _(
        "{data} · device {device} · {seconds} s in all · {rate} training samples/s per model."
    ).format(
        data=said(result.data_description),
        device=result.device,
        seconds=f"{result.seconds:.1f}",
        rate=f"{result.samples_per_second:,.0f}",
    )
)
if result.history.empty:
    end_page()
draw_curves(result.history, downloads=True)

if reproduction is not None:
    st.subheader(_("Published versus measured"))
    st.markdown(
        _(
            "{name}: test accuracy in percent; measured at each seed's selected checkpoint "
            "(mean, min–max over seeds), difference = measured mean − published. [Source]({url})"
        ).format(name=literal(_(plan.name)), url=reproduction.url)
    )
    differences = training.deviations(result.config, reproduction, plan.n_train)
    if differences:
        st.warning(
            _("**This run deviates from the protocol:**")
            + "\n"
            + "\n".join(f"- {literal(said(text))}" for text in differences),
            icon=":material/rule:",
        )
    else:
        st.success(_("This run follows the protocol exactly."), icon=":material/check:")
    comparison = training.comparison_table(result, reproduction)
    st.dataframe(training.comparison_display(comparison, reproduction), hide_index=True)
    notice = training.spread_notice(comparison, reproduction, differences)
    if notice is not None:
        st.info(literal(said(notice)), icon=":material/info:")

st.subheader(_("Results"))
results_table = training.summary_table(result)
st.dataframe(
    results_table.assign(status=results_table["status"].map(_)).rename(columns=_),
    hide_index=True,
    column_config={
        _(column): st.column_config.NumberColumn(format=number_format)
        for column, number_format in training.SUMMARY_FORMATS.items()
    },
)

st.subheader(_("Where the mistakes are"))
picked = st.selectbox(_("Activation"), list(result.test_probabilities), key="mn_cm")
matrix_column, gallery_column = st.columns([3, 2])
with matrix_column:
    matrix = training.confusion_matrix(result, picked)
    file_name = f"mnist_confusion_{re.sub(r'[^A-Za-z0-9]+', '_', picked)}"
    chart_with_downloads(confusion_heatmap(matrix), matrix, file_name)
with gallery_column:
    st.caption(_("The most confident mistakes on the test set (first seed's model):"))
    cells = st.columns(3)
    for i, row in enumerate(training.misclassified(result, picked, limit=12).itertuples()):
        cells[i % 3].image(
            result.test_images[row.index],
            width=84,
            caption=_("{true} → {predicted} ({p_predicted}), p(true) {p_true}").format(
                true=row.true,
                predicted=row.predicted,
                p_predicted=f"{row.p_predicted:.0%}",
                p_true=f"{row.p_true:.0%}",
            ),
        )

st.download_button(
    _("Download the training history (CSV)"),
    result.history.to_csv(index=False).encode(),
    file_name=_("mnist_history") + ".csv",
    mime="text/csv",
    icon=":material/download:",
)
