"""Altair chart builders: DataFrame in, ``alt.Chart`` out (testable through ``to_dict()``).

``common`` holds the pieces every lesson shares (overlaid lines with a clickable legend);
each lesson keeps its own builders in a sibling module.
"""
