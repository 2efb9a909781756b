"""The playground's colours. Its pictures are drawn in the browser by the component in
``ui/components/playground`` from compact arrays; this module is the one place its colours are
chosen, so the page, the component and the tests agree.

Okabe & Ito's colour-blind-safe hues (``palette.HUES``): class 0 orange and class 1 blue, as in
TensorFlow Playground, and a third class vermillion (bluish green, the next hue, is hard to tell
from the blue under tritanopia: tests/test_charts_playground.py). Probabilities and neuron
outputs use a diverging orange - white - blue ramp; edges are blue for positive and orange for
negative weights. Regression values use ColorBrewer's BrBG ends (brown - white - teal), so a
value is never read as a class.
"""

from __future__ import annotations

from actlab.charts.palette import HUES

CLASS_HEX = (HUES[1], HUES[0], HUES[3])
REGRESSION_HEX = ("#8c510a", "#01665e")
