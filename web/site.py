"""The demo web site: an index of the trials and one page per trial, each with the chat widget.

Pages come from knowledge/<trial>/trial.yml, so a new trial folder gets its page with no code.
`build` writes the site into a folder (nginx serves that in the multi-server recipe); `serve`
builds it and serves it on one port, with headers that keep every request on this site and the
assistant's own server.

    python -m web.site serve --port 8080 --socket-url http://localhost:5005
    python -m web.site build --out build/web --socket-url ""      # "" = same origin (behind nginx)
"""
from __future__ import annotations

import argparse
import functools
import html
import shutil
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from actions.knowledge_base import KNOWLEDGE_DIR, Trial, emergency_numbers, load_trials
from actions.trial_facts import site_summary, status_of

WEB_DIR = Path(__file__).resolve().parent
PROJECT = WEB_DIR.parent
# The browser build of socket.io-client, installed from the npm registry by `make` (package.json).
SOCKET_IO_CLIENT = PROJECT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"


PAGE = Template((WEB_DIR / "templates" / "page.html").read_text(encoding="utf-8"))


def _index_content(trials: list[Trial]) -> str:
    links = "\n".join(f'      <li><a href="trials/{html.escape(t.id.lower())}/">{html.escape(t.label)}</a>: '
                      f"{html.escape(t.title)}" + (f' <span class="trial-status">({html.escape(status_of(t))})</span>'
                                                   if status_of(t) else "") + "</li>" for t in trials)
    return ("    <h1>Ask about these clinical trials</h1>\n"
            "    <p>Each trial has its own page, where the assistant answers about that trial:</p>\n"
            f'    <ul class="trial-links">\n{links}\n    </ul>\n'
            "    <p>Or ask here about any of them.</p>")


def _trial_content(trial: Trial) -> str:
    rows = [("Status", status_of(trial)), ("Site", site_summary(trial)), ("Sponsor", trial.facts.get("sponsor")),
            ("Phase", trial.facts.get("phase"))]
    facts = "\n".join(f"      <dt>{name}</dt><dd>{html.escape(str(value))}</dd>" for name, value in rows if value)
    return (f'    <p><a href="../../">All trials</a></p>\n    <h1>{html.escape(trial.title)}</h1>\n'
            f'    <dl class="trial-facts">\n{facts}\n    </dl>')


def build_site(out: Path, socket_url: str, knowledge_dir: Path = KNOWLEDGE_DIR) -> list[Path]:
    """Writes the index, one page per trial, the widget and its library into `out`; returns the pages."""
    if not SOCKET_IO_CLIENT.exists():
        raise SystemExit(f"{SOCKET_IO_CLIENT} is missing: run `npm ci` (make does) first.")
    trials = list(load_trials(knowledge_dir).values())
    if out.exists():
        # Only a folder this tool wrote (or an empty one) is replaced, never someone's web root.
        if any(out.iterdir()) and not (out / "static" / "chat-widget.js").exists():
            raise SystemExit(f"{out} holds files this tool did not write; choose an empty or new folder.")
        shutil.rmtree(out)
    shutil.copytree(WEB_DIR / "static", out / "static")
    shutil.copy(SOCKET_IO_CLIENT, out / "static" / "socket.io.min.js")
    server = html.escape(socket_url, quote=True)
    # The index's widget has no trial: the assistant asks which one, or answers for each.
    pages = {out / "index.html": PAGE.substitute(
        title="Clinical trials: ask the trial assistant", root="",
        content=_index_content(trials), trial_id="", socket_url=server,
        emergency=html.escape(emergency_numbers(trials), quote=True))}
    for trial in trials:
        pages[out / "trials" / trial.id.lower() / "index.html"] = PAGE.substitute(
            title=f"{html.escape(trial.label)}: ask the trial assistant", root="../../",
            content=_trial_content(trial), trial_id=html.escape(trial.id, quote=True), socket_url=server,
            emergency=html.escape(emergency_numbers([trial]), quote=True))
    for path, text in pages.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(pages)


def content_security_policy(socket_url: str) -> str:
    """Scripts, styles and connections only from this site and the assistant's server: no CDN, no tracker."""
    connect = ["'self'"]
    if socket_url:
        parts = urlsplit(socket_url)
        ws = "wss" if parts.scheme == "https" else "ws"
        connect += [f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"]
    return (f"default-src 'self'; connect-src {' '.join(connect)}; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


IDLE_TIMEOUT_SECONDS = 30


class _Handler(SimpleHTTPRequestHandler):
    csp = "default-src 'self'"
    timeout = IDLE_TIMEOUT_SECONDS  # an idle connection is closed, not kept forever

    def send_head(self):
        # A NUL in the path made os.path raise (a traceback instead of an answer).
        if "\x00" in self.path or "%00" in self.path:
            self.send_error(400, "Bad path")
            return None
        return super().send_head()

    def list_directory(self, path):
        self.send_error(404, "Not found")  # folders are not listed
        return None

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def serve(out: Path, port: int, socket_url: str, host: str = "127.0.0.1") -> None:
    build_site(out, socket_url)
    handler = type("Handler", (_Handler,), {"csp": content_security_policy(socket_url)})
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(out)))
    print(f"Web page with the chat widget: http://localhost:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "serve"])
    parser.add_argument("--out", type=Path, default=PROJECT / "build" / "web")
    parser.add_argument("--socket-url", default="", help="the Rasa server's URL; empty = the page's own origin")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    if args.command == "build":
        for page in build_site(args.out, args.socket_url):
            print(page)
    else:
        serve(args.out, args.port, args.socket_url, args.host)


if __name__ == "__main__":
    main()
