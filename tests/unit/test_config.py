"""Config: defaults without a file, TOML and AHA_* overrides, and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("AHA_CONFIG", str(path))
    return path


def test_defaults_need_no_file(aha_home: Path) -> None:
    """With no config file, fast is the embedded llama.cpp model and deep whatever local
    server discovery finds (api_base "auto": vLLM, llama.cpp and Ollama ports on 127.0.0.1)."""
    assert not (aha_home / "config.toml").exists()
    settings = load_settings()
    fast, deep = settings.routes["fast"], settings.routes["deep"]
    assert fast.engine == "llama_cpp"
    assert deep.engine == "litellm"
    assert deep.api_base == "auto"
    assert deep.discover_ports == [8000, 8080, 11434]
    assert settings.router.threshold == 0.5


def test_toml_overrides_and_keeps_other_route_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file can set values; `[routes.deep] api_base` keeps deep's other defaults."""
    _write(
        tmp_path,
        '[router]\nthreshold = 0.3\n\n[routes.deep]\napi_base = "http://10.0.0.5:9000/v1"\n'
        '\n[ui]\ntheme = "aha-light"\n',
        monkeypatch,
    )
    default_deep = load_settings(tmp_path / "absent.toml").routes["deep"]
    settings = load_settings()
    deep = settings.routes["deep"]
    assert settings.router.threshold == 0.3
    assert settings.ui.theme == "aha-light"
    assert deep.api_base == "http://10.0.0.5:9000/v1"
    assert deep.engine == "litellm"
    assert (deep.model, deep.max_tokens) == (default_deep.model, default_deep.max_tokens)
    assert settings.routes["fast"].engine == "llama_cpp"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """AHA_ROUTER__THRESHOLD and AHA_ROUTES__FAST__MAX_TOKENS apply, nested by `__`."""
    monkeypatch.setenv("AHA_ROUTER__THRESHOLD", "0.7")
    monkeypatch.setenv("AHA_ROUTES__FAST__MAX_TOKENS", "8")
    settings = load_settings()
    assert settings.router.threshold == 0.7
    assert settings.routes["fast"].max_tokens == 8
    assert settings.routes["fast"].engine == "llama_cpp"
    assert settings.routes["deep"].engine == "litellm"


def test_environment_beats_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An AHA_* variable wins over the same key in the file."""
    _write(tmp_path, "[router]\nthreshold = 0.3\n", monkeypatch)
    monkeypatch.setenv("AHA_ROUTER__THRESHOLD", "0.9")
    assert load_settings().router.threshold == 0.9


def test_malformed_toml_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken TOML raises ConfigError naming the file and the line."""
    path = _write(
        tmp_path, '[router]\nthreshold = 0.5\n[routes.deep\napi_base = "x"\n', monkeypatch
    )
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert str(path) in message
    assert "line 3" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('[router]\nthreshold = "high"\n', 2, "router.threshold"),
        ("[router]\nthreshold = 1.5\n", 2, "router.threshold"),
        (
            '[ui]\ntheme = "x"\n\n[routes.fast]\nengine = "llama_cpp"\nmax_tokens = 0\n',
            6,
            "routes.fast.max_tokens",
        ),
    ],
)
def test_bad_value_names_file_line_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, line: int, key: str
) -> None:
    """A wrong type or out-of-range value names the file, the line and the dotted key."""
    path = _write(tmp_path, text, monkeypatch)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{path}, line {line}: {key}:")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("colour = 1\n", "colour"),
        ("[router]\nthreshold = 0.5\nbogus = 1\n", "router.bogus"),
        ('[routes.deep]\napi_bsae = "http://x"\n', "routes.deep.api_bsae"),
    ],
)
def test_unknown_key_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, key: str
) -> None:
    """A misspelt or unknown key is an error, not silently ignored."""
    _write(tmp_path, text, monkeypatch)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings()


def test_cli_reports_malformed_config_in_one_line(tmp_path: Path, aha_home: Path) -> None:
    """`aha doctor` with broken TOML exits 2 with one `aha: config error:` line, no traceback."""
    path = tmp_path / "broken.toml"
    path.write_text("[router]\nthreshold = = 0.5\n", encoding="utf-8")
    env = {**os.environ, "AHA_HOME": str(aha_home), "AHA_CONFIG": str(path)}
    result = subprocess.run(
        [sys.executable, "-m", "app", "doctor"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("aha: config error:")
    assert str(path) in lines[0]
    assert "line 2" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
