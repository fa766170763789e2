#!/usr/bin/env bash
# Creates or updates one of the two virtual environments from its pinned requirement files.
# Usage: scripts/install.sh rasa|actions   (the Makefile calls it only when the files changed)
set -euo pipefail
cd "$(dirname "$0")/.."
which=$1
python=${PYTHON:-python3}

apt_install() {  # Debian packages, installed only when missing (needs root, as on this machine's kind)
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

case "$which" in
  rasa)
    apt_install libfreetype-dev libqhull-dev pkg-config
    [ -x .venv-rasa/bin/python ] || "$python" -m venv .venv-rasa
    .venv-rasa/bin/pip install -q "setuptools==70.3.0" wheel
    MPLSETUPCFG="$PWD/requirements/mplsetup.cfg" .venv-rasa/bin/pip install -q \
      --ignore-requires-python -c requirements/rasa-constraints.txt -r requirements/rasa.txt
    ;;
  actions)
    [ -x .venv-actions/bin/python ] || "$python" -m venv .venv-actions
    # torch first and alone, so nothing later can swap in a CUDA build.
    .venv-actions/bin/pip install -q "$(grep -E '^torch==' requirements/actions.txt)"
    .venv-actions/bin/pip install -q -r requirements/actions.txt
    ;;
  *) echo "usage: $0 rasa|actions" >&2; exit 2 ;;
esac
