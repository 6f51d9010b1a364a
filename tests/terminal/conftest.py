"""Fixtures for the terminal tests: `mldeck` starts the real binary in tmux.

The MLflow server is the shared `mlflow_server` fixture of tests/conftest.py
(module scope, the demo data set plus hostile names).
"""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from tmuxterm import Deck  # noqa: E402


@pytest.fixture
def mldeck(tmp_path, mlflow_server):
    """A factory: mldeck.start(*args, env=..., cols=..., rows=...) -> Term."""
    d = Deck(tmp_path, mlflow_server.url)
    yield d
    d.close()
