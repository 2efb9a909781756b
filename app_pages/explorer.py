"""Activation Explorer: f, f′ and f″ of any torch activation, checked and measured."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from actlab import activations, budget, explorer, memory, properties
from actlab.charts.explorer import curve_chart, derivative_check_chart
from ui.bound import bound
from ui.caching import bounded_cache
from ui.catalogue import custom_activation_id, widget_slug
from ui.export import cacheable_spec, chart_with_downloads
from ui.frame import end_page, guarded, predict_then_reveal
from ui.i18n import N_, _, language
from ui.safe_text import literal

DEFAULT_SELECTION = ["relu", "sigmoid", "tanh", "leaky_relu"]


@bounded_cache(budget.EXPLORER_CURVES_ENTRIES, budget.EXPLORER_CURVES_BYTES)
def cached_curves(
    selection: dict, x_min: float, x_max: float, points: int, lang: str
) -> explorer.CurveSet:
    """Every curve on the grid, its undefined points and the derivative check, once per view
    and language (the check's table is worded)."""
    curves = explorer.curve_set(selection, x_min, x_max, points)
    memory.release_freed_memory_every(budget.RELEASE_MEMORY_EVERY_SECONDS)  # evicted views too
    return curves


@bounded_cache(budget.EXPLORER_SPEC_ENTRIES, budget.EXPLORER_SPEC_BYTES)
def cached_chart_spec(
    kind: str,
    selection: dict,
    x_min: float,
    x_max: float,
    points: int,
    threshold: float,
    lang: str,
) -> dict:
    """The Vega-Lite spec of one Explorer chart, built once per view (Altair validation is slow).

    It carries only the columns it draws, at most ``budget.EXPLORER_CHART_ROWS`` rows (every
    k-th grid point, said on the x axis); zones come from every point.
    """
    curves = cached_curves(selection, x_min, x_max, points, lang)
    drawn = explorer.chart_rows(curves, kind, threshold, budget.EXPLORER_CHART_ROWS)
    if kind == "check":
        return cacheable_spec(derivative_check_chart(drawn.rows, x_title=drawn.x_title))
    return cacheable_spec(curve_chart(drawn.rows, kind, drawn.zones, x_title=drawn.x_title))


@bounded_cache(budget.EXPLORER_PROPERTIES_ENTRIES, budget.EXPLORER_PROPERTIES_BYTES)
def cached_properties(selection: dict, lang: str):
    return properties.property_table(selection)


@bounded_cache(budget.EXPLORER_IMAGE_ENTRIES, budget.EXPLORER_IMAGE_BYTES)
def cached_image_view(index: int, selection: dict) -> explorer.ImageView:
    return explorer.image_view(index, selection)


def parameter_controls(name: str) -> dict[str, float]:
    """Sliders for one function's parameters, built from the catalogue (ranges, defaults)."""
    entry = activations.get(name)
    values = {}
    for spec in entry.params:
        values[spec.name] = bound(
            st.slider,
            f"{literal(entry.display_name)} · {spec.name}",
            min_value=float(spec.low),
            max_value=float(spec.high),
            value=float(spec.default),
            step=float(spec.step),
            help=_(spec.help) if spec.help else None,
            key=f"ex_{widget_slug(name)}_{spec.name}",
        )
    return values


with st.sidebar:
    st.header(_("Explorer controls"))
    chosen = bound(
        st.multiselect,
        _("Activations"),
        activations.names(),
        default=DEFAULT_SELECTION,
        format_func=activations.display_name,
        key="ex_fns",
    )
    x_min, x_max = bound(st.slider, _("x range"), -20.0, 20.0, (-6.0, 6.0), step=0.5, key="ex_x")
    points = bound(
        st.select_slider,
        _("Resolution (points)"),
        options=[101, 201, 401, 801, 1601, 3201],
        value=801,
        key="ex_n",
    )
    threshold = bound(
        st.select_slider,
        _("Shade where |f′| <"),
        options=[0.0, 0.001, 0.01, 0.05, 0.1, 0.2],
        value=0.05,
        help=_("The vanishing-gradient zone: the slope a gradient is multiplied by is below this."),
        key="ex_sat",
    )
    show_second = bound(st.toggle, _("Show f″ (second derivative)"), key="ex_d2")
    custom = custom_activation_id()
    if custom:  # the formula typed in the sidebar is always drawn alongside
        chosen = [*chosen, custom]
    with_params = [n for n in chosen if activations.get(n).params]
    if with_params:
        st.subheader(_("Parameters"))
    selection = {name: parameter_controls(name) if name in with_params else {} for name in chosen}

if not chosen:
    st.warning(
        _(
            "Pick at least one activation in the sidebar, or type your own under "
            "*Your own activation*."
        ),
        icon=":material/touch_app:",
    )
    end_page()

lang = language()  # cached results with words in them are kept per language
curves = guarded(lambda: cached_curves(selection, x_min, x_max, points, lang))
if curves is None:
    end_page()
view = (selection, x_min, x_max, points, threshold, lang)


def table_of_view() -> pd.DataFrame:
    """The view's table, fetched from the cache when a download is clicked: the session keeps
    this function until its next run, not a 5 MB table (see ui.export.chart_with_downloads)."""
    return cached_curves(selection, x_min, x_max, points, lang).table


if not curves.undefined.empty:
    st.warning(literal(explorer.left_out_note(curves.undefined)), icon=":material/warning:")

predict_then_reveal(
    _("through 10 sigmoid layers (weights set to 1), by how much must a gradient shrink at least?"),
    [_("by 4¹⁰ ≈ 10⁶ at least"), _("by 2¹⁰ ≈ 10³ at least"), _("it need not shrink")],
    0,
    _(
        "σ′ never exceeds 1/4 (the peak of the f′ chart, at x = 0) and the chain rule multiplies "
        "one such factor per layer, so ten of them scale a gradient by at most 0.25¹⁰ ≈ 9.5·10⁻⁷: "
        "it shrinks by a factor of at least 4¹⁰ ≈ 10⁶. Real layers also multiply by their "
        "weights, and then there is no such bound: large weights can make up for σ′ (the "
        "Gradients lesson shows sigmoid's gradients above 0.25^(L−l) with He initialisation at "
        "depth 50)."
    ),
    key="ex_quiz",
)

f_column, df_column = st.columns(2)
with f_column:
    st.subheader("f(x)")
    chart_with_downloads(partial(cached_chart_spec, "f", *view), table_of_view, N_("activations_f"))
with df_column:
    st.subheader(_("f′(x): the gradient's multiplier"))
    chart_with_downloads(
        partial(cached_chart_spec, "df", *view), table_of_view, N_("activations_df")
    )
if show_second:
    st.subheader(_("f″(x): curvature (autograd with create_graph)"))
    chart_with_downloads(
        partial(cached_chart_spec, "d2f", *view), table_of_view, N_("activations_d2f")
    )

st.subheader(_("Does autograd agree with the formula?"))
st.caption(
    _(
        "Solid: f′ by `torch.autograd.grad`; dashed: the derivative written out by hand. At a "
        "kink f′ is undefined and torch simply picks a value (relu′(0) = 0); the table says which."
    )
)
left, right = st.columns([3, 2])
with left:
    check_spec = partial(cached_chart_spec, "check", *view)
    chart_with_downloads(check_spec, table_of_view, N_("derivative_check"))
right.dataframe(
    curves.check,
    hide_index=True,
    column_config={
        _("max |autograd − closed form|"): st.column_config.NumberColumn(format="%.2e"),
    },
)
if "hardsigmoid" in selection:
    right.caption(
        _(
            "Hardsigmoid's autograd slope is 0.16666667163… in float64: torch's backward uses "
            "the float32 constant 1/6, a 5e-9 difference you can see in the table."
        )
    )

st.subheader(_("Measured properties"))
st.caption(
    _(
        "Range from a float64 grid on [-10, 10] plus probes at ±10⁶; saturation means |f′| < "
        "10⁻⁶ at ±10⁶; continuity from the closed forms at each kink; cost is forward+backward "
        "time per element relative to ReLU, measured once per server."
    )
)
props = cached_properties(selection, lang)
st.dataframe(
    props,
    hide_index=True,
    column_config={
        _(column): st.column_config.NumberColumn(format="%.4f")
        for column in ["min f", "argmin", "max f", "f(0)", "f'(0) (torch)", "max |f'|"]
    }
    | {
        _("E[f(z)], z~N(0,1)"): st.column_config.NumberColumn(format="%.4f"),
        _("cost vs ReLU"): st.column_config.NumberColumn(format="%.2f×"),
    },
)

st.subheader(_("Formulas"))
for card in map(explorer.formula_card, chosen):
    with st.expander(literal(card.heading), expanded=len(chosen) <= 2):
        for line in card.latex:
            st.latex(line)
        if card.typed:
            st.code(card.typed, language=None)
            st.caption(_("f′ and f″ come from autograd: a typed formula has no closed form."))
        st.markdown(f"{literal(card.torch_call)} · *{card.origin}*")
        if card.note:
            st.info(card.note)

st.subheader(_("Apply to an image"))
st.caption(
    _(
        "An MNIST test digit normalised to zero mean and unit variance (what a network sees), "
        "then each activation applied pixel by pixel. Red is positive, blue negative, white zero."
    )
)
index = bound(st.number_input, _("Test digit #"), 0, 9999, 0, key="ex_digit")
images = cached_image_view(int(index), selection)
columns = st.columns(min(len(images.pictures) + 1, 6))
columns[0].image(images.digit, caption=_("input (normalised)"))
for i, (name, picture) in enumerate(images.pictures.items(), start=1):
    columns[i % len(columns)].image(picture, caption=images.caption(name))

st.download_button(
    _("Download plotted data (CSV)"),
    lambda: table_of_view().to_csv(index=False).encode(),  # made on click, not on every rerun
    file_name=_("activations") + ".csv",
    mime="text/csv",
    icon=":material/download:",
)
