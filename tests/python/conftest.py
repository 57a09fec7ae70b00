"""Shared by the tests of scripts/: makes the scripts importable as modules (import bsjson, ...), and
the compare tests' fixtures (a baseline run; compare.py's temp folders where a test can see them)."""
import pathlib
import sys

SCRIPTS = pathlib.Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import tempfile  # noqa: E402

import pytest  # noqa: E402

from compare_runs import FIBER, FUTEX, noisy, write_run  # noqa: E402


@pytest.fixture
def base(tmp_path):
    return write_run(tmp_path / "base.json", {FUTEX: noisy(1400, seed=1), FIBER: noisy(45, seed=2)})


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """compare.py's temp folders go here, so a test can see that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
