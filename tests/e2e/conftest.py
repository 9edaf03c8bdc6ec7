"""End-to-end fixtures: real processes on 127.0.0.1 (mailgate under uvicorn, Node services)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.utils.servers import ROOT

FEDERATION_DIR = ROOT / "tests" / "federation"
NPM_CI_TIMEOUT = 600


def _npm_ci_needed(directory: Path) -> bool:
    """node_modules is missing, or older than the lock file it was installed from."""
    installed = directory / "node_modules" / ".package-lock.json"
    lock = directory / "package-lock.json"
    return not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime


@pytest.fixture(scope="session")
def federation_dir() -> Path:
    """tests/federation with its npm packages installed (``npm ci`` once, from the lock file).

    Skips only when asked to (MAILGATE_SKIP_FEDERATION=1) or when ``node`` is missing; a
    failing ``npm ci`` (no network, a bad lock file) fails: CI must run this test.
    """
    if os.environ.get("MAILGATE_SKIP_FEDERATION") == "1":
        pytest.skip("MAILGATE_SKIP_FEDERATION=1: federation gateway test skipped")
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the federation gateway test needs Node.js >= 20 and npm")
    # One npm ci at a time, should two test sessions start together.
    digest = hashlib.sha256(str(FEDERATION_DIR).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"mailgate-federation-npm-{digest}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _npm_ci_needed(FEDERATION_DIR):
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail("node is installed but npm is not: cannot install tests/federation's packages")
            try:
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                    cwd=FEDERATION_DIR,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=NPM_CI_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                pytest.fail(
                    f"npm ci in {FEDERATION_DIR} took more than {NPM_CI_TIMEOUT} s "
                    "(set MAILGATE_SKIP_FEDERATION=1 to skip this test offline)"
                )
            if done.returncode != 0:
                pytest.fail(
                    f"npm ci in {FEDERATION_DIR} failed with code {done.returncode} "
                    "(set MAILGATE_SKIP_FEDERATION=1 to skip this test offline):\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
                )
    return FEDERATION_DIR
