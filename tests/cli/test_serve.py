"""`tierdesk serve` runs the web app and a job consumer, and stops both cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from ..helpers import TIERDESK, run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_with(env_value: str) -> list[int]:
    """PIDs of processes whose environment holds this (unique) value: the server's children."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if env_value.encode() in (proc / "environ").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode(), dict(response.headers)


def test_serve_runs_web_and_queue_and_stops_on_sigterm(cli_env):
    port = _free_port()
    server = subprocess.Popen(
        [*TIERDESK, "serve", "--port", str(port), "--web-workers", "1"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = ""
        deadline = time.monotonic() + 60
        while "is running at" not in banner and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line and server.poll() is not None:
                break
            banner += line
        assert f"Tierdesk is running at http://127.0.0.1:{port}/" in banner, banner

        status, body, headers = _get(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and "Sign in" in body
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        css = _get(f"http://127.0.0.1:{port}/static/tierdesk/desk.css")
        assert css[0] == 200

        # A round trip through the queue proves the consumer runs and reaches the database.
        ping = run(
            cli_env,
            "manage",
            "shell",
            "-c",
            "from tierdesk.jobs import queue_ping; print(queue_ping('hello').get(blocking=True, timeout=30))",
            timeout=60,
        )
        assert ping.returncode == 0, ping.stderr
        assert "'token': 'hello'" in ping.stdout

        children = [pid for pid in _processes_with(cli_env["TIERDESK_QUEUE_NAME"]) if pid != server.pid]
        assert len(children) >= 2  # gunicorn (master and worker) and the Huey consumer

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        output = server.stdout.read()
        assert "Tierdesk stopped." in output
        for pid in children:
            assert not _alive(pid), f"child {pid} survived"
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if server.poll() is None:
            server.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_serve_reports_a_port_in_use(cli_env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*TIERDESK, "serve", "--port", str(port)], env=cli_env, capture_output=True, text=True, timeout=90
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}: Address already in use" in result.stderr
    assert not _processes_with(cli_env["TIERDESK_QUEUE_NAME"])
