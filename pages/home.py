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

for path, title, icon, blurb in LESSONS:
    with st.container(border=True):
        st.page_link(path, label=title, icon=icon)
        st.markdown(blurb)
