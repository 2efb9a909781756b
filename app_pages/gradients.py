"""Gradients lesson: vanishing and exploding gradients in deep MLPs, and dead ReLU units."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from actlab import budget, gated, memory, optimizers, short_training
from actlab import gradients as gr
from actlab.charts.gradients import (
    HISTOGRAM_TITLES,
    NORM_TITLES,
    dead_unit_chart,
    gradient_norm_chart,
    histogram_chart,
    layer_stat_chart,
)
from actlab.charts.learning_curves import learning_curve_chart
from actlab.short_training import RunConfig, Snapshot
from actlab.single_thread import run_single_threaded
from ui.bound import bound
from ui.caching import bounded_cache
from ui.catalogue import activation_options, custom_activations
from ui.export import chart_with_downloads, draw
from ui.frame import guarded, predict_then_reveal
from ui.i18n import N_, _, language, localized_error, tabs
from ui.live_training import show_chart, training_section
from ui.safe_text import literal

TABS = [N_("Vanishing & exploding"), N_("Does it learn?"), N_("Dead ReLU")]
PROBE_BATCH = 256
WIDTHS = [8, 16, 32, 64, 128, 256, 512]
STDS = [0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
STEP_CHOICES = [100, 200, 300, 500, 1000]
BIAS_CHOICES = ["init", "-0.5", "-0.1", "0", "0.1", "0.5"]


HISTOGRAM_QUANTITY_LABELS = {
    "activation": N_("activation"),
    "log10 |weight gradient|": N_("log10 |weight gradient|"),
}


def probe_title() -> str:
    return _("loss on {count} held-out digits").format(count=RunConfig().probe_size)


def init_label(init: str) -> str:
    return _(gr.INIT_LABELS[init])


# --- probes: cached, on one thread, within the per-view budget -------------------------------


@bounded_cache(budget.PROBE_CACHE_ENTRIES, budget.PROBE_CACHE_BYTES)
def cached_probe(
    activation: str, depth: int, width: int, init: str, std: float, seed: int, lang: str
) -> gr.GradientProbe:
    """One probe on the one-thread torch worker: probes from every session run one at a time
    (one probe's memory at once), on one core (torch's 2 threads cost 1.7× the CPU-seconds);
    the heap it freed goes back to the OS. Kept per language: a typed formula's name is in it."""
    result = run_single_threaded(
        lambda: gr.probe(activation, depth, width, init, seed, std=std, batch_size=PROBE_BATCH)
    )
    if not memory.release_freed_memory_every(budget.RELEASE_MEMORY_EVERY_SECONDS):
        memory.release_freed_memory()  # the trim alone: ~6 ms
    return result


def probes_within_budget(
    chosen: list[str], depth: int, width: int, init: str, std: float, seed: int, lang: str
) -> tuple[list[gr.GradientProbe], list[str]]:
    """Every chosen activation's probe, and why any could not be measured (a deep gated stack
    overflows); a ``ValueError`` naming the server's cap when the view would cost more than
    ``budget.PROBE_SECONDS_PER_REQUEST`` CPU-seconds, or when none could be measured."""
    gr.check_probe_budget(chosen, depth, width, init, PROBE_BATCH)
    probes, problems = [], []
    for activation in chosen:
        try:
            probes.append(cached_probe(activation, depth, width, init, std, seed, lang))
        except ValueError as err:
            problems.append(localized_error(err))
    if not probes:
        raise ValueError(" ".join(problems))
    return probes, problems


# --- tab 1: vanishing and exploding ----------------------------------------------------------


def clamp_state(key: str, high: int) -> None:
    """Keep a layer choice valid when the depth shrinks (before its widget is drawn)."""
    if key in st.session_state and st.session_state[key] > high:
        st.session_state[key] = high


def vanishing_and_exploding() -> None:
    controls, chart_column = st.columns([1, 2], gap="large")
    with controls:
        chosen = bound(
            st.multiselect,
            _("Activations"),
            activation_options() + gated.names(),
            default=["sigmoid", "tanh", "relu"],
            format_func=gr.display_name,
            key="gr_act",
            help=_(
                "GLU, ReGLU, GEGLU and SwiGLU are gated layers φ(xW) ⊙ (xV), narrower so that "
                "the network keeps the plain one's parameter count."
            ),
        )
        depth = bound(
            st.slider, _("Depth L (weight layers)"), gr.MIN_DEPTH, gr.MAX_DEPTH, 20, key="gr_depth"
        )
        width = bound(
            st.select_slider, _("Width (units per hidden layer)"), WIDTHS, 128, key="gr_width"
        )
        init = bound(
            st.selectbox, _("Initialisation"), gr.INITS, format_func=init_label, key="gr_init"
        )
        std = bound(
            st.select_slider,
            _("std (normal init)"),
            STDS,
            0.05,
            key="gr_std",
            disabled=init != "normal",
        )
        measure = bound(
            st.radio,
            _("Measure"),
            gr.MEASURES,
            format_func=lambda measure: _(NORM_TITLES[measure]),
            key="gr_measure",
        )
        show_bound = bound(st.toggle, _("Sigmoid reference line"), True, key="gr_bound")
        seed = bound(st.number_input, _("Seed"), 0, 9999, 0, key="gr_seed")
    if not chosen:
        st.info(_("Choose at least one activation."))
        return
    std = std if init == "normal" else 0.05  # unused otherwise: keep the cache key stable
    lang = language()
    measured = guarded(
        lambda: probes_within_budget(chosen, depth, width, init, std, int(seed), lang)
    )
    if measured is None:
        return
    probes, problems = measured
    for problem in problems:
        st.warning(literal(problem), icon=":material/warning:")
    view = gr.compare(probes, measure, show_bound)

    with chart_column:
        st.latex(
            r"\delta_l = \frac{\partial L}{\partial z_l} = f'(z_l) \odot W_{l+1}^{\top}"
            r"\delta_{l+1}, \qquad \frac{\partial L}{\partial W_l} = \delta_l\, h_{l-1}^{\top}"
        )
        chart = gradient_norm_chart(view.norms, view.reference, column=measure)
        chart_with_downloads(chart, view.table, N_("gradient_norms"))
        if view.left_out:
            st.caption(
                _(
                    "{count} layer norm(s) are exactly 0 or not finite and cannot sit on the log "
                    "axis; they are in the CSV."
                ).format(count=view.left_out)
            )
        st.caption(
            _(
                "One batch of {batch} bundled MNIST digits, cross-entropy loss, float64; network "
                "784 → {width} × {hidden} → 10, the same initial weights for every plain "
                "activation. "
            ).format(batch=PROBE_BATCH, width=width, hidden=depth - 1)
            + gated_note(view)
            + (
                _(
                    "Dashed: 0.25^(L − l) times Sigmoid's own last-layer norm, the shrinkage its "
                    "derivatives alone allow (weights ignored)."
                )
                if view.reference is not None
                else _("Add Sigmoid to see the 0.25^(L − l) reference line.")
            )
        )
    if view.unmatched:
        st.warning(
            _(
                "{units}: at width {width} no whole number of gated units comes within 1 % of "
                "the plain net's parameter count (see the table below); choose a wider net for a "
                "matched comparison."
            ).format(units=", ".join(view.unmatched), width=width),
            icon=":material/warning:",
        )
    explain_norms(view, depth)
    layer_statistics(view, depth)


SIZE_COLUMNS = ["hidden units", "parameters", "vs plain"]  # on screen only beside a gated unit
# The first/last table's columns as shown (the data keeps its English names).
FIRST_LAST_COLUMNS = {
    "activation": N_("activation"),
    "first layer": N_("first layer"),
    "last layer": N_("last layer"),
    "loss": N_("loss"),
    "first / last": N_("first / last"),
    "hidden units": N_("hidden units"),
    "parameters": N_("parameters"),
    "vs plain": N_("vs plain"),
}
DEAD_COLUMNS = {
    "run": N_("run"),
    "layer": N_("layer"),
    "dead share": N_("dead share"),
    "negative on every probe digit": N_("negative on every probe digit"),
}


def gated_rows(view: gr.ProbeComparison) -> pd.DataFrame:
    """The first/last table's rows of gated units (narrower nets of matched size)."""
    table = view.first_last
    return table[table["activation"].isin([u.display_name for u in gated.UNITS])]


def gated_note(view: gr.ProbeComparison) -> str:
    """How the gated nets of ``view`` were sized (empty when there are none)."""
    rows = gated_rows(view)
    if rows.empty:
        return ""
    sizes = "; ".join(
        _("{unit} {units} units, {parameters} parameters ({gap})").format(
            unit=r["activation"],
            units=r["hidden units"],
            parameters=f"{r['parameters']:,}",
            gap=f"{r['vs plain']:+.2%}",
        )
        for r in rows.to_dict("records")
    )
    return _(
        "Gated layers φ(xW) ⊙ (xV) have two matrices, so they are narrower for the plain "
        "net's parameter count: {sizes}; each layer's norm is that of both, ‖∂L/∂[W; V]‖. "
    ).format(sizes=sizes)


def explain_norms(view: gr.ProbeComparison, depth: int) -> None:
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.markdown(_("**What to notice**"))
        st.markdown(
            _(
                "- **Sigmoid**: σ′(z) = σ(z)(1 − σ(z)) is at most **1/4**, so every layer can "
                "shrink the gradient 4× or more; near the input it is orders of magnitude smaller "
                "than at the output, and the first layers hardly learn.\n"
                "- **Tanh**: tanh′(0) = **1**; around 0 it passes the gradient on intact, so "
                "whether it vanishes depends on the weights' scale (try Xavier).\n"
                "- **ReLU**: f′ is **0 or 1**. With He init (std √(2/fan_in)) the gradient keeps "
                "its size through 50 layers; PyTorch's default (std 1/√(3·fan_in)) is too small "
                "for ReLU and it shrinks too.\n"
                "- **Init scale**: choose *normal* and move std. Sigmoid's curve gets less steep "
                "as std grows; ReLU (no biases) is scale-free, so the whole curve moves up or down "
                "by the same factor: every layer's gradient explodes or vanishes together.\n"
                "- **Gated (SwiGLU, GEGLU, ReGLU, GLU)**: h = φ(a) ⊙ b with a = xW, b = xV. W's "
                "gradient is scaled by b and V's by φ(a). With an unbounded gate (all but GLU's "
                "sigmoid) the layer is *quadratic* in its input: with small weights the "
                "activations shrink layer by layer, with large ones (try Xavier or He at depth 20) "
                "they square until float64 overflows. LLaMA-style models put a normalisation and "
                "a residual connection around every gated block."
            )
        )
        st.latex(
            r"\begin{aligned} \sigma'(z) &= \sigma(z)\,(1-\sigma(z)) \le \tfrac14 \\"
            r"\tanh'(z) &= 1-\tanh^2 z \le 1 \\ \mathrm{ReLU}'(z) &\in \{0, 1\}"
            r"\end{aligned}"
        )
    with right:
        st.markdown(_("**Weight-gradient norm, first vs last layer**"))
        gated_here = len(gated_rows(view)) > 0
        shown = [c for c in view.first_last.columns if gated_here or c not in SIZE_COLUMNS]
        st.dataframe(
            view.first_last.rename(columns=lambda c: _(FIRST_LAST_COLUMNS.get(c, c))),
            hide_index=True,
            column_order=None if gated_here else [_(FIRST_LAST_COLUMNS.get(c, c)) for c in shown],
            column_config={
                _(FIRST_LAST_COLUMNS[c]): st.column_config.NumberColumn(format="%.3e")
                for c in ["first layer", "last layer", "first / last"]
            }
            | {
                _(FIRST_LAST_COLUMNS[c]): st.column_config.NumberColumn(format=f)
                for c, f in [
                    ("loss", "%.4f"),
                    ("hidden units", "%d"),
                    ("parameters", "localized"),
                    ("vs plain", "percent"),
                ]
            },
        )
        st.caption(
            _(
                "0.25^{hidden} = {slope}: the most the {hidden} sigmoid derivatives between "
                "layer 1 and layer {depth} can pass on. Layer 1's weight gradient also carries "
                "its input, the image, which is larger than any hidden layer's output: the "
                "backpropagated signal ‖∂L/∂z_l‖ shows the pure shrinkage."
            ).format(
                hidden=depth - 1,
                slope=f"{gr.SIGMOID_MAX_SLOPE ** (depth - 1):.3e}",
                depth=depth,
            )
        )
        predict_then_reveal(
            _("with sigmoid and depth 20, how much smaller is layer 1's gradient than layer 20's?"),
            [
                _("about 20× smaller"),
                _("about 1,000× smaller"),
                _("more than a billion times smaller"),
            ],
            2,
            _(
                "At PyTorch's default init each layer multiplies by σ′ ≤ 1/4 *and* by small "
                "weights: the ratio is around 1e-15 (see the table)."
            ),
            key="gr_quiz",
        )


def layer_statistics(view: gr.ProbeComparison, depth: int) -> None:
    st.subheader(_("Inside the layers"))
    for column, (field, (header, title)) in zip(
        st.columns(len(gr.LAYER_STATISTICS)), gr.LAYER_STATISTICS.items(), strict=True
    ):
        column.markdown(f"**{_(header)}**")
        title = _(title).format(slope=f"{gr.SATURATED_SLOPE:g}")
        draw(layer_stat_chart(view.stats, field, title, f"stat_{field}"), column)
    st.caption(
        _(
            "Saturated: the unit passes back less than {share} of its gradient (for ReLU: every "
            "negative input; for a gated unit h = φ(a) b: both φ′(a) b and φ(a) below it). "
            "Statistics over all units and all digits of the batch."
        ).format(share=f"{gr.SATURATED_SLOPE:.0%}")
    )
    st.download_button(
        _("Layer statistics (CSV)"),
        view.stats.to_csv(index=False),
        file_name=_("layer_statistics") + ".csv",
        mime="text/csv",
        icon=":material/table:",
        key="gr_stats_csv",
    )
    quantity = bound(
        st.radio,
        _("Histogram of"),
        gr.HISTOGRAM_QUANTITIES,
        format_func=lambda quantity: _(HISTOGRAM_QUANTITY_LABELS[quantity]),
        horizontal=True,
        key="gr_hq",
    )
    top = gr.histogram_layers(depth, quantity)
    clamp_state("gr_hl", top)
    if top > 1:
        layer = bound(st.slider, _("Layer"), 1, top, min(3, top), key="gr_hl")
    else:  # depth 2 has a single hidden layer: nothing to choose (a slider needs min < max)
        layer = 1
        st.caption(_("Layer 1, the only hidden layer at depth 2."))
    rows = view.histogram(layer, quantity)
    chart = histogram_chart(rows, _(HISTOGRAM_TITLES[quantity]), "hist_legend")
    chart_with_downloads(chart, rows, N_("layer_histogram"))
    if quantity != "activation":
        st.caption(
            _(
                "A log axis, because the activations' gradients differ by many orders of "
                "magnitude. Exactly-zero entries (no log) are left out: the bars then add up to "
                "less than 100%."
            )
        )


# --- tabs 2 and 3: short trainings ------------------------------------------------------------


def loss_and_accuracy(snapshot: Snapshot, live: bool, name: str, legend: str) -> None:
    """Probe loss and accuracy side by side; ``legend`` keeps each chart's legend apart."""
    for column, (metric, title) in zip(
        st.columns(2), [("loss", probe_title()), ("accuracy", _("accuracy"))], strict=True
    ):
        chart = learning_curve_chart(
            snapshot.curves,
            x="step",
            y=metric,
            series="run",
            series_title=_("run"),
            x_title=_("training step"),
            y_title=title,
            title=title,
            legend=f"{legend}_{metric[:3]}",
            height=280,
        )
        with column:
            show_chart(chart, snapshot.curves, f"{name}_{metric}", live)


def schedule_controls(
    left: DeltaGenerator, right: DeltaGenerator, tab: str, optimizer: str, lr: float
) -> tuple[str, float, int, int]:
    """Optimizer (in ``left``), learning rate, steps and seed (in ``right``) of a training tab;
    ``tab`` ("l" or "d") keeps the two tabs' URL keys apart."""
    with left:
        optimizer = bound(
            st.radio,
            _("Optimizer"),
            optimizers.IDS,
            index=optimizers.IDS.index(optimizer),
            format_func=optimizers.label,
            horizontal=True,
            key=f"gr_{tab}opt",
        )
    with right:
        lr = bound(st.select_slider, _("Learning rate"), LEARNING_RATES, lr, key=f"gr_{tab}lr")
        steps = bound(
            st.select_slider, _("Steps (batches of 64)"), STEP_CHOICES, 300, key=f"gr_{tab}steps"
        )
        seed = bound(st.number_input, _("Seed"), 0, 9999, 0, key=f"gr_{tab}seed")
    return optimizer, lr, steps, int(seed)


def trained(
    runs: dict[str, RunConfig], draw_snapshot: Callable[[Snapshot, bool], None], button_key: str
) -> Snapshot | None:
    """The Train button and the runs' curves, live and finished (shared by every visitor)."""
    start = partial(short_training.train_single_threaded, runs)
    return training_section(
        "gradients", tuple(runs.items()), start, draw_snapshot, button_key=button_key
    )


def draw_learning(snapshot: Snapshot, live: bool) -> None:
    loss_and_accuracy(snapshot, live, "learning", "l")


def does_it_learn() -> None:
    st.markdown(
        _(
            "The same deep net, the same data and batches, the same optimizer: only the "
            "activation and the init differ. Chance level is a loss of ln 10 ≈ 2.30 and 10% "
            "accuracy."
        )
    )
    controls = st.columns(3)
    with controls[0]:
        pairs = bound(
            st.multiselect,
            _("Activation and init"),
            short_training.comparison_pairs(custom_activations()),
            default=["sigmoid:pytorch_default", "relu:kaiming"],
            format_func=short_training.pair_label,
            key="gr_pairs",
        )
        depth = bound(st.slider, _("Depth L"), 2, 30, 10, key="gr_ldepth")
    with controls[1]:
        width = bound(st.select_slider, _("Width"), [32, 64, 128], 64, key="gr_lwidth")
    schedule = schedule_controls(controls[1], controls[2], "l", "sgd", 0.1)
    runs = guarded(lambda: short_training.learning_comparison(pairs, depth, width, *schedule))
    if runs is not None:
        trained(runs, draw_learning, "gr_lgo")
    st.caption(
        _(
            "Why: in the first tab, set the same depth and init and compare the first layers' "
            "gradients. Then try Adam, which divides each step by the gradient's running size: "
            "does it rescue the sigmoid net? The gated entries (SwiGLU, ReGLU) are plain stacks "
            "of φ(xW) ⊙ (xV) at the plain net's parameter count, without the normalisation and "
            "residual connection a Transformer puts around each of them: each layer squares its "
            "input's scale, so small weights vanish and large ones overflow. Try depth 2 and 3."
        )
    )


def draw_dead(snapshot: Snapshot, live: bool) -> None:
    names = snapshot.run_names
    for column, name in zip(st.columns(max(len(names), 1)), names, strict=False):
        rows = snapshot.dead_of(name)
        chart = dead_unit_chart(rows, name, "dead_legend", snapshot.total_steps)
        with column:
            show_chart(chart, rows, f"dead_units_{name.replace(' ', '_')}", live)
    loss_and_accuracy(snapshot, live, "dead_relu", "d")


def dead_relu() -> None:
    controls = st.columns(3)
    with controls[0]:
        depth = bound(st.slider, _("Depth L (L − 1 hidden ReLU layers)"), 2, 8, 5, key="gr_ddepth")
        width = bound(st.select_slider, _("Width"), [32, 64, 128, 256], 128, key="gr_dwidth")
        init = bound(
            st.selectbox,
            _("Initialisation"),
            [i for i in gr.INITS if i != "normal"],
            format_func=init_label,
            key="gr_dinit",
        )
    with controls[1]:
        bias = bound(
            st.select_slider,
            _("Hidden bias at the start"),
            BIAS_CHOICES,
            "init",
            format_func=lambda b: _("from the init") if b == "init" else b,
            key="gr_dbias",
        )
    schedule = schedule_controls(controls[1], controls[2], "d", "adam", 0.03)
    cures = bound(
        st.pills,
        _("Cures: train a second copy with these changes, side by side"),
        list(short_training.CURES),
        selection_mode="multi",
        format_func=lambda cure: _(short_training.CURES[cure]),
        key="gr_cures",
    )
    st.latex(
        r"\text{unit } j \text{ is dead} \iff \mathrm{ReLU}(z_j(x)) = 0 \ \ \forall x \in "
        r"\text{probe} \;\Rightarrow\; \frac{\partial L}{\partial w_j} = 0 \text{ for every "
        r"digit: nothing can revive it}"
    )
    runs = guarded(
        lambda: short_training.dead_relu_runs(depth, width, init, bias, *schedule, cures=cures)
    )
    result = trained(runs, draw_dead, "gr_dgo") if runs is not None else None
    if result is not None and not result.dead.empty:
        st.dataframe(
            result.final_dead().rename(columns=lambda c: _(DEAD_COLUMNS.get(c, c))),
            hide_index=True,
            column_config={
                _(DEAD_COLUMNS[c]): st.column_config.NumberColumn(format="percent")
                for c in ["dead share", "negative on every probe digit"]
            },
        )
    st.markdown(
        _(
            "**What to notice.** Dead: the unit outputs 0 for every one of 512 held-out digits, so "
            "its weights get no gradient from them. Adam moves every weight by about the learning "
            "rate each step, whatever its gradient, so a large rate shoves whole layers (first the "
            "784-input layer) into the negative region. Compare 0.001 with 0.03, where the "
            "survivors still carry the accuracy, and 0.1, where almost none are left and the loss "
            "stays at chance.\n\n"
            "Then toggle the cures and read the measured curves. LeakyReLU's units never output "
            "exactly 0: its slope a = 0.01 keeps them trainable, though the table shows how many "
            "sit in the negative region. A lower rate keeps units alive. Check whether He init or "
            "a positive bias is enough on its own."
        )
    )


lesson_tabs = tabs(TABS, key="gr_tab", control_label=_("Lesson"))
for tab, render in zip(
    lesson_tabs, [vanishing_and_exploding, does_it_learn, dead_relu], strict=True
):
    # Bound tabs track which one is open, so only the visible lesson is computed.
    if tab.open:
        with tab:
            render()
