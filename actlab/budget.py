"""What one server may spend on anyone's request: every memory and compute limit, in one place.

The app runs on Streamlit Community Cloud (~2.7 GB of memory, shared CPU) and on lecture
servers that 100+ students open at once, and anyone with the link can ask for the most
expensive view a page offers. Each limit below says what it was measured from (2-core shared
VM, 2026-12-01, ``bench/bench_hostile.py`` unless another script is named). Cache sizes are
pickled bytes, which is what ``st.cache_data`` stores. Plain constants: pages and actlab read
them from here.
"""

from __future__ import annotations

MiB = 2**20
MINUTE = 60

# --- Gradients page: one probe (actlab.gradients.probe) ---------------------------------------

# Float64 layers held for the backward pass before the probe switches to checkpoints: the
# default view (20 × 128) fits whole. 50 × 512: +60-85 MiB resident peak above the process
# (+255 MiB holding all 50 layers; 771-806 MiB with autograd's graph before), 20 % more CPU.
PROBE_KEEP_BYTES = 32 * MiB

# Estimated CPU-seconds (actlab.gradients.probe_seconds, fitted within ±26 %) one Gradients
# view may spend on probes: ≤ 15 CPU-s per request even where the estimate is 26 % low.
# At 50 × 512 that is 3 activations (3.8 s each), 1 with orthogonal init (8.7 s).
PROBE_SECONDS_PER_REQUEST = 12.0
