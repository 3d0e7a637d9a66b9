"""Where numba keeps compiled pymatting code when podwatch runs as the one-file binary.

Imported by numba itself, and only in the binary: `frozen.prepare()` names this class in
NUMBA_CACHE_LOCATOR_CLASSES. Nothing else may import it (it imports numba).
"""

from __future__ import annotations

import os
import sys
from pathlib import PurePath

from numba.core import config
from numba.core.caching import UserWideCacheLocator


class BundleCacheLocator(UserWideCacheLocator):
    """numba's per-user cache, with one folder per module of the bundle.

    numba names a cache folder after the module's absolute folder. Inside the binary that is
    a fresh /tmp/_MEIxxxxxx each run, or a path relative to the working directory, so every
    start from another folder compiled rembg's pymatting again (40-70 s) and left one more
    copy behind. The freshness stamp stays numba's own for frozen apps, a hash of the binary,
    so a new build still recompiles. NUMBA_CACHE_DIR, when set, still chooses the root.
    """

    def __init__(self, py_func, py_file):
        super().__init__(py_func, py_file)
        root = getattr(config, "CACHE_DIR", "")  # set by numba from NUMBA_CACHE_DIR at import
        if root:
            self._cache_path = os.path.join(root, self.get_suitable_cache_subpath(py_file))

    @classmethod
    def get_suitable_cache_subpath(cls, py_file):
        path = PurePath(py_file)
        if path.is_absolute():
            try:
                path = path.relative_to(getattr(sys, "_MEIPASS", ""))
            except ValueError:
                return super().get_suitable_cache_subpath(py_file)
        return "_".join(("podwatch-bundle", *path.parent.parts))
