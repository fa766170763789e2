"""The chat widget in Debian's Chromium, driven by playwright-core (tests/browser/*.test.mjs), against
the same real servers as the other end-to-end tests."""
from __future__ import annotations

import os
import shutil
import subprocess

from servers import PROJECT


def test_widget_in_a_real_browser(servers):
    assert shutil.which("node") and (PROJECT / "node_modules" / "playwright-core").exists(), "run `make install`"
    result = subprocess.run(["node", "--test", "--test-reporter=spec", "tests/browser/"], cwd=PROJECT,
                            env=dict(os.environ, WEB_URL=servers["web_url"]), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-10000:] + result.stderr[-3000:]
