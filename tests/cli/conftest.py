"""Every command of these tests runs with a data folder of its own, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("GOTONG_DATA_DIR", str(folder))
    monkeypatch.delenv("GOTONG_NODE_KEY_FILE", raising=False)
    return folder
