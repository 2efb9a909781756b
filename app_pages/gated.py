"""Gated units (GLU, ReGLU, GEGLU, SwiGLU): two inputs, shown as two inputs."""

from __future__ import annotations

import streamlit as st

from actlab import budget, gated
from actlab.charts.gated import diagonal_chart, plane_heatmap, slice_chart
from ui.bound import bound
from ui.export import draw
from ui.frame import guarded
from ui.i18n import _, language


@st.cache_data(
    show_spinner=False,
    max_entries=budget.GATED_ENTRIES,
    max_size=budget.GATED_BYTES,
    ttl=budget.CACHE_TTL_SECONDS,
)
def view(name: str, a0: float, b0: float, extent: float, points: int, lang: str) -> gated.GatedView:
    """One unit's view, per language (the diagonal's series are named in words)."""
    return gated.gated_view(name, a0, b0, extent, points)


controls = st.columns([2, 2, 1])
unit_id = bound(
    controls[0].selectbox,
    _("Gated unit"),
    gated.names(),
    index=gated.names().index("swiglu"),
    format_func=gated.display_name,
    key="gu_unit",
)
extent = bound(
    controls[1].slider,
    _("Range of a and b: ±"),
    gated.MIN_EXTENT,
    gated.MAX_EXTENT,
    4.0,
    step=0.5,
    key="gu_range",
)
points = bound(
    controls[2].select_slider,
    _("Grid points per axis"),
    [41, 61, 81, 101, gated.MAX_POINTS],
    value=81,
    key="gu_n",
)
unit = gated.get(unit_id)
st.caption(
    _("{unit}: {origin}. Used in: {used_in}.").format(
        unit=unit.display_name, origin=unit.origin, used_in=_(unit.used_in)
    )
)

# The plane comes first (it is the lesson, and it sits above a 720 px fold); the slice sliders
# are drawn with their slices below but read here, because the plane marks where they cut.
plane_section, slices_section = st.container(), st.container()
slices_section.subheader(_("2 · Slices: fix one input, move the other"))
sliders = slices_section.columns(2)
a0 = bound(
    sliders[0].slider,
    _("Slice at a ="),
    -gated.MAX_EXTENT,
    gated.MAX_EXTENT,
    1.0,
    step=0.1,
    key="gu_a",
)
b0 = bound(
    sliders[1].slider,
    _("Slice at b ="),
    -gated.MAX_EXTENT,
    gated.MAX_EXTENT,
    1.0,
    step=0.1,
    key="gu_b",
)
result = guarded(
    lambda: view(unit_id, float(a0), float(b0), float(extent), int(points), language())
)
if result is not None:
    with plane_section:
        st.subheader(_("1 · g over the (a, b) plane, and both partial derivatives"))
        st.latex(
            gated.FORMULA_LATEX
            + rf",\qquad \varphi(a) = {unit.gate_latex},\qquad "
            + gated.PARTIALS_LATEX
        )
        columns = st.columns(3)
        for column, (field, title) in zip(columns, gated.FIELDS.items(), strict=True):
            inside = {k: v if abs(v) <= extent else None for k, v in (("a0", a0), ("b0", b0))}
            draw(plane_heatmap(result.plane, result.contours, field, title, **inside), column)
        st.caption(
            _(
                "Red is positive, blue negative, white 0; black lines are contours (hover for "
                "the value), the dashed line is the diagonal a = b, the grey rules the two "
                "slices below. Where φ(a) ≈ 0 the gate is shut: g and ∂g/∂b vanish whatever b "
                "is, and for ReGLU the whole half-plane a < 0 gets no gradient through b."
            )
        )

    left, right = slices_section.columns(2)
    draw(
        slice_chart(
            result.slice_a,
            "b",
            "b",
            _("a fixed at {a}: g = φ({a})·b is a straight line").format(a=f"{a0:g}"),
        ),
        left,
    )
    draw(
        slice_chart(
            result.slice_b,
            "a",
            "a",
            _("b fixed at {b}: g = φ(a)·{b}, the gate's shape").format(b=f"{b0:g}"),
        ),
        right,
    )
    st.caption(
        _(
            "Along b the unit is linear (slope φ(a), which is ∂g/∂b); along a it is the gate φ "
            "scaled by b, so a negative b turns it upside down. That sign flip is what no "
            "single-input activation can do."
        )
    )

    st.subheader(_("3 · The diagonal a = b, and the one-input mistake"))
    st.latex(rf"g(x, x) = {unit.diagonal_latex}")
    draw(diagonal_chart(result.diagonal))
    st.markdown(gated.one_input_mistake(unit_id))
    st.caption(
        _("On the diagonal, g(x, x) agrees with its closed form to {error} (float64).").format(
            error=f"{result.diagonal_check:.1e}"
        )
    )

    st.subheader(_("4 · In a network"))
    st.latex(gated.FFN_LATEX)
    st.markdown(
        _(
            "A gated block has three weight matrices where the plain MLP has two, so its hidden "
            "width is shrunk to keep the parameter count: in a Transformer (d → 4d → d) that "
            "is the 2/3 rule, 3·d·h = 2·d·4d gives h = 8d/3. For MNIST (784 → h → 10) the same "
            "matching gives about h/2, because the input side dominates. Compare gated and "
            "plain blocks at matched parameters on the MNIST page."
        )
    )
    st.code(
        "class SwiGLUFFN(torch.nn.Module):  # LLaMA's feed-forward block\n"
        "    def __init__(self, d, hidden):\n"
        "        super().__init__()\n"
        "        self.w1 = torch.nn.Linear(d, hidden, bias=False)  # a = x W\n"
        "        self.w3 = torch.nn.Linear(d, hidden, bias=False)  # b = x V\n"
        "        self.w2 = torch.nn.Linear(hidden, d, bias=False)\n\n"
        "    def forward(self, x):\n"
        "        return self.w2(F.silu(self.w1(x)) * self.w3(x))",
        language="python",
    )
