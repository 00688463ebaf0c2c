"""Where and when Python's cyclic garbage collector runs, with TensorFlow in the process.

Importing TensorFlow and Keras leaves some 400,000 objects that live as long
as the process. Every full collection walks them all: about 0.2 s on a small
machine, a visible stall when it happens to run in the GUI thread.
``freeze_imports`` is called once they are loaded: it collects, then moves
every live object to the permanent generation, which later collections skip
(6 ms instead of 0.2 s).

Each training or tuning job calls ``collect_garbage`` in its own thread as it
starts, so the models and traced functions of earlier runs are finalized
there, in a thread that is not tracing, rather than in the GUI thread at a
moment when another worker traces. (The test suite crashed once in exactly
that moment: the GUI thread garbage-collecting while a tuning trial traced its
train step. The cause inside TensorFlow was not found; this keeps the bulk of
the finalizing away from such moments, it does not prove them safe.)
"""

from __future__ import annotations

import gc


def freeze_imports() -> None:
    """Collect, then exempt every object alive now (the imported libraries) from later collections."""
    gc.collect()
    gc.freeze()


def collect_garbage() -> int:
    """Collect cyclic garbage in the calling thread; the number of objects found unreachable."""
    return gc.collect()
