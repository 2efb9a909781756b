"""Softmax lesson: the playground, the log-softmax numerics lab, losses and nll_loss."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from actlab import budget
from actlab import softmax as sm
from actlab.charts.softmax import (
    jacobian_heatmap,
    loss_gradient_chart,
    nll_gradient_chart,
    nll_loss_chart,
    probability_bars,
    status_chart,
    temperature_chart,
)
from ui.bound import bound
from ui.caching import bounded_cache
from ui.export import draw
from ui.frame import guarded
from ui.i18n import N_, _, tabs

TABS = [  # marked: shown translated, and a link naming a tab in either language opens it
    N_("Playground"),
    N_("Numerics lab"),
    N_("Losses and gradients"),
    N_("nll_loss needs log-probabilities"),
]


@bounded_cache(budget.SOFTMAX_ENTRIES, budget.SOFTMAX_BYTES)
def playground_data(logits: tuple[float, ...], temperature: float) -> sm.SoftmaxView:
    return sm.softmax_view(logits, temperature)


@bounded_cache(budget.SOFTMAX_ENTRIES, budget.SOFTMAX_BYTES)
def numerics_data(scale: float, shift: float, target: int) -> sm.NumericsView:
    return sm.numerics_view(scale, shift, target)


@st.cache_data(show_spinner=False, max_entries=1, ttl=budget.CACHE_TTL_SECONDS)
def exp_limits() -> sm.ExpLimits:
    return sm.exp_limits()


@bounded_cache(budget.SOFTMAX_ENTRIES, budget.SOFTMAX_BYTES)
def loss_curves(classes: int, z_min: float, z_max: float) -> sm.LossCurves:
    return sm.loss_curves(classes, z_min, z_max)


@bounded_cache(budget.SOFTMAX_ENTRIES, budget.SOFTMAX_BYTES)
def nll_curves(classes: int) -> sm.NllCurves:
    return sm.nll_curves(classes)


def csv_download(label: str, table: pd.DataFrame, file_name: str) -> None:
    st.download_button(
        label,
        table.to_csv(index=False).encode(),
        file_name=_(file_name),
        mime="text/csv",
        icon=":material/download:",
    )


def link_to_mnist() -> None:
    """The MNIST page may not be registered (or run standalone): fall back to a plain link."""
    label = _("MNIST page: train with different output activations")
    try:
        st.page_link("app_pages/mnist.py", label=label, icon=":material/grid_on:")
    except StreamlitAPIException:
        st.markdown(f"[{label}](/mnist)")


def playground() -> None:
    controls, results = st.columns([1, 2], gap="large")
    with controls:
        count = bound(
            st.slider, _("Number of logits K"), sm.MIN_LOGITS, sm.MAX_LOGITS, 4, key="sm_k"
        )
        temperature = bound(
            st.slider,
            _("Temperature T"),
            0.05,
            10.0,
            1.0,
            step=0.05,
            help=_("Logits are divided by T: small T sharpens towards argmax, large T flattens."),
            key="sm_t",
        )
        pairs = st.columns(2)
        logits = tuple(
            bound(
                pairs[i % 2].slider,
                f"z{i}",
                -sm.LOGIT_LIMIT,
                sm.LOGIT_LIMIT,
                sm.DEFAULT_LOGITS[i],
                step=0.1,
                key=f"sm_z{i}",
            )
            for i in range(count)
        )
    view = guarded(lambda: playground_data(logits, temperature))
    if view is None:
        return
    with results:
        st.latex(r"p_i = \frac{e^{z_i / T}}{\sum_{j=1}^{K} e^{z_j / T}}")
        draw(probability_bars(view.probabilities))
        st.caption(_("Bars: probabilities at your T. Black ticks: the same logits at T = 1."))
        metrics = st.columns(3)
        metrics[0].metric(_("largest probability"), f"{view.largest_probability:.4f}")
        metrics[1].metric(_("entropy (nats)"), f"{view.entropy:.4f}")
        metrics[2].metric(_("log K (uniform)"), f"{view.uniform_entropy:.4f}")
    st.dataframe(
        view.probabilities.rename(columns=_),
        hide_index=True,
        column_config={
            _(column): st.column_config.NumberColumn(format="%.6f")
            for column in ["logit / T", "probability", "probability at T = 1"]
        },
    )

    st.subheader(_("Temperature: from argmax to uniform"))
    draw(temperature_chart(view.sweep, temperature))

    st.subheader(_("The softmax Jacobian"))
    st.latex(
        r"J_{ij} = \frac{\partial p_i}{\partial z_j} = \frac{1}{T}\, p_i\,(\delta_{ij} - p_j)"
        r"\qquad \sum_j J_{ij} = 0"
    )
    left, right = st.columns(2)
    draw(
        jacobian_heatmap(view.jacobian, "autograd", _("by autograd (torch.autograd.functional)")),
        left,
    )
    draw(
        jacobian_heatmap(view.jacobian, "closed form", _("closed form p_i (δ_ij − p_j) / T")),
        right,
    )
    st.metric(_("max |autograd − closed form|"), f"{view.max_difference:.2e}")
    st.caption(
        _(
            "Each row sums to zero: raising one logit can only move probability between "
            "classes. The diagonal is positive (p_i grows with its own logit), everything else "
            "negative."
        )
    )
    csv_download(
        _("Download probabilities (CSV)"), view.probabilities, N_("softmax_probabilities.csv")
    )
    csv_download(_("Download Jacobian (CSV)"), view.jacobian, N_("softmax_jacobian.csv"))


def numerics_lab() -> None:
    st.markdown(
        _(
            "Three ways to compute log-softmax. They are equal on paper; in a computer the first "
            "one takes `exp` of the raw logits, and `exp` overflows to `inf` (or underflows to "
            "0) long before the answer does."
        )
    )
    for formula, code in sm.LOG_SOFTMAX_FORMULAS.values():
        st.latex(formula)
        st.code(code, language="python")

    controls = st.columns(3)
    scale = bound(
        controls[0].slider,
        _("Logit scale s"),
        0.0,
        sm.LAB_SCALE_MAX,
        100.0,
        step=0.5,
        help=_("logits = s · (1, 0, −0.05) + shift; s = 100 gives [100, 0, −5]."),
        key="sm_scale",
    )
    shift = bound(
        controls[1].slider,
        _("Shift (added to every logit)"),
        -sm.LAB_SHIFT_LIMIT,
        sm.LAB_SHIFT_LIMIT,
        0.0,
        step=10.0,
        help=_("Softmax does not change when every logit moves by the same amount; naive does."),
        key="sm_shift",
    )
    target = bound(
        controls[2].selectbox,
        _("True class (for the loss)"),
        list(range(sm.LAB_CLASSES)),
        index=2,
        key="sm_target",
    )
    lab = guarded(lambda: numerics_data(scale, shift, target))
    if lab is None:
        return
    st.markdown(
        _("Logits in float64: {logits}").format(logits=f"`{[round(v, 6) for v in lab.logits]}`")
    )

    st.subheader(_("log p in four precisions"))
    st.dataframe(sm.readable(lab.comparison), hide_index=True, height="content")

    st.subheader(_("Where inf and NaN first appear"))
    limits = exp_limits()
    float32 = limits.of("float32")
    st.markdown(
        _(
            "`exp(x)` in float32 is finite up to x = {largest}; the next float32, {next}, "
            "already overflows (log of the largest float32 is {log_max}). Every limit below is "
            "found by bisecting the dtype's bit patterns, not typed in."
        ).format(
            largest=f"{float32['largest x with finite exp(x)']:.6f}",
            next=f"{float32['next value (exp = inf)']:.6f}",
            log_max=f"{float32['log(finfo.max)']:.6f}",
        )
    )
    draw(status_chart(lab.segments, scale))
    st.caption(
        _(
            "First scale at which each formula stops being finite (exact to the last double), "
            "with the logits as that dtype stores them: the naive one fails exactly when the "
            "largest logit passes the exp overflow threshold."
        )
    )
    st.dataframe(sm.readable(lab.first, digits=None), hide_index=True, height="content")
    st.caption(_("The exp limits of each dtype, every digit shown."))
    st.dataframe(sm.readable(limits.table, digits=None), hide_index=True)

    st.subheader(_("What F.cross_entropy does instead"))
    st.markdown(
        _(
            "`F.cross_entropy(z, target)` is `nll_loss(log_softmax(z), target)` with the "
            "max-subtracted log-softmax inside, so the loss stays finite and its gradient is "
            "exactly the softmax minus the one-hot target:"
        )
    )
    st.latex(
        r"L = -\log p_{y} = \log\sum_j e^{z_j} - z_y \qquad "
        r"\frac{\partial L}{\partial z_j} = p_j - [j = y]"
    )
    st.dataframe(sm.readable(lab.cross_entropy), hide_index=True)
    csv_download(_("Download overflow map (CSV)"), lab.segments, N_("log_softmax_status.csv"))
    csv_download(
        _("Download log p comparison (CSV)"), lab.comparison, N_("log_softmax_comparison.csv")
    )


def losses_and_gradients() -> None:
    st.markdown(
        _(
            "One example whose true label is 1 (class 0 for softmax). Move the logit of the "
            "true class from very wrong (left) to very right (right) and read the gradient the "
            "loss sends back to it. Where MSE's curve lies flat on zero, the model is wrong and "
            "learns nothing."
        )
    )
    controls = st.columns(2)
    classes = bound(
        controls[0].slider, _("Classes K (softmax)"), sm.MIN_LOGITS, sm.MAX_LOGITS, 10, key="sm_lk"
    )
    z_min, z_max = bound(
        controls[1].slider,
        _("Logit range"),
        -sm.CURVE_LOGIT_LIMIT,
        sm.CURVE_LOGIT_LIMIT,
        (-10.0, 10.0),
        step=1.0,
        key="sm_lz",
    )
    losses = guarded(lambda: loss_curves(classes, z_min, z_max))
    if losses is None:
        return
    left, right = st.columns(2)
    with left:
        st.markdown(_("**Sigmoid output, label y = 1**"))
        st.latex(r"\text{MSE: } \frac{\partial}{\partial z}(p-1)^2 = 2(p-1)\,p(1-p)")
        st.latex(r"\text{BCE: } \frac{\partial}{\partial z}(-\log p) = p - 1")
        draw(loss_gradient_chart(losses.binary, "logit z", "dL/dz"))
    with right:
        st.markdown(
            _("**Softmax output, {classes} classes, other logits 0**").format(classes=classes)
        )
        st.latex(r"\text{MSE: } 2p_y\Big[(p_y - 1) - \sum_j (p_j - y_j)\,p_j\Big]")
        st.latex(r"\text{CE: } \frac{\partial}{\partial z_y}(-\log p_y) = p_y - 1")
        draw(loss_gradient_chart(losses.multiclass, _("true-class logit z_y"), "dL/dz_y"))
    st.dataframe(sm.readable(losses.summary), hide_index=True)
    st.caption(
        _(
            "MSE multiplies the error by the output's slope p(1 − p), which is tiny exactly when "
            "the model is confidently wrong; cross-entropy's log cancels that slope."
        )
    )
    csv_download(_("Download loss-gradient curves (CSV)"), losses.all, N_("loss_gradients.csv"))


def nll_needs_log_probabilities() -> None:
    st.markdown(
        _(
            "`F.nll_loss(input, target)` does not take a log: it returns `-input[target]`. It "
            "is the cross-entropy only when `input` is already log-probabilities. Feed it "
            "anything else and it still returns a number, just not a useful one:"
        )
    )
    st.latex(r"\mathrm{nll\_loss}(a, y) = -a_y")
    classes = bound(st.slider, _("Classes K"), sm.MIN_LOGITS, sm.MAX_LOGITS, 10, key="sm_nk")
    nll = guarded(lambda: nll_curves(classes))
    if nll is None:
        return
    left, right = st.columns(2)
    draw(nll_loss_chart(nll.curves), left)
    draw(nll_gradient_chart(nll.curves), right)
    st.dataframe(sm.readable(nll.summary), hide_index=True)
    st.markdown(
        _(
            "- **softmax**: the loss −p_y lives in [−1, 0] and its gradient −p_y(1 − p_y) "
            "vanishes when the model is confidently wrong, exactly when it should be largest.\n"
            "- **sigmoid / tanh**: each class is squashed on its own; the gradient on competing "
            "logits is exactly 0, so wrong classes are never pushed down, and the gradient "
            "saturates like MSE.\n"
            "- **no activation**: −z_y has no lower bound; the network can lower the loss "
            "forever by inflating one logit.\n"
            "- **log_softmax**: the only one that is cross-entropy: gradient p_y − 1 on the true "
            "logit and p_j on every competitor."
        )
    )
    link_to_mnist()
    csv_download(_("Download nll_loss curves (CSV)"), nll.curves, N_("nll_loss_outputs.csv"))


lesson_tabs = tabs(TABS, key="sm_tab", control_label=_("Lesson"))
lessons = [playground, numerics_lab, losses_and_gradients, nll_needs_log_probabilities]
for tab, render in zip(lesson_tabs, lessons, strict=True):
    # Bound tabs track which one is open, so only the visible lesson is computed.
    if tab.open:
        with tab:
            render()
