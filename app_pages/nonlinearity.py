"""Why nonlinearity: linear layers collapse into one, activations stop the collapse."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from actlab import activations, budget, stacking
from actlab.charts.nonlinearity import (
    activation_comparison_chart,
    affine_fit_scatter,
    classic_chain_chart,
    pieces_chart,
    pieces_vs_depth_chart,
)
from ui.bound import bound
from ui.caching import bounded_cache
from ui.catalogue import activation_options
from ui.export import chart_with_downloads
from ui.frame import end_page, guarded, predict_then_reveal
from ui.i18n import N_, _, language, ngettext
from ui.safe_text import literal

PIECE_RANGE = (-3.0, 3.0)
TABLE_DEPTHS = range(0, 7)
TABLE_WIDTHS = (2, 4, 8, 16)
TABLE_SEEDS = range(5)


@bounded_cache(budget.NONLINEARITY_ENTRIES, budget.NONLINEARITY_BYTES)
def cached_classic(
    w1: float, b1: float, w2: float, b2: float, between: str, lang: str
) -> stacking.ClassicExample:
    """Cached per language too, like every result below that names its curves in words."""
    return stacking.classic_example(w1, b1, w2, b2, between)


@bounded_cache(budget.NONLINEARITY_ENTRIES, budget.NONLINEARITY_BYTES)
def cached_collapse(widths: tuple[int, ...], seed: int) -> stacking.CollapseReport:
    return stacking.collapse_report(widths, seed)


@bounded_cache(budget.NONLINEARITY_ENTRIES, budget.NONLINEARITY_BYTES)
def cached_affine_fit(
    widths: tuple[int, ...], seed: int, names: tuple[str, ...], lang: str
) -> stacking.AffineFit:
    return stacking.affine_fit(widths, seed, names)


@bounded_cache(budget.NONLINEARITY_ENTRIES, budget.NONLINEARITY_BYTES)
def cached_piece_curve(depth: int, width: int, seed: int, lang: str) -> stacking.PieceCurve:
    return stacking.piece_curve(depth, width, seed, *PIECE_RANGE)


@st.cache_data(
    show_spinner=_("Counting the pieces of 180 networks…"),
    max_entries=2,  # one per language
    max_size=budget.NONLINEARITY_BYTES,
    ttl=budget.CACHE_TTL_SECONDS,
)
def cached_pieces_table(lang: str) -> pd.DataFrame:
    return stacking.pieces_table(TABLE_DEPTHS, TABLE_WIDTHS, TABLE_SEEDS, *PIECE_RANGE)


@bounded_cache(budget.NONLINEARITY_ENTRIES, budget.NONLINEARITY_BYTES)
def cached_comparison(hidden: int, seed: int, lang: str) -> pd.DataFrame:
    return stacking.activation_comparison(hidden=hidden, seed=seed)


lang = language()
predict_then_reveal(
    _("ten linear layers of width 100, stacked. How many straight pieces does x ↦ y have?"),
    ["1", "10", "100", "2¹⁰"],
    0,
    _(
        "A composition of affine maps is affine: W₁₀⋯W₁x + b_eff is one straight line (one "
        "hyperplane for several inputs), however many layers or units. Only a nonlinearity in "
        "between can bend it."
    ),
    key="nl_quiz",
)

# --- 1. the classic example ---------------------------------------------------------------------
st.header(_("1 · Two layers, one line"))
# Controls beside the chart: the chart keeps a readable aspect and sits above a 720 px fold.
controls, plot = st.columns([2, 3], gap="medium")
weights = controls.columns(2)
w1 = bound(weights[0].number_input, "w₁", -10.0, 10.0, 3.0, 0.5, key="nl_w1")
b1 = bound(weights[1].number_input, "b₁", -10.0, 10.0, 1.0, 0.5, key="nl_b1")
w2 = bound(weights[0].number_input, "w₂", -10.0, 10.0, 2.0, 0.5, key="nl_w2")
b2 = bound(weights[1].number_input, "b₂", -10.0, 10.0, 2.0, 0.5, key="nl_b2")
between = bound(
    controls.selectbox,
    _("In between"),
    activation_options(),
    index=activations.names().index("relu"),
    format_func=activations.display_name,
    key="nl_mid",
)
classic = cached_classic(w1, b1, w2, b2, between, lang)
controls.latex(classic.collapse_latex)
controls.latex(classic.activation_latex)
with plot:
    chart_with_downloads(classic_chain_chart(classic.curves), classic.curves, N_("two_layers"))
kink = (
    _(" at x = −b₁/w₁ = {kink}").format(kink=f"{classic.kink:.4g}")
    if classic.kink is not None
    else ""
)
st.caption(
    _(
        "The dashed single layer (w = {w}, b = {b}) lies exactly on the two-layer curve. With "
        "{activation} in between the chain bends{kink}; no single straight line can follow a "
        "bend."
    ).format(
        w=f"{classic.w_eff:g}",
        b=f"{classic.b_eff:g}",
        activation=literal(classic.between),
        kink=kink,
    )
)

# --- 2. any depth -------------------------------------------------------------------------------
st.header(_("2 · Any number of linear layers"))
left, right = st.columns([3, 1])
widths_text = bound(
    left.text_input,
    _("Widths: input, hidden…, output"),
    "4, 16, 8, 16, 3",
    key="nl_widths",
    help=_("Each consecutive pair is one nn.Linear(in, out); up to 12 layers, widths 1–256."),
)
seed = bound(right.number_input, _("Seed"), 0, 10_000, 0, key="nl_seed")
widths = guarded(lambda: stacking.parse_widths(widths_text))
if widths is not None:
    report = cached_collapse(widths, int(seed))
    st.latex(report.formula_latex)
    a, b, c = st.columns(3)
    a.metric(
        "max |net(x) − (W_eff x + b_eff)|",
        f"{report.max_abs_error:.2e}",
        help=_(
            "Over 2,048 standard-normal inputs: the float32 network against the float64 "
            "collapsed map. Outputs are up to {scale} in size, so this is float32 rounding "
            "(about 1e-7 relative), not a difference in the function."
        ).format(scale=f"{report.output_scale:.3g}"),
    )
    b.metric("rank(W_eff)", f"{report.rank}", help=_("Numerical rank of the collapsed matrix."))
    c.metric(
        _("narrowest layer"),
        f"{report.min_width}",
        help=_("rank(W_k⋯W_1) ≤ the smallest width: a bottleneck caps what a linear stack can do."),
    )
    shape = f"{report.w_eff.shape[0]} × {report.w_eff.shape[1]}"
    with st.expander(_("W_eff ({shape}) and b_eff").format(shape=shape)):
        st.dataframe(report.table)

    st.subheader(_("Now put an activation between the layers"))
    chosen = bound(
        st.multiselect,
        _("Activations to insert (same weights)"),
        activation_options(),
        default=["relu", "tanh", "sigmoid"],
        format_func=activations.display_name,
        key="nl_fit",
    )
    fit = guarded(lambda: cached_affine_fit(widths, int(seed), tuple(chosen), lang))
    if fit is None:
        end_page()
    st.latex(
        r"\text{"
        + _("best affine fit:")
        + r" } \min_{W,b}\ \lVert y - (Wx + b)\rVert^2,\qquad\text{"
        + _("relative residual")
        + r"} = \frac{\lVert y - \hat y\rVert}{\lVert y - \bar y\rVert}"
    )
    st.dataframe(
        fit.table,
        hide_index=True,
        column_config={
            _(column): st.column_config.NumberColumn(format="%.2e")
            for column in ["rms residual", "relative residual", "max |residual|"]
        },
    )
    chart_with_downloads(affine_fit_scatter(fit.scatter), fit.scatter, N_("affine_fit"))
    st.caption(
        _(
            "On the dashed diagonal the network *is* its best affine fit (each panel has its "
            "own scale). Without an activation every point lies on it (float64 here: residual "
            "~1e-15). ReLU scatters the points: a good part of what the network computes is not "
            "affine. Sigmoid and tanh are nearly straight close to 0, so with small random "
            "weights they stay closer to the diagonal."
        )
    )

# --- 3. linear pieces ---------------------------------------------------------------------------
st.header(_("3 · Counting linear pieces"))
st.markdown(
    _(
        "A ReLU network is piecewise linear. Each hidden unit's pre-activation is itself "
        "piecewise linear in x, so its zero crossings — where the unit switches on or off — can "
        "be found exactly, layer by layer. Below, every breakpoint is computed in closed form "
        "(no grid)."
    )
)
cols = st.columns(3)
depth = bound(cols[0].slider, _("Hidden layers"), 1, 8, 3, key="nl_pd")
width = bound(cols[1].slider, _("Units per layer"), 1, 32, 8, key="nl_pw")
piece_seed = bound(cols[2].number_input, _("Seed"), 0, 10_000, 0, key="nl_ps")
pieces = cached_piece_curve(depth, width, int(piece_seed), lang)
a, b, c = st.columns(3)
a.metric(_("ReLU network: linear pieces"), f"{pieces.relu.pieces}")
b.metric(
    _("activation patterns along the line"),
    f"{pieces.relu.regions}",
    help=_(
        "Regions where the on/off pattern of all units is constant. A pattern change that does "
        "not bend the output (a unit whose effect is cancelled downstream) adds a region but "
        "not a piece."
    ),
)
c.metric(
    _("same weights, no activation"),
    ngettext("{count} piece", "{count} pieces", pieces.linear.pieces).format(
        count=pieces.linear.pieces
    ),
)
chart_with_downloads(
    pieces_chart(pieces.curves, pieces.breakpoints), pieces.curves, N_("relu_pieces")
)
st.subheader(_("Pieces versus depth and width"))
table = cached_pieces_table(lang)
left, right = st.columns([3, 2])
with left:
    chart_with_downloads(pieces_vs_depth_chart(table), table, N_("pieces_vs_depth"))
with right:
    st.latex(r"t(x) = 2\,\mathrm{ReLU}(x) - 4\,\mathrm{ReLU}(x - \tfrac12)")
    st.latex(
        r"\underbrace{t \circ t \circ \cdots \circ t}_{d\ \text{"
        + _("layers of width 2")
        + r"}}\ \text{"
        + _("has")
        + r"}\ 2^d\ \text{"
        + _("pieces on")
        + r"}\ [0, 1]"
    )
    st.caption(
        _(
            "Random networks (torch's default init, 5 seeds each) gain pieces roughly in "
            "proportion to their number of hidden units, and very narrow deep ones can even lose "
            "them (units that are always off). A hand-built sawtooth shows what depth *can* do: "
            "the tent map t composed d times doubles the count with every layer (Telgarsky, "
            "2016). A linear network always has exactly 1 piece."
        )
    )

# --- 4. the comparison --------------------------------------------------------------------------
st.header(_("4 · One model, five activations"))
cols = st.columns(2)
hidden = bound(cols[0].slider, _("Hidden units"), 1, 64, 10, key="nl_ch")
compare_seed = bound(cols[1].number_input, _("Seed"), 0, 10_000, 0, key="nl_cs")
comparison = cached_comparison(hidden, int(compare_seed), lang)
st.latex(rf"y = W_2\, f(W_1 x + b_1) + b_2,\qquad W_1 \in \mathbb{{R}}^{{{hidden}\times 1}}")
chart_with_downloads(
    activation_comparison_chart(comparison), comparison, N_("same_model_five_activations")
)
st.caption(
    _(
        "Only f differs between the curves. Without an activation the model is a straight "
        "line; each activation bends the same weights in its own way — ReLU and LeakyReLU into "
        "kinks (they nearly coincide: LeakyReLU differs only by 0.01·z where a pre-activation z "
        "is negative), sigmoid and tanh into smooth curves."
    )
)
