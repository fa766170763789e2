"""The demo site's pages: one per trial folder, the trial sent by the widget, nothing from elsewhere."""
from __future__ import annotations

import re

import pytest

from actions.knowledge_base import load_trials
from web.site import build_site, content_security_policy


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    return out, build_site(out, "http://localhost:5005")


def test_every_trial_folder_gets_a_page_whose_widget_names_the_trial(site):
    out, pages = site
    for trial in load_trials().values():
        page = (out / "trials" / trial.id.lower() / "index.html").read_text()
        assert f'data-trial="{trial.id}"' in page and trial.label.split(" (")[0] in page
    index = (out / "index.html").read_text()
    assert 'data-trial=""' in index and all(f"trials/{t.lower()}/" in index for t in load_trials())
    assert len(pages) == len(load_trials()) + 1


def test_pages_load_nothing_from_elsewhere(site):
    out, pages = site
    for page in pages:
        text = page.read_text()
        urls = re.findall(r'(?:src|href)="([^"]+)"', text)
        assert urls and not [u for u in urls if re.match(r"(https?:)?//", u)], urls
    assert (out / "static" / "socket.io.min.js").stat().st_size > 10_000  # served from here, not a CDN


def test_content_security_policy_allows_only_the_page_and_the_rasa_server():
    policy = content_security_policy("http://localhost:5005")
    assert "default-src 'self'" in policy
    assert re.search(r"connect-src 'self' http://localhost:5005 ws://localhost:5005;", policy)
    assert "connect-src 'self';" in content_security_policy("")  # behind nginx: same origin only


def test_a_folder_it_did_not_write_is_never_replaced(tmp_path):
    (tmp_path / "someone-else.html").write_text("keep me")
    with pytest.raises(SystemExit):
        build_site(tmp_path, "")
    assert (tmp_path / "someone-else.html").read_text() == "keep me"
    site = tmp_path / "site"
    build_site(site, "")
    build_site(site, "http://localhost:5005")  # its own output is rebuilt
    assert 'data-server="http://localhost:5005"' in (site / "index.html").read_text()


@pytest.fixture
def served(site, monkeypatch):
    """The site served for real by web.site's handler, on a free port, in a thread."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    from web import site as web_site

    out, _ = site
    monkeypatch.setattr(web_site._Handler, "timeout", 1)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(web_site._Handler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, path: str) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def test_folders_are_not_listed(served):
    status, body = get(served, "/static/")
    assert status == 404 and b"chat-widget.js" not in body
    assert get(served, "/static/chat-widget.js")[0] == 200


@pytest.mark.parametrize("path", ["/%00", "/static/%00chat-widget.js"])
def test_a_nul_in_the_path_gets_a_plain_400(served, path):
    status, body = get(served, path)
    assert status == 400 and b"Traceback" not in body


def test_an_idle_connection_is_closed(served):
    import socket

    with socket.create_connection(("127.0.0.1", served), timeout=10) as idle:
        idle.sendall(b"GET / HTTP/1.1\r\n")  # never finished
        assert idle.recv(1024) == b""  # the server hung up (here after 1 s; 30 s when served)
