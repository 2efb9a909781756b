"""Chinese as well as English: the catalogue, the language choice, and no English left behind.

The walk at the end opens every page in ``WALKED_PAGES`` (each tab of a tabbed page) in zh-CN
and reads every text a visitor can see: Markdown bodies, headings, captions, alerts, toasts,
widget labels, help and options, metrics, table headers and worded cells, and every title a
chart shows (axis, legend, tooltip and chart titles; a field name where no title is given, since
Vega-Lite then prints the field) with the series names in its legend. Any English word left is
a failure, except names (ReLU, PyTorch, MNIST), formulas, code and numbers. To cover another
page, add it to ``WALKED_PAGES``.
"""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import pytest
from apptest_helpers import chart_frames, chart_rows, open_via_router, rendered_markdown, shown

from actlab import activations, datasets, explorer, formula, gated, i18n, training
from actlab.i18n import Message, Refusal, counted
from tools import translations

ROOT = Path(__file__).resolve().parents[1]

# page script -> (tab key, tab labels as marked in the source) or None
WALKED_PAGES: dict[str, tuple[str, list[str]] | None] = {
    "app_pages/home.py": None,
    "app_pages/explorer.py": None,
    "app_pages/gated.py": None,
    "app_pages/nonlinearity.py": None,
    "app_pages/gradients.py": ("gr_tab", ["Vanishing & exploding", "Does it learn?", "Dead ReLU"]),
    "app_pages/mnist.py": None,
    "app_pages/playground.py": None,
    "app_pages/softmax.py": (
        "sm_tab",
        [
            "Playground",
            "Numerics lab",
            "Losses and gradients",
            "nll_loss needs log-probabilities",
        ],
    ),
}

# Views beyond each page's default that show more of the catalogue: every activation's
# description, parameters and notes, every gated unit.
EVERY = [activations.display_name(name) for name in activations.names()]
MORE_VIEWS: dict[str, list[dict]] = {
    "app_pages/explorer.py": [{"ex_fns": EVERY, "ex_d2": "true"}],
    "app_pages/nonlinearity.py": [{"nl_fit": EVERY}],
    "app_pages/gradients.py": [
        {"gr_act": ["ReLU", *(gated.display_name(name) for name in gated.names())]}
    ],
}

# Words that stay as they are in Chinese text: names of things, code and units.
NAMES = {
    "actlab", "PyTorch", "torch", "MNIST", "Fashion", "autograd", "create_graph", "grad",
    "LeCun", "Cortes", "Burges", "Transformer", "BERT", "GPT", "LLaMA", "PaLM", "FFN", "FFNs",
    "XOR", "Circle", "MLP", "CSV", "PNG", "SVG", "float32", "float64", "float16", "bfloat16",
    "dtype", "W_eff", "b_eff", "logit", "logits", "nats", "one", "hot", "symlog", "finfo",
    "target", "input", "naive_log_softmax", "Jacobian",
    "softmax", "Softmax", "log_softmax", "nll_loss", "cross_entropy", "MSE", "BCE", "NaN", "inf",
    "exp", "log", "max", "min", "argmin", "argmax", "sin", "cos", "tanh", "sigmoid", "relu",
    "English", "Language", "SiLU", "Swish", "Kaiming", "Xavier", "Glorot", "He", "Adam", "SGD",
    "nn", "Linear", "Module", "silu", "Telgarsky", "Hardsigmoid", "init", "expm1", "softplus",
    "ReLU", "Mish", "GELU", "SwiGLU", "GLU", "GEGLU", "ReGLU", "LeakyReLU", "ELU", "SELU", "pdf",
    "Primer", "LayerNorm", "DyT", "Dynamic", "Tanh", "RReLU", "PReLU", "CELU", "xIELU", "Snake",
    "fan_in", "log10", "UvA", "SNN", "d2l", "LeNet", "CNN", "dropout", "JAX", "IDX", "cpu",
    "state_dict", "drop_last", "Leaky", "true", "false",  # (true, false: link values)
}  # fmt: skip
CITATIONS = [entry.origin for entry in map(activations.get, activations.names()) if entry.origin]
CITATIONS += [gated.get(name).origin for name in gated.names()]
CITATIONS += [info.citation for info in datasets.DATASETS.values()]
CITATIONS += ["TensorFlow Playground"]  # a product's name
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_']{2,}")
SYMBOL = re.compile(r"^d?[A-Za-z]_[A-Za-z0-9]+$")  # subscripted symbols: p_i, z_y, dz_y


def allowed_words() -> set[str]:
    names = set(NAMES) | set(formula.ALLOWED_FUNCTIONS)  # the formula language's functions
    for name in activations.names():
        names |= {name, *WORD.findall(activations.display_name(name))}
        names |= {param.name for param in activations.get(name).params}  # f's arguments
    for name in gated.names():
        names |= {name, *WORD.findall(gated.display_name(name))}
    return names


def english_left(text: str, allowed: set[str]) -> list[str]:
    """The English words in ``text`` that are not names, code or formulas."""
    for citation in CITATIONS:  # a paper's title stays as published
        text = text.replace(citation, "")
    text = re.sub(r"`[^`]*`", "", text)  # inline code
    text = re.sub(r"\$[^$]*\$", "", text)  # inline LaTeX
    text = re.sub(r":material/[a-z_]+:", "", text)  # icons
    text = re.sub(r"\b[A-Za-z][\w.]*\([^()]*\)", "", text)  # calls: sigmoid(x), nn.Linear(a, b)
    text = re.sub(r"\b\w+\.\w+(\.\w+)*", "", text)  # dotted names: torch.nn.Linear
    return [
        word
        for word in WORD.findall(text)
        if len(word.strip("'")) > 2  # f'' and f' are derivatives, not words
        and word.strip("'") not in allowed
        and not SYMBOL.match(word)
    ]


def chart_texts(at) -> list[str]:
    """Every text the page's charts show: titles, and field names where there is no title,
    plus the values of the nominal fields (legend entries)."""
    texts: list[str] = []
    for element, frames in zip(at.get("vega_lite_chart"), chart_frames(at), strict=True):
        spec = json.loads(element.proto.spec)
        nominal: set[str] = set()

        def visit(node, channel: str = "", nominal: set[str] = nominal) -> None:
            if isinstance(node, dict):
                if "title" in node:  # null: no title shown
                    title = node["title"]
                    if title is not None:
                        texts.extend(title if isinstance(title, list) else [str(title)])
                elif "field" in node and channel not in ("x2", "y2", "detail", "key", "text"):
                    texts.append(str(node["field"]))
                if node.get("type") == "nominal" and "field" in node and channel != "tooltip":
                    nominal.add(node["field"])
                for key, value in node.items():
                    if key not in ("data", "datasets", "config", "params", "transform"):
                        visit(value, key if key != "encoding" else channel, nominal)
            elif isinstance(node, list):
                for item in node:
                    visit(item, channel, nominal)

        visit({k: v for k, v in spec.items() if k != "config"})
        for frame in frames:
            for field in nominal & set(frame.columns):
                texts.extend(str(v) for v in frame[field].dropna().unique())
    return texts


def page_texts(at) -> list[str]:
    """Every text of the page a visitor reads, charts included."""
    texts = list(rendered_markdown(at))
    for kind in ("selectbox", "multiselect", "select_slider"):
        for widget in at.get(kind):
            texts.extend(str(option) for option in widget.proto.options)
    for metric in at.get("metric"):
        texts.append(metric.proto.label)
    for table in at.get("arrow_data_frame"):
        frame = table.value
        texts.extend(str(column) for column in frame.columns)
        for column in frame.columns:
            if frame[column].dtype == object:
                texts.extend(str(v) for v in frame[column].dropna().unique())
    for kind in ("title", "header", "subheader", "caption", "markdown", "toast"):
        texts.extend(str(e.value) for e in at.get(kind))
    return texts + chart_texts(at)


# --- the catalogue ------------------------------------------------------------------------------


def test_the_catalogue_has_exactly_the_sources_texts_all_translated_and_compiled():
    assert translations.check() == []


def test_the_check_finds_a_missing_a_stale_and_an_untranslated_text(monkeypatch):
    real = translations.extract()
    template = translations.extract()
    template.add("a text nobody translated yet")
    template.delete(next(m.id for m in real if m.id and isinstance(m.id, str)))
    monkeypatch.setattr(translations, "extract", lambda: template)
    found = translations.check()
    assert any("missing from the .po: 'a text nobody translated yet'" in p for p in found)
    assert any("obsolete in the .po" in p for p in found)


# An error that reaches a page must be a ``Refusal`` (its template marked, so it is in the
# catalogue and the page says it in Chinese). A plain English ``raise`` is allowed only with a
# ``# internal: why`` comment on its lines or the two above: the page validates first (a bound
# list, a slider's range), so only a script's author can ever read it.
INTERNAL = re.compile(r"#\s*internal\b")


def _english_text(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp):
        return _english_text(node.left) or _english_text(node.right)
    return isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "format"


def unmarked_english_raises(source: str) -> list[int]:
    """Lines of every ``raise Error("English…")`` in ``source`` with no ``# internal`` mark."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        if not any(_english_text(arg) for arg in node.exc.args):
            continue
        near = lines[max(0, node.lineno - 3) : node.end_lineno]
        if not any(INTERNAL.search(line) for line in near):
            found.append(node.lineno)
    return found


def test_every_error_actlab_can_show_a_visitor_is_translatable():
    unmarked = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "actlab").rglob("*.py"))
        if (lines := unmarked_english_raises(path.read_text(encoding="utf-8")))
    }
    assert unmarked == {}, "make these Refusal(N_(…)) or mark them '# internal: why'"


def test_the_scan_finds_english_errors_and_passes_refusals_and_marked_ones():
    source = """
def f(x):
    if x == 1:
        raise ValueError(f"x is {x}")
    if x == 2:
        raise TypeError("no " + "way")
    if x == 3:
        raise ValueError("{x} is wrong".format(x=x))
    if x == 4:
        raise Refusal(N_("x is {x}"), x=x)
    if x == 5:  # internal: the page never passes 5
        raise ValueError("five")
    raise ValueError(  # internal: nor 6
        "six"
    )
"""
    assert unmarked_english_raises(source) == [4, 6, 8]


def test_placeholders_must_survive_translation():
    assert translations.placeholders("{count} of {points} points") == {"count", "points"}
    assert translations.placeholders(r"\frac{a}{b}") == {"a", "b"}  # compared as given


def test_a_counted_message_takes_the_plural_form_in_english_and_the_one_form_in_chinese():
    assert str(counted("only the first value used", "only the first {count} values used", 1)) == (
        "only the first value used"
    )
    message = counted("only the first value used", "only the first {count} values used", 3)
    assert str(message) == "only the first 3 values used"
    with i18n.using("zh-CN"):
        assert message.localized() == "只使用了前 3 个值"


def test_a_refusal_reads_in_english_and_is_shown_in_the_visitors_language():
    error = Refusal("x range is empty: x_min={low} must be below x_max={high}", low=2, high=1)
    assert str(error) == "x range is empty: x_min=2 must be below x_max=1"
    assert isinstance(error, ValueError)
    with i18n.using("zh-CN"):
        assert error.localized() == "x 范围为空：x_min=2 必须小于 x_max=1"
        parts = Message("{problem} at column {column}", {"problem": error, "column": 4})
        assert parts.localized() == "x 范围为空：x_min=2 必须小于 x_max=1 at column 4"
    assert i18n.language() == "en"  # ``using`` leaves the thread as it found it


# --- choosing the language ----------------------------------------------------------------------


def test_a_lang_link_opens_in_chinese_and_an_unknown_one_is_named_and_ignored():
    at = open_via_router("app_pages/explorer.py", {"lang": "zh-CN"})
    assert at.title[0].value == "激活函数探索器"
    assert at.radio(key="lang").value == "zh-CN"
    for hostile in ("fr", "zh-cn", "<b>x</b>", "zh-CN\u202e"):
        at = open_via_router("app_pages/home.py", {"lang": hostile})
        assert not at.exception
        assert at.title[0].value == "actlab — the activation-function lab"  # English fallback
        assert "not a language of this app, ignored" in shown(at.toast[0].value)
        assert "lang" not in at.query_params


def test_switching_the_language_keeps_every_control_and_the_link():
    names = [activations.display_name(name) for name in ("sigmoid", "tanh")]
    query = {"ex_fns": names, "ex_x": ["-3.0", "3.0"], "ex_n": "401"}
    at = open_via_router("app_pages/explorer.py", query)
    before = {key: at.session_state[key] for key in ("ex_fns", "ex_x", "ex_n")}
    link = {key: at.query_params[key] for key in query}
    at.radio(key="lang").set_value("zh-CN").run()
    assert not at.exception and at.title[0].value == "激活函数探索器"
    assert {key: at.session_state[key] for key in before} == before
    assert {key: at.query_params[key] for key in query} == link
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Activation Explorer"
    assert {key: at.session_state[key] for key in before} == before


def test_a_shared_link_always_carries_its_language():
    at = open_via_router("app_pages/explorer.py", {"lang": "zh-CN"})
    assert "lang=zh-CN" in at.code[-1].value  # the presenter panel's link to this view


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize(  # (home and softmax's first tab have no choices, only sliders)
    "page", [p for p in WALKED_PAGES if not p.endswith(("home.py", "softmax.py"))]
)
def test_a_link_naming_the_shown_choices_opens_without_a_notice(page, language):
    """A lecturer's hand-written link may name a control's default by its label (Streamlit
    itself leaves defaults out): it is the same view, not "not one of its choices"."""
    at = open_via_router(page, {"lang": language})
    drawn = set(at.session_state["_actlab_controls"]) - {"lang"}
    link = {"lang": language}
    with i18n.using(language):  # AppTest formats the choices in this thread
        for kind in ("selectbox", "multiselect", "radio", "select_slider"):
            for widget in at.get(kind):
                if widget.key in drawn:
                    values = widget.value if kind == "multiselect" else [widget.value]
                    link[widget.key] = [str(widget.format_func(v)) for v in values]
    assert len(link) > 2, link  # choices were named
    again = open_via_router(page, link)
    assert not again.exception
    assert not again.toast, [t.value for t in again.toast]
    assert {k: again.session_state[k] for k in link if k != "lang"} == {
        k: at.session_state[k] for k in link if k != "lang"
    }


# --- nothing left in English --------------------------------------------------------------------


def walk(page: str, tabs: tuple[str, list[str]] | None):
    """(view, AppTest) for the page and each of its tabs in zh-CN, and once more with each
    predict-first quiz answered wrongly (the answer and the explanation show)."""
    views = [("", {})] if tabs is None else [(label, {tabs[0]: label}) for label in tabs[1]]
    views += [(f"with {sorted(query)}", query) for query in MORE_VIEWS.get(page, [])]
    for name, query in views:  # a tab by its English label: the link is mapped onto Chinese
        at = open_via_router(page, {"lang": "zh-CN", **query})
        # Every value of the link was taken: a tab named by its English label (and the default
        # tab, which Streamlit drops from the URL) opens with no "not one of its choices" note.
        assert not at.toast, (page, query, [t.value for t in at.toast])
        yield name, at
        quizzes = [r for r in at.radio if str(r.key).endswith("_quiz")]
        for quiz in quizzes:
            # AppTest formats every other choice of the page (format_func) in this thread, as
            # the browser sends back the labels it was shown: in Chinese.
            with i18n.using("zh-CN"):
                quiz.set_value(quiz.options[-1]).run()
            yield f"{name} {quiz.key} answered", at


@pytest.mark.parametrize("page", list(WALKED_PAGES))
def test_every_text_of_the_page_is_chinese_except_names_formulas_and_numbers(page):
    allowed = allowed_words()
    left = {}
    for tab, at in walk(page, WALKED_PAGES[page]):
        assert not at.exception, [e.value for e in at.exception]
        for text in map(shown, page_texts(at)):
            words = english_left(text, allowed)
            if words:
                left[f"{tab}: {text[:80]}"] = words
    assert not left, json.dumps(left, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("payload", ["inf", "abc", "-1e9"])
@pytest.mark.parametrize("page", list(WALKED_PAGES))
def test_a_hostile_link_is_refused_in_chinese(page, payload):
    """Every bound control of every tab carries the payload (as in test_hostile_inputs): each
    error, warning and note the page then shows is Chinese, the echoed payload and the link's
    own keys (``sm_z2``: code, as the link spells it) aside."""
    from test_hostile_inputs import controls_of

    allowed = allowed_words() | {key for view in controls_of(page) for key in view}
    left = {}
    for view in controls_of(page):
        query = {key: payload if fixed is None else fixed for key, fixed in view.items()}
        at = open_via_router(page, {**query, "lang": "zh-CN"})
        assert not at.exception, [e.value for e in at.exception]
        for kind in ("error", "warning", "info", "exception", "toast"):
            for element in at.get(kind):
                text = shown(str(element.value)).replace(repr(payload), "").replace(payload, "")
                if words := english_left(text, allowed):
                    left[text[:80]] = words
    assert not left, json.dumps(left, ensure_ascii=False, indent=1)


def test_the_checker_finds_english_and_lets_names_formulas_and_numbers_pass():
    allowed = allowed_words()
    assert english_left("Pick at least one activation", allowed)
    assert not english_left("ReLU、GELU 与 `torch.nn.functional` 的 f(x) = max(0, x)：3.5", allowed)
    assert not english_left(CITATIONS[0], allowed)


def test_a_refused_formula_is_explained_in_chinese_on_the_page():
    at = open_via_router("app_pages/explorer.py", {"lang": "zh-CN", "fx": "min(x, 1)"})
    errors = [shown(e.value) for e in at.error]
    assert any("未知函数 'min'；请用 minimum(a, b)" in text for text in errors), errors
    at = open_via_router("app_pages/explorer.py", {"fx": "min(x, 1)"})
    assert any("unknown function 'min'; use minimum(a, b)" in shown(e.value) for e in at.error)


def test_exported_svg_and_png_carry_the_chinese_text_and_a_cjk_font():
    from actlab.charts.explorer import curve_chart
    from actlab.charts.theme import themed
    from actlab.export import chart_png, chart_svg

    rows = explorer.chart_rows(
        explorer.curve_set({"relu": {}}, -1.0, 1.0, 11), "df", 0.05, 1000
    ).rows
    with i18n.using("zh-CN"):
        spec = themed(curve_chart(rows, "df").to_dict())
    svg = chart_svg(spec)
    assert "f′(x)（autograd）" in svg and "激活函数" in svg
    assert "Noto Sans CJK SC" in spec["config"]["font"]  # the theme names a CJK font
    assert chart_png(spec)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_open_tab_stays_open_when_the_language_changes():
    at = open_via_router("app_pages/softmax.py", {"sm_tab": "Numerics lab"})
    assert "log p in four precisions" in [s.value for s in at.subheader]
    at.radio(key="lang").set_value("zh-CN").run()
    assert not at.exception
    assert "四种精度下的 log p" in [s.value for s in at.subheader]
    at.radio(key="lang").set_value("en").run()
    assert "log p in four precisions" in [s.value for s in at.subheader]


def test_an_empty_logit_range_is_refused_in_chinese():
    at = open_via_router(
        "app_pages/softmax.py",
        {"lang": "zh-CN", "sm_tab": "Losses and gradients", "sm_lz": ["3.0", "3.0"]},
    )
    assert any("z_min 必须小于 z_max" in shown(e.value) for e in at.error), at.error


def test_a_typed_formula_is_named_and_refused_in_chinese():
    swish = "x * sigmoid(beta * x)"
    at = open_via_router("app_pages/explorer.py", {"lang": "zh-CN", "fx": swish})
    assert not at.exception
    assert f"自定义：{swish}" in set(chart_rows(at, 0, "f")["activation"])
    at.radio(key="lang").set_value("en").run()
    assert f"Custom: {swish}" in set(chart_rows(at, 0, "f")["activation"])
    for label in (f"自定义：{swish}", f"Custom: {swish}"):  # charts style it as the formula
        assert activations.is_custom_label(label)
    assert not activations.is_custom_label("ReLU")
    at = open_via_router("app_pages/explorer.py", {"lang": "zh-CN", "fx": "X * 2"})
    errors = [shown(e.value) for e in at.error]
    assert any("公式没有用到 x" in text and "不要写 X" in text for text in errors), errors


def test_a_finished_training_on_the_gradients_page_reads_in_chinese():
    query = {"lang": "zh-CN", "gr_tab": "Dead ReLU", "gr_ddepth": "2", "gr_dwidth": "32"}
    at = open_via_router("app_pages/gradients.py", {**query, "gr_dsteps": "100"})
    with i18n.using("zh-CN"):  # AppTest formats the other choices in this thread (see walk)
        at.button(key="gr_dgo").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.startswith("训练用时") for c in at.caption)
    allowed = allowed_words()
    left = {t[:80]: w for t in map(shown, page_texts(at)) if (w := english_left(t, allowed))}
    assert not left, json.dumps(left, ensure_ascii=False, indent=1)
    assert "按当前设置" in chart_texts(at)  # the run's name titles its dead-unit chart


def train_until_done(at, seconds: float = 60) -> None:
    """Press the MNIST page's Train and rerun until its results' download button is drawn."""
    at.button(key="mn_go").click().run()
    deadline = time.monotonic() + seconds
    while not at.get("download_button") and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()


@pytest.mark.usefixtures("isolated_data_dirs")
def test_a_finished_mnist_training_reads_in_chinese():
    query = {"lang": "zh-CN", "mn_ep": "1", "mn_hid": "16", "mn_lim": "1,000", "mn_ev": "1"}
    at = open_via_router("app_pages/mnist.py", {**query, "mn_act": ["ReLU", "Tanh"]})
    with i18n.using("zh-CN"):  # AppTest formats the other choices in this thread (see walk)
        train_until_done(at)
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("download_button"), "the training did not finish in time"
    table = at.dataframe[0].value
    assert {"激活函数", "测试准确率", "状态"} <= set(table.columns)
    assert set(table["状态"]) == {"已完成"}
    allowed = allowed_words()
    left = {t[:80]: w for t in map(shown, page_texts(at)) if (w := english_left(t, allowed))}
    assert not left, json.dumps(left, ensure_ascii=False, indent=1)


def test_the_playground_component_gets_every_text_it_writes_in_chinese():
    from ui import playground_view

    script = (ROOT / "ui/components/playground/playground.js").read_text(encoding="utf-8")
    written = set(re.findall(r'\bt\("((?:[^"\\]|\\.)*)"', script))
    assert written == set(playground_view.COMPONENT_TEXTS)  # none forgotten, none stale
    with i18n.using("zh-CN"):
        ui = playground_view.display_settings(
            presenting=False,
            playing=False,
            show_test=False,
            discretize=False,
            draw=True,
            n_classes=3,
            activation_labels=[playground_view.short_label("custom:x")],
            dataset="circle",
        )
    assert ui["texts"]["Reset"] == "重置" and ui["class_names"][0] == "类别 0"
    allowed = allowed_words()
    shown_texts = [*ui["texts"].values(), *ui["class_names"], *ui["activation_labels"]]
    shown_texts += [label for _, label in ui["datasets"]]
    shown_texts = [re.sub(r"\{\w+\}", "", text) for text in shown_texts]  # its fields
    left = {text: words for text in shown_texts if (words := english_left(text, allowed))}
    assert not left, left


class FinishedRun:
    """A run of the registry that has finished with a given result (as test_page_mnist)."""

    def __init__(self, result) -> None:
        self.id = 1
        self._state = training.RunState("done", None, result, None, 0)

    def state(self):
        return self._state


@pytest.mark.usefixtures("isolated_data_dirs")
def test_published_versus_measured_reads_in_chinese(monkeypatch):
    from test_presets import SNN_NAME, snn_result

    runs = training.RunRegistry(max_flops=1e15, max_steps=1e9)  # caps that admit 3 seeds
    monkeypatch.setattr(training, "RUNS", runs)
    result = snn_result()  # hand-built: ReLU 90 / 91 / 92 %, SELU 93 / 93.5 / 94 %
    runs._runs[result.config] = FinishedRun(result)
    at = open_via_router("app_pages/mnist.py", {"lang": "zh-CN"})
    with i18n.using("zh-CN"):  # AppTest formats the other choices in this thread (see walk)
        at.selectbox(key="mn_preset").set_value(SNN_NAME).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "已发表与实测" in [h.value for h in at.subheader]
    table = next(t.value for t in at.dataframe if "实测均值" in t.value.columns)
    assert table.iloc[1].to_dict() == {
        "激活函数": "SELU",
        "已发表": "92.04",
        "实测均值": "93.50",
        "最小值": "93.00",
        "最大值": "94.00",
        "随机种子": 3,
        "与已发表之差": "+1.46",
    }
    notice = next(shown(i.value) for i in at.info if "最小–最大区间之外" in i.value)
    assert "SELU (已发表)" in notice and "首先怀疑：这次训练与协议有 1 处偏差" in notice
    # Citations and links stay as published; "hand-built" is the test result's own data line.
    citations = [r.source for r in training.REPRODUCTIONS.values()]
    citations += [r.url for r in training.REPRODUCTIONS.values()] + ["hand-built"]
    allowed = allowed_words()
    left = {}
    for text in map(shown, page_texts(at)):
        for citation in citations:
            text = text.replace(citation, "")
        if words := english_left(text, allowed):
            left[text[:80]] = words
    assert not left, json.dumps(left, ensure_ascii=False, indent=1)


@pytest.mark.usefixtures("isolated_data_dirs")
def test_a_typed_formula_trains_on_the_chinese_mnist_page_and_keeps_its_results():
    # The run's tables are keyed by the members' English titles (shared with English viewers,
    # written on the training's thread), whatever the page's language.
    swish = "0.5 * x"
    query = {"lang": "zh-CN", "fx": swish, "mn_ep": "1", "mn_hid": "16", "mn_lim": "1,000"}
    at = open_via_router("app_pages/mnist.py", {**query, "mn_act": ["ReLU", f"自定义：{swish}"]})
    assert at.multiselect(key="mn_act").value == ["relu", f"custom:{swish}"]
    with i18n.using("zh-CN"):
        train_until_done(at)
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value.set_index("激活函数")
    assert table.loc[f"Custom: {swish}", "状态"] == "已完成"
    assert 0 < table.loc[f"Custom: {swish}", "测试准确率"] <= 1


def test_the_playground_refuses_in_chinese():
    at = open_via_router("app_pages/playground.py", {"lang": "zh-CN", "pg_shape": "8, 99"})
    errors = [shown(e.value) for e in at.error]
    assert any("每个隐藏层的神经元数：“99” 不是 1 到" in text for text in errors), errors


@pytest.mark.usefixtures("isolated_data_dirs")
def test_a_failed_download_is_said_in_chinese(monkeypatch):
    from dataclasses import replace

    from mnist_fixtures import closed_port_url

    offline = replace(datasets.MNIST, mirrors=(closed_port_url(),))
    monkeypatch.setitem(datasets.DATASETS, "mnist", offline)
    at = open_via_router("app_pages/mnist.py", {"lang": "zh-CN"})
    with i18n.using("zh-CN"):  # AppTest formats the other choices in this thread (see walk)
        at.button(key="mn_dl").click().run()
    assert not at.exception
    assert "下载失败：无法下载 train-images" in shown(at.error[0].value)
    assert any("训练改用随附的 MNIST" in info.value for info in at.info)
    assert "随 actlab 附带的副本" in shown(at.markdown[0].value)
