"""scripts/try_mutant.py writes mutmut's change into the one function it belongs to, as `mutmut show` gives it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from try_mutant import patched  # noqa: E402

MODULE = '''\
def _plain(text):
    return text.strip()


class Imported:
    def summary(self, name):
        return text.strip()

    def plain(self, text):
        return text.strip()
'''


def test_a_function_whose_name_starts_with_an_underscore_is_found():
    changed = patched(MODULE, "podwatch.shops.mapping.x__plain__mutmut_1", "    return text.strip()",
                      "    return text.strip('XXXX')")
    assert changed.splitlines()[1] == "    return text.strip('XXXX')"
    assert changed.splitlines()[5:] == MODULE.splitlines()[5:]


def test_a_method_shown_dedented_is_changed_in_its_class_only():
    # mutmut shows a method from its `def` at column 0; the same line also appears in _plain and plain().
    changed = patched(MODULE, "podwatch.shops.importer.xǁImportedǁsummary__mutmut_1",
                      "def summary(self, name):\n    return text.strip()",
                      "def summary(self, name):\n    return None")
    lines = changed.splitlines()
    assert lines[5:7] == ["    def summary(self, name):", "        return None"]
    assert [line for line in lines if "strip" in line] == ["    return text.strip()", "        return text.strip()"]


def test_a_change_not_found_in_its_function_is_refused():
    with pytest.raises(ValueError, match="found 0 times"):
        patched(MODULE, "podwatch.shops.mapping.x__plain__mutmut_2", "    return text.lower()", "    return None")
