"""Playground: train a small network live and watch every neuron, TensorFlow-Playground style."""

from __future__ import annotations

import time
from dataclasses import replace
from functools import partial

import streamlit as st

from actlab import optimizers, playground, playground_export, playground_io
from actlab import playground_features as features
from actlab.playground import PlaygroundConfig, PlaygroundTrainer
from actlab.said import localized
from ui import playground_view as view
from ui.bound import bound
from ui.catalogue import activation_options
from ui.components.playground import last_action, playground_panel
from ui.export import presenting
from ui.frame import end_page, guarded
from ui.i18n import N_, _, choose_language, localized_error
from ui.safe_text import literal

RUNS, PLAYING, APP_RERUN = view.RUNS, view.PLAYING, view.APP_RERUN
FALLBACK_SECONDS = 2.0  # while playing, the live panel also reruns at least this often
TRAIN_BUDGET_SECONDS = 0.05  # training time per frame at most (per run)
MIN_FRAME_SECONDS = 1 / 30  # a client asking faster is paced: at most 30 trained frames a second
LAST_FRAME = "_pg_last_frame"  # time.monotonic() of the last trained frame
DATASETS = list(view.DATASETS)
LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_SIZES = [1, 5, 10, 16, 32, 64, 128, 0]
RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
NONE = "none"
LOSS_LABELS = {"cross_entropy": N_("cross-entropy"), "squared": N_("squared (TF)")}
INIT_LABELS = {"pytorch": N_("PyTorch default"), "playground": N_("TF: U(−0.5, 0.5)")}
REGULARISATION_LABELS = {NONE: N_("none"), "L1": "L1", "L2": "L2"}

with st.sidebar:
    st.header(_("Data"))
    dataset = bound(
        st.selectbox,
        _("Dataset"),
        DATASETS,
        index=0,
        format_func=view.dataset_label,
        key="pg_ds",
        help=_(
            "TensorFlow Playground's sets (points in [-6, 6]²). Plane and Multi-Gaussian are "
            "regression: the colour is the network's output, not a class. Your data: draw points "
            "on the output square, or upload a CSV."
        ),
    )
    custom = None
    if dataset == playground.CUSTOM:
        classes = bound(
            st.radio, _("Classes to draw"), [2, 3], horizontal=True, key="pg_classes",
            help=_(
                "Click the output square to add a point of the class chosen above it; "
                "right-click removes the nearest point."
            ),
        )  # fmt: skip
        custom = view.your_data(st.session_state, int(classes))
        upload = st.file_uploader(
            _("Or upload a CSV of x1,x2,label (up to {rows} rows)").format(
                rows=f"{playground_io.MAX_ROWS:,}"
            ),
            type=["csv", "txt"],
            key="_pg_csv",
            help=_(
                "One point per line; a header line is optional. Labels 0/1/2 (or -1/+1) are "
                "classes; any other numbers are regression targets."
            ),
        )
        if upload is not None:
            try:
                view.take_csv(st.session_state, upload.getvalue(), upload.file_id, int(classes))
            except ValueError as err:
                st.error(
                    _("That CSV cannot be used: {reason}").format(
                        reason=literal(localized_error(err))
                    ),
                    icon=":material/error:",
                )
    noise = bound(st.slider, _("Noise"), 0.0, 0.5, 0.0, 0.05, key="pg_noise")
    train_percent = bound(st.slider, _("Training data (%)"), 10, 90, 50, 10, key="pg_ratio")
    n_points = bound(
        st.select_slider, _("Points"), [100, 200, 300, 500, 800, 1200], value=500, key="pg_n"
    )
    data_seed = bound(st.number_input, _("Data seed"), 0, 10_000, 0, key="pg_dseed")
    feature_ids = bound(
        st.multiselect,
        _("Input features"),
        list(features.FEATURES),
        default=list(features.DEFAULT_2D),
        format_func=features.FEATURES.get,
        key="pg_feat",
        help=_(
            "What the first layer sees. With X₁² and X₂² even a network without hidden "
            "layers draws a circle."
        ),
    )
    st.header(_("Network"))
    shape = bound(
        st.text_input,
        _("Neurons per hidden layer"),
        value="8, 8",
        max_chars=view.SHAPE_CHARS,
        key="pg_shape",
        help=_(
            "Comma-separated, up to {layers} layers of 1 to {units}; empty: no hidden layer. "
            "The + and − buttons above each layer change it too."
        ).format(layers=playground.MAX_HIDDEN_LAYERS, units=playground.MAX_UNITS),
    )
    choices = [playground.NO_ACTIVATION, *activation_options()]
    activation = bound(
        st.selectbox,
        _("Activation (every hidden layer)"),
        choices,
        index=choices.index("tanh"),
        format_func=playground.activation_label,
        key="pg_act",
    )
    with st.expander(_("A different activation per layer")):
        per_layer = [
            bound(
                st.selectbox,
                _("Layer {layer}").format(layer=layer),
                [NONE, *choices],
                format_func=lambda a: (
                    _("as above") if a == NONE else playground.activation_label(a)
                ),
                key=f"pg_act{layer}",
            )
            for layer in range(1, playground.MAX_HIDDEN_LAYERS + 1)
        ]
    loss = bound(
        st.radio,
        _("Loss (classification)"),
        playground.LOSSES,
        format_func=lambda loss: _(LOSS_LABELS[loss]),
        horizontal=True,
        key="pg_loss",
    )
    init = bound(
        st.radio,
        _("Initial weights"),
        playground.INITS,
        format_func=lambda init: _(INIT_LABELS[init]),
        horizontal=True,
        key="pg_init",
    )
    st.header(_("Training"))
    lr = bound(st.select_slider, _("Learning rate"), LEARNING_RATES, value=0.03, key="pg_lr")
    batch_size = bound(
        st.select_slider,
        _("Batch size"),
        BATCH_SIZES,
        value=10,
        format_func=lambda b: _("full") if b == 0 else str(b),
        key="pg_bs",
    )
    optimizer = bound(
        st.radio,
        _("Optimizer"),
        optimizers.IDS,
        index=optimizers.IDS.index("sgd"),
        format_func=optimizers.label,
        horizontal=True,
        key="pg_opt",
    )
    regularisation = bound(
        st.radio,
        _("Regularisation"),
        [NONE, "L1", "L2"],
        format_func=lambda r: _(REGULARISATION_LABELS[r]),
        horizontal=True,
        key="pg_reg",
    )
    rate = bound(st.select_slider, _("Regularisation rate"), RATES, value=0.0, key="pg_rate")
    seed = bound(st.number_input, _("Weight seed"), 0, view.MAX_SEED, 0, key="pg_seed")
    speed = bound(st.select_slider, _("Epochs per frame"), [1, 2, 5, 10], value=1, key="pg_speed")
    st.header(_("Display"))
    show_test = bound(st.toggle, _("Show test data"), key="pg_test")
    discretize = bound(st.toggle, _("Discretize output"), key="pg_disc")
    compare = bound(
        st.selectbox,
        _("Side by side with"),
        [NONE, *choices],
        format_func=lambda a: _("nothing") if a == NONE else playground.activation_label(a),
        key="pg_cmp",
        help=_(
            "A second run on the same data from the identical initial weights, with this "
            "activation in every hidden layer."
        ),
    )


def configure() -> PlaygroundConfig:
    hidden = view.parse_shape(shape)
    chosen = [activation if a == NONE else a for a in per_layer[: len(hidden)]]
    return PlaygroundConfig(
        dataset=dataset,
        custom_classes=custom["points"].n_classes if custom else 2,
        noise=float(noise),
        train_fraction=train_percent / 100,
        n_points=int(n_points),
        data_seed=int(data_seed),
        hidden=hidden,
        activation=activation,
        activations=tuple(chosen),
        features=tuple(feature_ids),
        loss=loss,
        init=init,
        lr=float(lr),
        batch_size=int(batch_size),
        optimizer=optimizer,
        l1=float(rate) if regularisation == "L1" else 0.0,
        l2=float(rate) if regularisation == "L2" else 0.0,
        seed=int(seed),
    )


config = guarded(configure)
if config is None:
    end_page()
second = None if compare == NONE else replace(config, activations=(compare,) * len(config.hidden))


def fresh_runs() -> list[PlaygroundTrainer]:
    data = None
    if custom is not None:
        data = playground_io.custom_data(
            custom["points"], config.train_fraction, config.data_seed, view.custom_view(custom)
        )
    if second is None:
        return [PlaygroundTrainer(config, data)]
    return list(playground.side_by_side(config, second, data))


runs: list[PlaygroundTrainer] | None = st.session_state.get(RUNS)
wanted = [config] if second is None else [config, second]
data_version = custom["version"] if custom else None
if (
    runs is None
    or st.session_state.get(view.RUNS_DATA) != data_version
    or len(runs) != len(wanted)
    or not all(run.retune(want) for run, want in zip(runs, wanted, strict=True))
):
    # Data, network or optimizer changed: a fresh run from the seed's weights (learning rate,
    # regularisation and batch size are taken on the fly, as in TensorFlow Playground).
    runs = guarded(fresh_runs)
    if runs is None:
        end_page()
    st.session_state[RUNS] = runs
    st.session_state[view.RUNS_DATA] = data_version
st.session_state.setdefault(PLAYING, False)


def on_action(index: int) -> None:
    """A click in the component: change the session (and bound controls) before the rerun."""
    action = last_action(f"_pg_view{index}")
    if action is not None:
        view.apply_action(st.session_state, action)


playing = st.session_state[PLAYING] and not any(run.diverged for run in runs)


def live_panel() -> None:
    """One frame per run (training first while playing); reruns alone, so the sidebar stays
    usable and each refresh costs one forward pass per grid."""
    choose_language()  # a fragment's rerun skips the router, which sets the language
    if st.session_state.pop(APP_RERUN, False):
        st.rerun()  # the whole page: controls and the refresh timer follow the action
    current: list[PlaygroundTrainer] = st.session_state[RUNS]
    live = st.session_state[PLAYING]
    if live:
        wait = st.session_state.get(LAST_FRAME, 0.0) + MIN_FRAME_SECONDS - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        st.session_state[LAST_FRAME] = time.monotonic()
    frames = [view.advance(run, int(speed) if live else 0, TRAIN_BUDGET_SECONDS) for run in current]
    if live and any(run.diverged for run in current):
        st.session_state[PLAYING] = False
        st.rerun()  # the whole page: Play comes back and the refresh timer stops
    columns = st.columns(len(frames)) if len(frames) > 1 else [st.container()]
    for index, (column, frame, run) in enumerate(zip(columns, frames, current, strict=True)):
        frame["ui"] = view.display_settings(
            presenting=presenting(),
            playing=live,
            show_test=bool(show_test),
            discretize=bool(discretize),
            draw=custom is not None and run.config.task == "classification",
            n_classes=run.config.n_classes,
            activation_labels=[view.short_label(a) for a in run.config.layer_activations],
            compact=len(frames) > 1,
            ticker=index == 0,
            dataset=dataset,
        )
        with column:
            playground_panel(frame, key=f"_pg_view{index}", on_action=partial(on_action, index))


# While playing, the component asks for each next frame as soon as it has drawn one (a "tick"
# action, which reruns this fragment alone); run_every is only a slow safety net.
st.fragment(run_every=FALLBACK_SECONDS if playing else None)(live_panel)()

note = playground.linear_note(config)
if note is not None:
    st.warning(localized(note), icon=":material/straighten:")
for run in runs:
    if run.diverged:
        st.error(literal(localized(run.diverged)), icon=":material/trending_up:")

st.subheader(_("What is being trained"))
for formula in playground.model_formulas(config):
    st.latex(formula)
st.caption(
    _(
        "φ(x) are the chosen input features; f is the activation of the hidden layers only. One "
        "epoch is one pass over the training points in shuffled mini-batches. Training stops by "
        "itself and says so if the loss turns non-finite, jumps above {blow_up}× its starting "
        "value, or stays above {high}× it for {patience} epochs."
    ).format(
        blow_up=f"{playground.BLOW_UP_FACTOR:g}",
        high=f"{playground.HIGH_FACTOR:g}",
        patience=playground.HIGH_PATIENCE,
    )
)
with st.expander(":material/download: " + _("Export the trained model")):
    st.caption(
        _(
            "The weights as a PyTorch `state_dict` and a script that rebuilds this network in "
            "plain torch, loads them and predicts: "
            "`python playground_model.py playground_model.pt`."
        )
    )
    left, middle, right = st.columns(3)
    left.download_button(
        "state_dict (.pt)",
        lambda: playground_export.state_dict_bytes(st.session_state[RUNS][0]),
        file_name=playground_export.FILE_NAME,
        mime="application/octet-stream",
        icon=":material/download:",
        key="pg_export_pt",
    )
    snippet = playground_export.export_snippet(config)
    middle.download_button(
        _("Script (.py)"),
        snippet,
        file_name="playground_model.py",
        mime="text/x-python",
        icon=":material/code:",
        key="pg_export_py",
    )
    right.download_button(
        _("Loss history (CSV)"),
        lambda: st.session_state[RUNS][0].history.to_csv(index=False),
        file_name="playground_history.csv",
        mime="text/csv",
        icon=":material/download:",
        key="pg_export_csv",
    )
    st.code(snippet, language="python")
