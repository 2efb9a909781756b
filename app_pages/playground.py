"""Playground: train a small network on toy data and watch its decision surface, live."""

from __future__ import annotations

import streamlit as st

from actlab import activations, optimizers, playground, snippets, toydata
from actlab.charts.learning_curves import learning_curve_chart
from actlab.charts.playground import decision_surface_chart, regression_fit_chart
from actlab.playground import PlaygroundTrainer
from ui.bound import bound
from ui.catalogue import activation_options
from ui.export import draw
from ui.frame import end_page, guarded
from ui.safe_text import literal

# Session state (underscore keys: not widgets, so they stay out of the URL and presenter lists).
TRAINER = "_pg_trainer"
PLAYING = "_pg_playing"
TICK_SECONDS = 0.3  # how often the live panel refreshes while playing
TRAIN_BUDGET_SECONDS = 0.2  # training time per refresh at most, so the page stays responsive
LEARNING_RATES = [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_SIZES = [1, 8, 16, 32, 64, 128, 0]
L2_STRENGTHS = [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1]

with st.sidebar:
    st.header("Data")
    dataset = bound(
        st.selectbox,
        "Dataset",
        [*toydata.CLASSIFICATION, *toydata.REGRESSION],
        format_func=toydata.DISPLAY_NAMES.get,
        help="Circle, XOR, Two Gaussians and Spiral are 2-D classification sets; the others "
        "are 1-D curves to fit (regression).",
        key="pg_ds",
    )
    noise = bound(st.slider, "Noise", 0.0, 0.5, 0.0, 0.05, key="pg_noise")
    train_percent = bound(st.slider, "Training data (%)", 10, 90, 50, 10, key="pg_ratio")
    n_points = bound(st.select_slider, "Points", [100, 200, 400, 800], value=400, key="pg_n")
    data_seed = bound(st.number_input, "Data seed", 0, 10_000, 0, key="pg_dseed")
    st.header("Network")
    layers = bound(st.slider, "Hidden layers", 0, playground.MAX_HIDDEN_LAYERS, 2, key="pg_layers")
    units = bound(st.slider, "Units per hidden layer", 1, playground.MAX_UNITS, 8, key="pg_units")
    activation = bound(
        st.selectbox,
        "Activation",
        [playground.NO_ACTIVATION, *activation_options()],
        index=1 + activations.names().index("tanh"),
        format_func=playground.activation_label,
        key="pg_act",
    )
    st.header("Training")
    lr = bound(st.select_slider, "Learning rate", LEARNING_RATES, value=0.03, key="pg_lr")
    batch_size = bound(
        st.select_slider,
        "Batch size",
        BATCH_SIZES,
        value=32,
        format_func=lambda b: "full" if b == 0 else str(b),
        key="pg_bs",
    )
    optimizer = bound(
        st.radio,
        "Optimizer",
        optimizers.IDS,
        index=optimizers.IDS.index("adam"),
        format_func=optimizers.label,
        horizontal=True,
        key="pg_opt",
    )
    l2 = bound(st.select_slider, "L2 regularisation", L2_STRENGTHS, value=0.0, key="pg_l2")
    seed = bound(st.number_input, "Weight seed", 0, 10_000, 0, key="pg_seed")
    speed = bound(
        st.select_slider,
        "Epochs per refresh",
        [1, 2, 5, 10, 20],
        value=5,
        key="pg_speed",
        help=f"While playing the view refreshes every {TICK_SECONDS:g} s; training stops early "
        f"after {TRAIN_BUDGET_SECONDS:g} s so the page never stalls.",
    )

config = guarded(
    lambda: playground.config_from_form(
        dataset=dataset,
        noise=noise,
        train_percent=train_percent,
        n_points=n_points,
        data_seed=data_seed,
        layers=layers,
        units=units,
        activation=activation,
        lr=lr,
        batch_size=batch_size,
        optimizer=optimizer,
        l2=l2,
        seed=seed,
    )
)
if config is None:
    end_page()
with st.expander(":material/code: PyTorch code for this configuration"):
    st.code(snippets.playground_snippet(config), language="python")

trainer: PlaygroundTrainer | None = st.session_state.get(TRAINER)
if trainer is None or not trainer.retune(config):
    # Data, network or optimizer changed: a fresh run (learning rate, L2 and batch size are
    # taken on the fly, as in TensorFlow Playground).
    trainer = PlaygroundTrainer(config)
    st.session_state[TRAINER] = trainer
st.session_state.setdefault(PLAYING, False)


def play() -> None:
    st.session_state[PLAYING] = True


def pause() -> None:
    st.session_state[PLAYING] = False


def step_once() -> None:
    st.session_state[PLAYING] = False
    playground.train_live(st.session_state[TRAINER], 1, None)


def reset() -> None:
    st.session_state[PLAYING] = False
    st.session_state[TRAINER] = PlaygroundTrainer(st.session_state[TRAINER].config)


playing = st.session_state[PLAYING] and trainer.diverged is None
buttons = st.columns([1, 1, 1, 4])
if playing:
    buttons[0].button("Pause", key="pg_pause", icon=":material/pause:", on_click=pause)
else:
    buttons[0].button(
        "Play",
        key="pg_play",
        icon=":material/play_arrow:",
        type="primary",
        on_click=play,
        disabled=trainer.diverged is not None,
    )
buttons[1].button(
    "Step",
    key="pg_step",
    icon=":material/skip_next:",
    on_click=step_once,
    disabled=trainer.diverged is not None,
    help="Train one epoch and pause.",
)
buttons[2].button("Reset", key="pg_reset", icon=":material/restart_alt:", on_click=reset)
buttons[3].download_button(
    "History (CSV)",
    lambda: st.session_state[TRAINER].history.to_csv(index=False),
    file_name="playground_history.csv",
    mime="text/csv",
    icon=":material/download:",
    key="pg_csv",
    type="tertiary",
)

note = playground.linear_note(config)
if note is not None:
    st.warning(note, icon=":material/straighten:")


def live_panel() -> None:
    """Train a slice (while playing) and redraw; reruns alone, so the sidebar stays usable."""
    trainer: PlaygroundTrainer = st.session_state[TRAINER]
    if st.session_state[PLAYING] and trainer.diverged is None:
        playground.train_live(trainer, speed, TRAIN_BUDGET_SECONDS)
        if trainer.diverged is not None:
            st.session_state[PLAYING] = False
            st.rerun()  # the whole page: Play comes back and the refresh timer stops
    view = playground.snapshot(trainer)
    metrics = view.metrics
    for column, (label, value) in zip(st.columns(len(metrics)), metrics.items(), strict=True):
        column.metric(label, value)
    if view.diverged:
        st.error(literal(view.diverged), icon=":material/trending_up:")
    left, right = st.columns([5, 4])
    if view.classification:
        fit = decision_surface_chart(view.fit, view.points, view.extent)
    else:
        fit = regression_fit_chart(view.fit, view.points, view.extent)
    draw(fit, left)
    for metric in ["loss", "accuracy"] if view.classification else ["loss"]:
        curves = learning_curve_chart(
            view.history[view.history["metric"] == metric],
            x="epoch",
            y="value",
            series="split",
            y_title=metric,
            series_title="data",
            legend=f"pg_{metric}_legend",
            height=200,
        )
        draw(curves, right)


st.fragment(run_every=TICK_SECONDS if playing else None)(live_panel)()

st.subheader("What is being trained")
for formula in playground.model_formulas(config):
    st.latex(formula)
st.caption(
    "One epoch is one pass over the training points in shuffled mini-batches (one step for "
    "full batch). Training stops by itself and says so if the loss turns non-finite, jumps "
    f"above {playground.BLOW_UP_FACTOR:g}× its starting value, or stays above "
    f"{playground.HIGH_FACTOR:g}× it for {playground.HIGH_PATIENCE} epochs."
)
