#!/usr/bin/env bash
# Installs one part of what the assistant needs (the Makefile calls it only when its inputs changed):
#   rasa     the Rasa virtual environment (.venv-rasa) from its pinned requirement files
#   actions  the action server's virtual environment (.venv-actions)
#   web      the widget's socket.io-client and the browser tests' playwright-core (npm ci)
#   webchat  rasa-webchat's browser bundle, for the browser test of sites that embed it
#   system-test  Debian's Chromium, PostgreSQL, Redis and nginx for the browser and multi-server tests
set -euo pipefail
cd "$(dirname "$0")/.."
which=$1
python=${PYTHON:-python3}

apt_install() {  # Debian packages, installed only when missing (needs root, as on this machine's kind)
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    # `make test` installs the environments side by side: one apt-get waits for the other.
    flock /tmp/trial-assistant-apt.lock sh -c 'apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"' apt "${missing[@]}"
  fi
}

case "$which" in
  rasa)
    # Rasa 3.6 declares Python < 3.11. This machine kind has 3.10 under pyenv; on it Rasa installs as
    # declared and Sanic 21.12's WebSocket upgrades work (on 3.11 they fail: README, "Two environments").
    rasa_python=${RASA_PYTHON:-$(ls -d "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -1)}
    if [ ! -x "$rasa_python" ]; then
      echo "The Rasa environment needs Python 3.10 (for example: pyenv install 3.10); set RASA_PYTHON to its path." >&2
      exit 1
    fi
    if [ -x .venv-rasa/bin/python ] && ! .venv-rasa/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
      rm -rf .venv-rasa  # made with another Python
    fi
    apt_install libfreetype-dev libqhull-dev pkg-config  # only if matplotlib must be built from source
    [ -x .venv-rasa/bin/python ] || "$rasa_python" -m venv .venv-rasa
    .venv-rasa/bin/pip install -q "setuptools==70.3.0" wheel
    MPLSETUPCFG="$PWD/requirements/mplsetup.cfg" .venv-rasa/bin/pip install -q \
      -c requirements/rasa-constraints.txt -r requirements/rasa.txt
    ;;
  actions)
    [ -x .venv-actions/bin/python ] || "$python" -m venv .venv-actions
    # torch first and alone, so nothing later can swap in a CUDA build.
    .venv-actions/bin/pip install -q "$(grep -E '^torch==' requirements/actions.txt)"
    .venv-actions/bin/pip install -q -r requirements/actions.txt
    ;;
  web)
    npm ci --no-audit --no-fund --loglevel=error
    ;;
  webchat)
    # For one browser test only: botfront's rasa-webchat 1.0.1, the widget many Rasa sites embed. Its
    # tarball alone from the npm registry (its 600 npm dependencies are bundled in it already),
    # checked against the registry's integrity; only its browser bundle is kept.
    mkdir -p build/test-deps
    tarball=$(cd build/test-deps && npm pack rasa-webchat@1.0.1 --silent)
    expected=sha512-Ld1zVJvTAaTrs6A5p8t70agNNrKYRyXlvqXZRgBoDvKKUXbA0jhJKECi5bdPGlaR6jsmqWtVylHS+YqIqo0x8w==
    actual="sha512-$(openssl dgst -sha512 -binary "build/test-deps/$tarball" | base64 -w0)"
    [ "$actual" = "$expected" ] || { echo "rasa-webchat tarball does not match its integrity" >&2; exit 1; }
    tar -xzf "build/test-deps/$tarball" -C build/test-deps package/lib/index.js
    mv build/test-deps/package/lib/index.js build/test-deps/rasa-webchat-1.0.1.js
    rm -rf build/test-deps/package "build/test-deps/$tarball"
    ;;
  system-test)
    apt_install chromium postgresql redis-server nginx-light
    ;;
  *) echo "usage: $0 rasa|actions|web|webchat|system-test" >&2; exit 2 ;;
esac
