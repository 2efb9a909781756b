"""Home: what actlab is and what each lesson shows."""

import streamlit as st

from ui.frame import ensure_router

ensure_router()
st.title("actlab — the activation-function lab")
st.markdown(
    "Activation functions are the one nonlinear step in a neural network. Each lesson below "
    "makes one consequence of that choice visible, computed live with PyTorch."
)

LESSONS = [
    (
        "pages/explorer.py",
        "Activation Explorer",
        ":material/show_chart:",
        "The whole torch.nn catalogue: f, f′ and f″ by autograd, checked against hand-written "
        "derivatives, with measured properties and the effect on a real MNIST digit.",
    ),
    (
        "pages/nonlinearity.py",
        "Why nonlinearity",
        ":material/stacked_line_chart:",
        "Stacked linear layers collapse to one affine map (3x+1 then 2x+2 is 6x+4); a ReLU in "
        "between does not. Exact linear pieces versus depth and width.",
    ),
    (
        "pages/playground.py",
        "Playground",
        ":material/scatter_plot:",
        "Train a small network live on circle, XOR, spiral or a 1-D curve and watch the decision "
        "surface: a linear network cannot bend it.",
    ),
    (
        "pages/gradients.py",
        "Gradients: vanish, explode, die",
        ":material/trending_down:",
        "Per-layer gradient norms versus depth, initialisation and activation on real MNIST; "
        "dead ReLU units appearing when the learning rate is too large.",
    ),
    (
        "pages/softmax.py",
        "Softmax & losses",
        ":material/functions:",
        "Softmax and temperature, its Jacobian by autograd and in closed form, where the naive "
        "log-softmax overflows per dtype, and why cross-entropy beats MSE when outputs saturate.",
    ),
    (
        "pages/mnist.py",
        "MNIST training",
        ":material/model_training:",
        "Train several activations side by side on real MNIST (or Fashion-MNIST), live: loss and "
        "accuracy curves, confusion matrix, misclassified digits; works offline.",
    ),
]

st.caption(
    "Want to try your own function, say x·sigmoid(1.702x)? Type it under *Your own activation* "
    "in the sidebar: it joins every activation list, with its parameters as sliders."
)

for path, title, icon, blurb in LESSONS:
    with st.container(border=True):
        st.page_link(path, label=title, icon=icon)
        st.markdown(blurb)
