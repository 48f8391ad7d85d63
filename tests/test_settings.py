"""Where the settings put a node's files: one data folder, never the current directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gotong.settings import load_settings


def test_the_default_database_and_key_are_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings(data_dir=str(tmp_path / "node"))
    assert settings.database_url == f"sqlite:///{tmp_path / 'node' / 'gotong.db'}"
    assert settings.node_key_file == str(tmp_path / "node" / "gotong-node.key")


def test_a_relative_data_folder_is_resolved_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(data_dir="state").data_dir == str(tmp_path / "state")


def test_explicit_database_and_key_are_kept(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=str(tmp_path), database_url="postgresql+psycopg://x@h/db", node_key_file="/etc/k.pem"
    )
    assert (settings.database_url, settings.node_key_file) == ("postgresql+psycopg://x@h/db", "/etc/k.pem")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the XDG rule is the Linux default")
def test_without_a_setting_the_platform_data_folder_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOTONG_DATA_DIR", raising=False)
    monkeypatch.delenv("GOTONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert load_settings().data_dir == str(tmp_path / "xdg" / "gotong")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_settings().data_dir == str(tmp_path / "home" / ".local" / "share" / "gotong")
