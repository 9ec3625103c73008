from pathlib import Path

import pytest

from sim import config, paths

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_reads_its_own_configs_in_place():
    assert paths.repository() == ROOT
    assert paths.CONFIG_DIR == ROOT / "configs"
    assert config.CONFIG_DIR == paths.CONFIG_DIR
    assert paths.repository_file("docs/validation.json") == ROOT / "docs" / "validation.json"


def test_the_installed_copy_of_configs_comes_first(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "INSTALLED_CONFIG_DIR", tmp_path)
    assert paths.config_dir() == tmp_path


def test_a_package_without_configs_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "INSTALLED_CONFIG_DIR", tmp_path / "configs")
    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "sim")
    assert paths.repository() is None and paths.repository_file("docs/validation.json") is None
    with pytest.raises(FileNotFoundError, match="reinstall"):
        paths.config_dir()
