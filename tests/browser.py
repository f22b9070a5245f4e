"""Headless Chromium from Debian's package, driven by Playwright, with every request outside 127.0.0.1 blocked."""
from __future__ import annotations

import os
import shutil
import subprocess

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Path of Debian's Chromium, installed with apt-get when missing and allowed (root)."""
    for candidate in (os.environ.get("MAILLAGE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True, capture_output=True, env=env)
        if os.path.exists("/usr/bin/chromium"):
            return "/usr/bin/chromium"
    raise RuntimeError("Chromium is needed for the browser tests (Debian package 'chromium')")


def is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "file:", "data:", "about:", "blob:"))


class PageWatch:
    """A page whose outside requests are blocked and whose console errors and dialogs are recorded."""

    def __init__(self, browser, viewport=(1400, 900)):
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]}, locale="fr-FR")
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route):
        if is_local(route.request.url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open_view(self, url: str, timeout_ms: int = 20000):
        self.page.goto(url)
        # A selector, not wait_for_function: the pages' Content-Security-Policy forbids the eval it polls with.
        self.page.wait_for_selector("body[data-drawn='yes']", state="attached", timeout=timeout_ms)
        return self.page.evaluate("window.maillageCounts")

    def close(self):
        self.page.close()

    def __enter__(self) -> PageWatch:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
