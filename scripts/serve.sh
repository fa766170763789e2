#!/usr/bin/env bash
# Starts the action server, Rasa and the web page (run), or the action server and `rasa shell` (shell).
# Stays in the foreground; Ctrl-C (or the end of the shell) stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
# Conversations hold health information: what this starts creates files only its user can read.
umask 077
mkdir -p "$(dirname "$TRACKER_DB")"
chmod 700 "$(dirname "$TRACKER_DB")"
[ -e "$TRACKER_DB" ] && chmod 600 "$TRACKER_DB"  # made before this rule
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # url, name, pid: until it answers, or the process died
  for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "$2 exited during start-up" >&2; exit 1; }
    sleep 0.5
  done
  echo "$2 did not start within 120 s" >&2; exit 1
}

if curl -fsS -o /dev/null "http://localhost:$ACTIONS_PORT/health" 2>/dev/null; then
  echo "Using the action server already running on port $ACTIONS_PORT."
  [ -n "${DEBUG:-}" ] && echo "Note: DEBUG applies only to an action server started here; stop the running one to use it."
else
  ASSISTANT_DEBUG=${DEBUG:-} .venv-actions/bin/python -m actions.serve --port "$ACTIONS_PORT" &
  pids+=($!)
  wait_for "http://localhost:$ACTIONS_PORT/health" "action server" "${pids[-1]}"
fi

model=models/trial-assistant.tar.gz
case "$mode" in
  run)
    .venv-rasa/bin/python -W ignore scripts/purge.py  # conversations past the retention go first
    # ... and every 10 minutes: ended sessions are redacted, expired conversations deleted.
    (while sleep 600; do .venv-rasa/bin/python -W ignore scripts/purge.py >/dev/null || true; done) &
    pids+=($!)
    # No HTTP API (--enable-api): it reads and writes any conversation, and anything that reaches the
    # port could use it. Only the channels (Socket.IO for the widget, REST) and "/" are served.
    .venv-rasa/bin/python -m components.rasa_cli run --interface 127.0.0.1 --port "$RASA_PORT" --model "$model" \
      --endpoints endpoints.yml --credentials credentials.yml &
    pids+=($!)
    wait_for "http://localhost:$RASA_PORT/" "Rasa server" "${pids[-1]}"
    .venv-actions/bin/python -m web.site serve --port "$WEB_PORT" --socket-url "http://localhost:$RASA_PORT" &
    pids+=($!)
    wait_for "http://localhost:$WEB_PORT/" "web page server" "${pids[-1]}"
    echo
    echo "Trial assistant ready (Ctrl-C stops it):"
    echo "  web page with the chat widget: http://localhost:$WEB_PORT/"
    echo "  REST: http://localhost:$RASA_PORT/webhooks/rest/webhook"
    wait -n "${pids[@]}"
    ;;
  shell)
    .venv-rasa/bin/python -m components.rasa_cli shell --port "$((RASA_PORT + 1))" --model "$model" --endpoints endpoints.yml
    ;;
  *) echo "usage: $0 run|shell" >&2; exit 2 ;;
esac
