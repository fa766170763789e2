"""The chat widget in Debian's Chromium, driven by playwright-core (tests/browser/*.test.mjs), against
the same real servers as the other end-to-end tests (the multi-server set-up runs them too)."""
from __future__ import annotations

import shutil

from servers import PROJECT, browser_tests


def test_widget_in_a_real_browser(servers):
    assert shutil.which("node") and (PROJECT / "node_modules" / "playwright-core").exists(), "run `make install`"
    browser_tests(servers["web_url"])
