"""Streamlit custom components (``st.components.v2``) of actlab, plain JS and CSS, no build."""
