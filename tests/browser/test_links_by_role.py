"""Issue #20: links are shown only where the role may follow them. Every demo user signs in
(through the form, with the real password) and crawls the demo app with the TestClient: every
internal ``href`` on every page it reaches, and every GET form with the values it is drawn
with, is requested as the same user, and none may answer 4xx/5xx or bounce to the sign-in
page. The leader (viewer) reaches 工作评价 and 目标进展, read-only.

This lives with the browser tests to share their seeded demo (``demo_settings``); it needs no
Chromium.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from consumption_monitor.demo import DEMO_PASSWORD, DEMO_USERS

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

#: Distinct URLs requested per page shape (path with ids starred, query keys): 50 task pages
#: are drawn by one template, a few of them show its links. Every target page is opened: what
#: a target links to depends on its indicator.
PER_SHAPE = 3
UNCAPPED = {("targets/*", ())}


class _Links(HTMLParser):
    """Internal ``href`` values and the GET forms of one page, with their drawn values."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = (a.get("action", ""), [])
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input" and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form[1].append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._first_option, self._chosen = a["name"], None, False
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a and not self._chosen:
                self._form[1].append((self._select, a.get("value", "")))
                self._chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._form is not None and self._select is not None:
            if not self._chosen and self._first_option is not None:
                self._form[1].append((self._select, self._first_option))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _internal(url: str) -> str | None:
    """``url`` as path + query when it stays on this app, else None. The language switch is
    left out (``lang`` is dropped; the language stays in the cookie): it is the same page, and
    test_language_switch.py checks what it keeps."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path == "/logout":
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])
    return parts.path + (f"?{query}" if query else "")


def _shape(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    head, *rest = parts.path.strip("/").split("/")
    keys = tuple(sorted({k for k, _ in parse_qsl(parts.query)}))
    return "/".join([head, *("*" for _ in rest)]), keys


@contextmanager
def _signed_in(app: object, username: str) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "the sign-in page has no CSRF field"
        form = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
        signed = client.post("/login", data={**form, "next": "/overview"}, follow_redirects=False)
        assert signed.status_code == 303, (username, signed.status_code)
        yield client


def _crawl(client: TestClient) -> tuple[dict[str, int], dict[str, str]]:
    """Status of every URL reached from /overview, and for each URL the page that linked it."""
    seen: dict[str, int] = {}
    found_on: dict[str, str] = {"/overview": "(start)"}
    per_shape: Counter[tuple[str, tuple[str, ...]]] = Counter()
    queue = deque(["/overview"])
    while queue:
        url = queue.popleft()
        response = client.get(url)
        final = urlsplit(str(response.url)).path
        seen[url] = 401 if final == "/login" and url != "/login" else response.status_code
        kind = response.headers.get("content-type", "")
        if response.status_code >= 400 or not kind.startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(response.text)
        targets = list(parser.hrefs)
        for action, fields in parser.forms:
            targets.append(f"{action or urlsplit(url).path}?{urlencode(fields)}")
        for ref in targets:
            link = _internal(urljoin(f"http://testserver{url}", ref))
            if link is None or link in found_on or link.startswith(("/static/", "/vendor/")):
                continue
            if per_shape[_shape(link)] >= PER_SHAPE and _shape(link) not in UNCAPPED:
                continue
            per_shape[_shape(link)] += 1
            found_on[link] = url
            queue.append(link)
    return seen, found_on


@pytest.fixture(scope="module")
def demo_app(demo_settings: object) -> object:
    """One app for every role, so its caches warm once."""
    from consumption_monitor.web.app import create_app

    return create_app(demo_settings)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_every_link_a_role_is_shown_opens_for_that_role(demo_app: object, username: str) -> None:
    with _signed_in(demo_app, username) as client:
        seen, found_on = _crawl(client)
    broken = {u: (s, found_on[u]) for u, s in seen.items() if s >= 400}
    assert not broken, f"{username} is shown links it may not follow: {broken}"
    assert len(seen) > 15, (username, sorted(seen))
    nav = {u for u in seen if "?" not in u}
    if username == "leader":
        # The leader reads the district ranking and the targets; nothing to change or manage.
        assert {"/evaluation", "/targets", "/plan", "/reports"} <= nav, sorted(nav)
        assert not {"/alerts", "/projects", "/submissions", "/admin", "/audit"} & nav
    if username == "admin":
        assert {"/alerts", "/projects", "/admin", "/audit", "/evaluation"} <= nav, sorted(nav)
