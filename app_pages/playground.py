"""Playground: train a small network live and watch every neuron, TensorFlow-Playground style."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import streamlit as st

from actlab import optimizers, playground, snippets, toydata
from actlab import playground_features as features
from actlab.playground import PlaygroundConfig, PlaygroundTrainer
from ui import playground_view as view
from ui.bound import bound
from ui.catalogue import activation_options
from ui.components.playground import last_action, playground_panel
from ui.export import presenting
from ui.frame import end_page, guarded
from ui.safe_text import literal

RUNS, PLAYING, APP_RERUN = view.RUNS, view.PLAYING, view.APP_RERUN
TICK_SECONDS = 0.05  # the live panel asks for a new frame this often while playing
TRAIN_BUDGET_SECONDS = 0.05  # training time per frame at most (per run)
DATASETS = [*toydata.CLASSIFICATION, *toydata.REGRESSION_2D]
LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_SIZES = [1, 5, 10, 16, 32, 64, 128, 0]
RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
NONE = "none"

with st.sidebar:
    st.header("Data")
    dataset = bound(
        st.selectbox,
        "Dataset",
        DATASETS,
        index=0,
        format_func=view.dataset_label,
        key="pg_ds",
        help="TensorFlow Playground's sets (points in [-6, 6]²). Plane and Multi-Gaussian are "
        "regression: the colour is the network's output, not a class.",
    )
    noise = bound(st.slider, "Noise", 0.0, 0.5, 0.0, 0.05, key="pg_noise")
    train_percent = bound(st.slider, "Training data (%)", 10, 90, 50, 10, key="pg_ratio")
    n_points = bound(
        st.select_slider, "Points", [100, 200, 300, 500, 800, 1200], value=500, key="pg_n"
    )
    data_seed = bound(st.number_input, "Data seed", 0, 10_000, 0, key="pg_dseed")
    feature_ids = bound(
        st.multiselect,
        "Input features",
        list(features.FEATURES),
        default=list(features.DEFAULT_2D),
        format_func=features.FEATURES.get,
        key="pg_feat",
        help="What the first layer sees. With X₁² and X₂² even a network without hidden "
        "layers draws a circle.",
    )
    st.header("Network")
    shape = bound(
        st.text_input,
        "Neurons per hidden layer",
        value="8, 8",
        max_chars=view.SHAPE_CHARS,
        key="pg_shape",
        help=f"Comma-separated, up to {playground.MAX_HIDDEN_LAYERS} layers of 1 to "
        f"{playground.MAX_UNITS}; empty: no hidden layer. The + and − buttons above each "
        "layer change it too.",
    )
    choices = [playground.NO_ACTIVATION, *activation_options()]
    activation = bound(
        st.selectbox,
        "Activation (every hidden layer)",
        choices,
        index=choices.index("tanh"),
        format_func=playground.activation_label,
        key="pg_act",
    )
    with st.expander("A different activation per layer"):
        per_layer = [
            bound(
                st.selectbox,
                f"Layer {layer}",
                [NONE, *choices],
                format_func=lambda a: "as above" if a == NONE else playground.activation_label(a),
                key=f"pg_act{layer}",
            )
            for layer in range(1, playground.MAX_HIDDEN_LAYERS + 1)
        ]
    loss = bound(
        st.radio,
        "Loss (classification)",
        playground.LOSSES,
        format_func={"cross_entropy": "cross-entropy", "squared": "squared (TF)"}.get,
        horizontal=True,
        key="pg_loss",
    )
    init = bound(
        st.radio,
        "Initial weights",
        playground.INITS,
        format_func={"pytorch": "PyTorch default", "playground": "TF: U(−0.5, 0.5)"}.get,
        horizontal=True,
        key="pg_init",
    )
    st.header("Training")
    lr = bound(st.select_slider, "Learning rate", LEARNING_RATES, value=0.03, key="pg_lr")
    batch_size = bound(
        st.select_slider,
        "Batch size",
        BATCH_SIZES,
        value=10,
        format_func=lambda b: "full" if b == 0 else str(b),
        key="pg_bs",
    )
    optimizer = bound(
        st.radio,
        "Optimizer",
        optimizers.IDS,
        index=optimizers.IDS.index("sgd"),
        format_func=optimizers.label,
        horizontal=True,
        key="pg_opt",
    )
    regularisation = bound(
        st.radio, "Regularisation", [NONE, "L1", "L2"], horizontal=True, key="pg_reg"
    )
    rate = bound(st.select_slider, "Regularisation rate", RATES, value=0.0, key="pg_rate")
    seed = bound(st.number_input, "Weight seed", 0, view.MAX_SEED, 0, key="pg_seed")
    speed = bound(st.select_slider, "Epochs per frame", [1, 2, 5, 10], value=1, key="pg_speed")
    st.header("Display")
    show_test = bound(st.toggle, "Show test data", key="pg_test")
    discretize = bound(st.toggle, "Discretize output", key="pg_disc")
    compare = bound(
        st.selectbox,
        "Side by side with",
        [NONE, *choices],
        format_func=lambda a: "nothing" if a == NONE else playground.activation_label(a),
        key="pg_cmp",
        help="A second run on the same data from the identical initial weights, with this "
        "activation in every hidden layer.",
    )


def configure() -> PlaygroundConfig:
    hidden = view.parse_shape(shape)
    chosen = [activation if a == NONE else a for a in per_layer[: len(hidden)]]
    return PlaygroundConfig(
        dataset=dataset,
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
    if second is None:
        return [PlaygroundTrainer(config)]
    return list(playground.side_by_side(config, second))


runs: list[PlaygroundTrainer] | None = st.session_state.get(RUNS)
wanted = [config] if second is None else [config, second]
if (
    runs is None
    or len(runs) != len(wanted)
    or not all(run.retune(want) for run, want in zip(runs, wanted, strict=True))
):
    # Data, network or optimizer changed: a fresh run from the seed's weights (learning rate,
    # regularisation and batch size are taken on the fly, as in TensorFlow Playground).
    runs = guarded(fresh_runs)
    if runs is None:
        end_page()
    st.session_state[RUNS] = runs
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
    if st.session_state.pop(APP_RERUN, False):
        st.rerun()  # the whole page: controls and the refresh timer follow the action
    current: list[PlaygroundTrainer] = st.session_state[RUNS]
    live = st.session_state[PLAYING]
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
            draw=False,
            n_classes=run.config.n_classes,
            activation_labels=[
                playground.activation_label(a) for a in run.config.layer_activations
            ],
            compact=len(frames) > 1,
        )
        with column:
            playground_panel(frame, key=f"_pg_view{index}", on_action=partial(on_action, index))


st.fragment(run_every=TICK_SECONDS if playing else None)(live_panel)()

note = playground.linear_note(config)
if note is not None:
    st.warning(note, icon=":material/straighten:")
for run in runs:
    if run.diverged:
        st.error(literal(run.diverged), icon=":material/trending_up:")

st.subheader("What is being trained")
for formula in view.formulas(config):
    st.latex(formula)
st.caption(
    "φ(x) are the chosen input features; f is the activation of the hidden layers only. One "
    "epoch is one pass over the training points in shuffled mini-batches. Training stops by "
    "itself and says so if the loss turns non-finite, jumps above "
    f"{playground.BLOW_UP_FACTOR:g}× its starting value, or stays above "
    f"{playground.HIGH_FACTOR:g}× it for {playground.HIGH_PATIENCE} epochs."
)
with st.expander(":material/download: Export the trained model"):
    left, right = st.columns(2)
    left.download_button(
        "state_dict (.pt)",
        lambda: view.state_dict_bytes(st.session_state[RUNS][0]),
        file_name="playground_state_dict.pt",
        mime="application/octet-stream",
        icon=":material/download:",
        key="pg_export_pt",
    )
    right.download_button(
        "Loss history (CSV)",
        lambda: st.session_state[RUNS][0].history.to_csv(index=False),
        file_name="playground_history.csv",
        mime="text/csv",
        icon=":material/download:",
        key="pg_export_csv",
    )
    st.code(snippets.playground_snippet(config), language="python")
