"""The first frame is drawn before litellm or llama.cpp are imported."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, sys
from app.config import load_settings
from app.ui.app import AhaApp

class Probe(AhaApp):
    seen = {}
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.record)
    def record(self):
        Probe.seen = {name: name in sys.modules for name in ("litellm", "llama_cpp", "llm")}
        self.exit()

Probe(load_settings()).run(headless=True, size=(100, 30))
print(json.dumps(Probe.seen))
"""


def test_first_frame_before_heavy_imports(aha_home, monkeypatch, tmp_path):
    """Neither litellm nor llama_cpp (nor the llm package) is imported by the time the first
    frame is drawn, even with model preloading on (it starts after the frame)."""
    monkeypatch.setenv("AHA_UI__PRELOAD_MODEL", "true")
    # A file, not `-c`: Textual resolves CSS paths from the class's source file.
    script = tmp_path / "probe_first_frame.py"
    script.write_text(PROBE)
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"litellm": False, "llama_cpp": False, "llm": False}
