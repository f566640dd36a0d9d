"""The language switch keeps the page's selection (#20): its link is the current query string
with only ``lang`` set, so every filter survives the switch; and every table of a page sits in a
scroll box, so a phone never scrolls the page sideways."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from tests.web.test_pages import PAGES


class _Switch(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and (a.get("data-testid") or "").startswith("lang-"):
            self.hrefs[str(a["data-testid"])] = str(a["href"])


def _switch(html: str) -> dict[str, str]:
    parser = _Switch()
    parser.feed(html)  # unescapes &amp; in the attribute as a browser does
    return parser.hrefs


FILTERED = [
    (
        "/explore",
        [("indicator", "card_spending"), ("region", "120101"), ("basis", "month"),
         ("start", "2025-01"), ("end", "2025-06"), ("compare", "last_year")],
    ),
    ("/projects", [("district", "120101"), ("stage", "built")]),
    ("/plan", [("view", "status"), ("unit", "commerce")]),
    ("/alerts", [("status", "all")]),
    ("/holidays", [("key", "2025-spring-festival")]),
]  # fmt: skip


@pytest.mark.parametrize(("path", "filters"), FILTERED)
def test_the_switch_keeps_every_filter_and_sets_only_lang(client, users, h, path, filters) -> None:
    h.as_user(client, users.ids["admin"])
    query = "&".join(f"{k}={v}" for k, v in filters)
    zh = client.get(f"{path}?{query}&lang=zh")
    assert zh.status_code == 200, zh.text[:300]
    href = _switch(zh.text)["lang-en"]
    assert href.startswith("?"), href  # same page
    assert parse_qsl(urlsplit(href).query) == [*filters, ("lang", "en")]
    en = client.get(f"{path}{href}")
    assert en.status_code == 200 and 'lang="en"' in en.text
    back = _switch(en.text)["lang-zh"]
    assert parse_qsl(urlsplit(back).query) == [*filters, ("lang", "zh")]  # one lang, not two


def test_the_switch_on_a_bare_page_and_a_typed_date(client, users, h) -> None:
    h.as_user(client, users.ids["viewer"])
    assert _switch(client.get("/overview?lang=zh").text)["lang-en"] == "?lang=en"
    # What was typed travels as typed (the page reads it again in the other language).
    page = client.get("/explore?indicator=retail_sales&start=2025年1月&lang=zh")
    href = _switch(page.text)["lang-en"]
    assert dict(parse_qsl(urlsplit(href).query)) == {
        "indicator": "retail_sales", "start": "2025年1月", "lang": "en",
    }  # fmt: skip
    # An empty box is "not set": it is not carried as start= (the middleware drops it).
    page = client.get("/explore?indicator=retail_sales&start=&end=&lang=zh")
    assert "start" not in _switch(page.text)["lang-en"]


def test_every_table_sits_in_a_scroll_box(client, users, h) -> None:
    h.as_user(client, users.ids["admin"])
    for path in PAGES:
        html = client.get(path).text
        tables = len(re.findall(r"<table\b", html))
        boxed = len(re.findall(r'<div class="table-scroll">\s*<table\b', html))
        assert tables == boxed, (path, tables, boxed)
