"""What changes in the one-file binary, checked without building it (tests/test_binary.py builds it)."""

from __future__ import annotations

import os
import sys

import pytest

from podwatch import frozen


def test_a_pip_install_is_started_again_through_its_own_python():
    assert frozen.command_prefix() == [sys.executable, "-P", "-m", "podwatch"]


def test_the_binary_is_started_again_as_itself(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/podwatch/podwatch")
    assert frozen.command_prefix() == ["/opt/podwatch/podwatch"]


def test_prepare_changes_nothing_under_pip(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_LOCATOR_CLASSES", raising=False)
    frozen.prepare()
    assert "NUMBA_CACHE_LOCATOR_CLASSES" not in os.environ


def test_prepare_points_numba_at_the_bundle_locator_and_keeps_a_choice_made_by_hand(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delenv("NUMBA_CACHE_LOCATOR_CLASSES", raising=False)
    frozen.prepare()
    assert os.environ["NUMBA_CACHE_LOCATOR_CLASSES"].startswith("podwatch.background.numba_cache.BundleCacheLocator,")

    monkeypatch.setenv("NUMBA_CACHE_LOCATOR_CLASSES", "UserWideCacheLocator")
    frozen.prepare()
    assert os.environ["NUMBA_CACHE_LOCATOR_CLASSES"] == "UserWideCacheLocator"


@pytest.mark.parametrize("py_file", ["pymatting/util/boxfilter.py", "/tmp/_MEI123abc/pymatting/util/boxfilter.py"])
def test_compiled_code_is_kept_per_bundled_module_not_per_run(monkeypatch, py_file):
    from podwatch.background import numba_cache  # imports numba (about a second), not pymatting

    monkeypatch.setattr(sys, "_MEIPASS", "/tmp/_MEI123abc", raising=False)
    assert numba_cache.BundleCacheLocator.get_suitable_cache_subpath(py_file) == "podwatch-bundle_pymatting_util"


def test_a_file_outside_the_bundle_keeps_numbas_own_cache_folder(monkeypatch):
    from podwatch.background import numba_cache

    monkeypatch.setattr(sys, "_MEIPASS", "/tmp/_MEI123abc", raising=False)
    folder = numba_cache.BundleCacheLocator.get_suitable_cache_subpath("/home/ana/tool/kernels.py")
    assert folder.startswith("tool_") and "podwatch-bundle" not in folder
