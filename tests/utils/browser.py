"""Headless Chromium for browser tests: Debian's chromium and chromium-driver, driven by Selenium.

``chromium_paths`` installs them with apt-get when they are missing and this runs as root
(one install at a time), and skips the test with the reason when that cannot be done.
``offline_chrome`` starts a browser that can reach loopback addresses only: every other
host name resolves to nothing and every other address goes to a proxy that does not
exist, so a page that needs a CDN shows it. Its performance log lists every request
the pages made (``requested_urls``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

APT_TIMEOUT = 900
PACKAGES = ("chromium", "chromium-driver")


def _found() -> tuple[str | None, str | None]:
    return shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")


def _install() -> str:
    """Try apt-get; the reason it could not, or ''."""
    if os.environ.get("MAILGATE_SKIP_BROWSER") == "1":
        return "MAILGATE_SKIP_BROWSER=1"
    apt = shutil.which("apt-get")
    if apt is None:
        return "no apt-get to install chromium and chromium-driver with"
    if os.geteuid() != 0:
        return "chromium and chromium-driver are missing and installing them needs root (apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        [apt, "install", "-y", "-q", *PACKAGES],
        [apt, "update", "-q"],
        [apt, "install", "-y", "-q", *PACKAGES],
    ):
        try:
            done = subprocess.run(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=APT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"{' '.join(argv[:2])} took more than {APT_TIMEOUT} s"
        if done.returncode == 0 and all(_found()):
            return ""
    return f"apt-get could not install {' '.join(PACKAGES)}: {done.stderr.strip()[-300:]}"


def chromium_paths() -> tuple[str, str]:
    """(chromium, chromedriver), installed if need be; skips the test when they cannot be had."""
    pytest.importorskip("selenium", reason="selenium is not installed (it is in the dev extra)")
    browser, driver = _found()
    if browser and driver:
        return browser, driver
    lock_path = Path(tempfile.gettempdir()) / "mailgate-chromium-install.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        browser, driver = _found()
        if not (browser and driver):
            why = _install()
            if why:
                pytest.skip(f"no headless Chromium for the browser tests: {why}")
            browser, driver = _found()
    assert browser and driver
    return browser, driver


@contextlib.contextmanager
def offline_chrome(download_dir: Path | None = None) -> Iterator[Any]:
    """A headless Chromium (Selenium WebDriver) that reaches 127.0.0.0/8 and nothing else."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # tests run as root in a container
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,900",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        # Host names other than localhost resolve to nothing; addresses go to a dead proxy unless loopback.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=127.0.0.0/8;localhost",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    if download_dir is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(download_dir)})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


def requested_urls(driver: Any) -> list[str]:
    """Every URL the browser asked for (HTTP and WebSocket) since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(params["request"]["url"])
        elif message.get("method") == "Network.webSocketCreated":
            urls.append(params["url"])
    return urls


def wait_for(condition: Callable[[], Any], timeout: float = 60, what: str = "the page", driver: Any = None) -> Any:
    """``condition()``'s first truthy value, polled; fails with the browser's console when it never comes."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # the element is not there yet, a stale reference...
            last_error = exc
        time.sleep(0.2)
    console = ""
    if driver is not None:
        with contextlib.suppress(Exception):
            console = "\n".join(str(e) for e in driver.get_log("browser"))[-3000:]
    pytest.fail(f"{what} did not happen within {timeout:.0f} s (last error: {last_error})\nconsole:\n{console}")
