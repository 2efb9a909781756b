"""actlab: the computation core of the activation-function lab (never imports streamlit)."""
