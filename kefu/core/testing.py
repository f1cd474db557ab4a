"""A real `kefu serve` for end-to-end tests: a fresh data dir, migrated, the demo seeded.

Browser and websocket tests of several apps start one per module; this is the one way to do it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "kefu.cli"]


@dataclass(frozen=True)
class DemoServer:
    base: str
    token: str  # an API token of `token_for`, "" when none was asked for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_server(
    data_dir: Path, *, env: dict[str, str] | None = None, demo_args: tuple[str, ...] = (),
    token_for: str = "",
    commands: tuple[tuple[str, ...], ...] = (),
) -> Iterator[DemoServer]:
    """Migrate, `kefu demo *demo_args`, any further `kefu *command`, serve (no worker, no
    scheduler) until /healthz answers."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_") and k != "DJANGO_SETTINGS_MODULE"}
    # No model warm-up: most browser tests never enrich a message, and several servers start
    # at once on a 2-core machine. A test that chats loads the models on its first message.
    environ.update(KEFU_DATA_DIR=str(data_dir), KEFU_LOG_LEVEL="WARNING", KEFU_WARM_UP="0", **(env or {}))
    subprocess.run([*CLI, "migrate", "--no-input", "-v0"], env=environ, check=True)
    subprocess.run([*CLI, "demo", *demo_args], env=environ, check=True, capture_output=True)
    for command in commands:
        subprocess.run([*CLI, *command], env=environ, check=True, capture_output=True)
    token = ""
    if token_for:
        token = subprocess.run([*CLI, "token", "issue", token_for], env=environ, check=True,
                               capture_output=True, text=True).stdout.strip()  # fmt: skip
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--log-level", "warning", "--no-worker", "--no-scheduler"],
        env=environ, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield DemoServer(base, token)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and anything it started
        proc.wait(timeout=20)
