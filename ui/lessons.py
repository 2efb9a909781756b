"""The lessons, once: the router's navigation and the home page's cards both read this table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    path: str  # the page script, relative to the repository root
    title: str
    icon: str  # a Streamlit :material/...: icon
    url_path: str  # the page's address (/explorer) and the start of its shared-link keys
    key_prefix: str  # every URL-bound widget key of the page starts with this
    blurb: str  # one or two sentences on the home page


HOME = Lesson(
    "pages/home.py", "Home", ":material/home:", "", "", "What actlab is and what each lesson shows."
)

LESSONS = (
    Lesson(
        "pages/explorer.py",
        "Activation Explorer",
        ":material/show_chart:",
        "explorer",
        "ex_",
        "The whole torch.nn catalogue: f, f′ and f″ by autograd, checked against hand-written "
        "derivatives, with measured properties and the effect on a real MNIST digit.",
    ),
    Lesson(
        "pages/nonlinearity.py",
        "Why nonlinearity",
        ":material/stacked_line_chart:",
        "nonlinearity",
        "nl_",
        "Stacked linear layers collapse to one affine map (3x+1 then 2x+2 is 6x+4); a ReLU in "
        "between does not. Exact linear pieces versus depth and width.",
    ),
    Lesson(
        "pages/playground.py",
        "Playground",
        ":material/scatter_plot:",
        "playground",
        "pg_",
        "Train a small network live on circle, XOR, spiral or a 1-D curve and watch the decision "
        "surface: a linear network cannot bend it.",
    ),
    Lesson(
        "pages/gradients.py",
        "Gradients: vanish, explode, die",
        ":material/trending_down:",
        "gradients",
        "gr_",
        "Per-layer gradient norms versus depth, initialisation and activation on real MNIST; "
        "dead ReLU units appearing when the learning rate is too large.",
    ),
    Lesson(
        "pages/softmax.py",
        "Softmax & losses",
        ":material/functions:",
        "softmax",
        "sm_",
        "Softmax and temperature, its Jacobian by autograd and in closed form, where the naive "
        "log-softmax overflows per dtype, and why cross-entropy beats MSE when outputs saturate.",
    ),
    Lesson(
        "pages/gated.py",
        "Gated units",
        ":material/join_inner:",
        "gated",
        "gu_",
        "GLU, ReGLU, GEGLU and SwiGLU as the two-input functions g(a, b) = φ(a)·b they are: "
        "heatmap, partial derivatives, slices, and why one curve called “SwiGLU” misleads.",
    ),
    Lesson(
        "pages/mnist.py",
        "MNIST training",
        ":material/model_training:",
        "mnist",
        "mn_",
        "Train several activations side by side on real MNIST (or Fashion-MNIST), live: loss and "
        "accuracy curves, confusion matrix, misclassified digits; works offline.",
    ),
)


def key_prefix(url_path: str) -> str:
    """The widget-key prefix of the page at ``url_path`` ("" for home or an unknown page)."""
    return next((lesson.key_prefix for lesson in LESSONS if lesson.url_path == url_path), "")
