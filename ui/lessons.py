"""The lessons, once: the router's navigation and the home page's cards both read this table.

Its texts are marked for translation (``N_``) and translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from actlab.i18n import N_


@dataclass(frozen=True)
class Lesson:
    path: str  # the page script, relative to the repository root
    title: str
    icon: str  # a Streamlit :material/...: icon
    url_path: str  # the page's address (/explorer) and the start of its shared-link keys
    key_prefix: str  # every URL-bound widget key of the page starts with this
    blurb: str  # one or two sentences on the home page
    heading: str = ""  # the page's title (the router draws it before the page's imports run)
    notice: str = ""  # what to look for, under the heading (Markdown)


HOME = Lesson(
    "app_pages/home.py",
    N_("Home"),
    ":material/home:",
    "",
    "",
    N_("What actlab is and what each lesson shows."),
)

LESSONS = (
    Lesson(
        "app_pages/explorer.py",
        N_("Activation Explorer"),
        ":material/show_chart:",
        "explorer",
        "ex_",
        N_(
            "The whole torch.nn catalogue: f, f′ and f″ by autograd, checked against hand-written "
            "derivatives, with measured properties and the effect on a real MNIST digit."
        ),
        heading=N_("Activation Explorer"),
        notice=N_(
            "Compare the shapes and, above all, the **slopes**: wherever f′ is close to zero "
            "(shaded) a gradient passing through that unit all but vanishes. Every number "
            "below is measured from the same torch functions that draw the curves."
        ),
    ),
    Lesson(
        "app_pages/nonlinearity.py",
        N_("Why nonlinearity"),
        ":material/stacked_line_chart:",
        "nonlinearity",
        "nl_",
        N_(
            "Stacked linear layers collapse to one affine map (3x+1 then 2x+2 is 6x+4); a ReLU in "
            "between does not. Exact linear pieces versus depth and width."
        ),
        heading=N_("Why nonlinearity"),
        notice=N_(
            "Stack as many linear layers as you like: the result is **still one affine map**. "
            "Watch the two linear curves lie exactly on top of each other, the collapsed map "
            "match a deep network to float32 rounding, and the piece count stay at 1 — until "
            "an activation goes in between."
        ),
    ),
    Lesson(
        "app_pages/playground.py",
        N_("Playground"),
        ":material/scatter_plot:",
        "playground",
        "pg_",
        N_(
            "Train a small network live on circle, XOR, spiral or your own points and watch "
            "the decision surface: a linear network cannot bend it."
        ),
        heading=N_("Playground: train it yourself"),
        notice=N_(
            "Pick **XOR** or **Circle**, set the activation to **linear** and press play: "
            "however long it trains, the boundary stays one straight line. Switch to ReLU or "
            "tanh and it bends around the data within a few dozen epochs."
        ),
    ),
    Lesson(
        "app_pages/gradients.py",
        N_("Gradients: vanish, explode, die"),
        ":material/trending_down:",
        "gradients",
        "gr_",
        N_(
            "Per-layer gradient norms versus depth, initialisation and activation on real MNIST; "
            "dead ReLU units appearing when the learning rate is too large."
        ),
        heading=N_("Gradients that vanish, explode and die"),
        notice=N_(
            "Backpropagation multiplies the gradient by f′ once per layer. Watch the gradient "
            "norm per layer: sigmoid's f′ ≤ 1/4 makes it collapse towards the input, the "
            "init's scale tilts or shifts the curves, and a too-large learning rate switches "
            "ReLU units off for good."
        ),
    ),
    Lesson(
        "app_pages/softmax.py",
        N_("Softmax & losses"),
        ":material/functions:",
        "softmax",
        "sm_",
        N_(
            "Softmax and temperature, its Jacobian by autograd and in closed form, where the "
            "naive log-softmax overflows per dtype, and why cross-entropy beats MSE when outputs "
            "saturate."
        ),
        heading=N_("Softmax, log-softmax and losses"),
        notice=N_(
            "Softmax turns scores into probabilities, and temperature decides how peaked they "
            "are. Then watch the same formula break in low precision, and see why "
            "cross-entropy, not MSE, keeps a confidently wrong network learning."
        ),
    ),
    Lesson(
        "app_pages/gated.py",
        N_("Gated units"),
        ":material/join_inner:",
        "gated",
        "gu_",
        N_(
            "GLU, ReGLU, GEGLU and SwiGLU as the two-input functions g(a, b) = φ(a)·b they are: "
            "heatmap, partial derivatives, slices, and why one curve called “SwiGLU” misleads."
        ),
        heading=N_("Gated units: GLU, ReGLU, GEGLU, SwiGLU"),
        notice=N_(
            "The FFNs of T5 v1.1, PaLM and LLaMA multiply two projections of the same x: g(a, "
            "b) = φ(a)·b with a = xW, b = xV. Look at g over the whole (a, b) plane: any "
            "single curve called “SwiGLU” is only one line through it."
        ),
    ),
    Lesson(
        "app_pages/mnist.py",
        N_("MNIST training"),
        ":material/model_training:",
        "mnist",
        "mn_",
        N_(
            "Train several activations side by side on real MNIST (or Fashion-MNIST), live: loss "
            "and accuracy curves, confusion matrix, misclassified digits; works offline."
        ),
        heading=N_("MNIST: activations side by side"),
        notice=N_(
            "Every activation trains from the **same initial weights on the same batches** "
            "for the same number of steps, so the curves differ only because of the "
            "activation. Watch how fast each loss falls, where the accuracies end up, and "
            "which digits each model gets wrong."
        ),
    ),
)


def key_prefix(url_path: str) -> str:
    """The widget-key prefix of the page at ``url_path`` ("" for home or an unknown page)."""
    return next((lesson.key_prefix for lesson in LESSONS if lesson.url_path == url_path), "")


def lesson_at(url_path: str) -> Lesson | None:
    """The lesson at ``url_path``, or None (the home page)."""
    return next((lesson for lesson in LESSONS if lesson.url_path == url_path), None)
