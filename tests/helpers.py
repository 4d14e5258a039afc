"""Helpers for tests that run the real `tierdesk` command in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TIERDESK = [sys.executable, "-m", "tierdesk"]
REPO_ROOT = Path(__file__).resolve().parents[1]


def run(env: dict[str, str], *args: str, timeout: float = 120, stdin: str | None = None):
    return subprocess.run(
        [*TIERDESK, *args], env=env, capture_output=True, text=True, timeout=timeout, input=stdin, check=False
    )
