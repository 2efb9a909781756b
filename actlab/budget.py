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

# --- st.cache_data: entries, pickled bytes and age per cached function ------------------------
# Every cache is bounded three ways: max_entries (sized from the largest entry measured), the
# pickled bytes it may hold (Streamlit's max_size, least recently used dropped first), and an
# age after which an entry is recomputed (a lecture's length: idle memory does not stay).
# All caches together: at most 252 MiB of pickled data, against ~480 MB for the server itself
# after its first views and a 1.2 GB target through bench/bench_hostile.py.
CACHE_TTL_SECONDS = 60 * MINUTE
# Pages collect cyclic garbage (every script run's page namespace) and hand freed heap back to
# the OS (malloc_trim) after heavy cache misses, at most this often: a full collection holds
# the GIL ~0.25 s in a loaded server (~0.01 s with gc.freeze), the trim ~6 ms.
RELEASE_MEMORY_EVERY_SECONDS = 10.0
# And a background thread does the same when resident memory grew by KEEPER_GROWTH_BYTES
# (checked every KEEPER_SECONDS) or stayed that far above its floor for KEEPER_IDLE_SECONDS:
# expired sessions' memory comes back on an idle server (a closed tab's session expires after
# 30 s: server.disconnectedSessionTTL in .streamlit/config.toml).
KEEPER_SECONDS = 15.0
KEEPER_GROWTH_BYTES = 64 * MiB
KEEPER_IDLE_SECONDS = 60.0

# Explorer curves: 5.4 MiB for 25 functions × 3201 points (the worst), 0.2 MiB for 4 × 801.
EXPLORER_CURVES_ENTRIES = 128
EXPLORER_CURVES_BYTES = 48 * MiB
# Explorer chart specs (4 per view): ≤ 0.84 MiB each once thinned to EXPLORER_CHART_ROWS rows
# and their own columns (5.4-7.5 MiB each before: 23.7 MiB per view).
EXPLORER_CHART_ROWS = 20_000  # 25 functions × 3201 points → 641 points per curve on ~700 px
EXPLORER_SPEC_ENTRIES = 256
EXPLORER_SPEC_BYTES = 48 * MiB
# Explorer properties: 5 kB for all 25 functions.
EXPLORER_PROPERTIES_ENTRIES = 256
EXPLORER_PROPERTIES_BYTES = 4 * MiB
# Explorer "apply to an image": 2.0 MiB for 25 functions (upscaled RGB pictures).
EXPLORER_IMAGE_ENTRIES = 32
EXPLORER_IMAGE_BYTES = 16 * MiB

# Gradients probes: ≤ 0.33 MB each (depth 50; the size does not grow with width).
PROBE_CACHE_ENTRIES = 256
PROBE_CACHE_BYTES = 32 * MiB
# Gradients finished trainings (shared by configuration): ~0.1 MB each (1000 steps, 2 runs).
FINISHED_RUNS_KEPT = 32

# Softmax: ≤ 104 kB per entry (NLL curves at 10 classes; playground 31 kB, numerics 9 kB).
SOFTMAX_ENTRIES = 256
SOFTMAX_BYTES = 8 * MiB  # per cached function (4)
# Why nonlinearity: ≤ 530 kB per entry (the collapse of 12 layers of width 256).
NONLINEARITY_ENTRIES = 64
NONLINEARITY_BYTES = 8 * MiB  # per cached function (6)
# Gated units: ≤ 0.8 MB per view (121² cells × 5 float64 columns, contours and slices).
GATED_ENTRIES = 64
GATED_BYTES = 32 * MiB
# MNIST learning-curve specs: one per evaluation of a watched run, a few MB at the largest.
MNIST_CURVES_ENTRIES = 64
MNIST_CURVES_BYTES = 32 * MiB
