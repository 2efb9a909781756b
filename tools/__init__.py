"""Maintenance commands run by hand (python -m tools.<name>), not by the app."""
