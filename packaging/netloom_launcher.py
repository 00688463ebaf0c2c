"""Entry point of the stand-alone bundle built by ``packaging/netloom.spec``.

PyInstaller runs this file as ``__main__``; it hands over to ``netloom``'s
own ``main`` (``app/__main__.py``), so the bundle's executable takes exactly
the arguments that the installed ``netloom`` command takes.
"""

import multiprocessing
import sys

from app.__main__ import main

if __name__ == "__main__":
    # A frozen program that starts worker processes must call this first (a no-op elsewhere).
    multiprocessing.freeze_support()
    sys.exit(main())
