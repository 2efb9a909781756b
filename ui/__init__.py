"""Streamlit-side helpers shared by the pages (with app_pages/: all that imports streamlit)."""
