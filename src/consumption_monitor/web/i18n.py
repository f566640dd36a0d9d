"""Page language: zh-CN by default, English on request (``?lang=en`` sets a cookie).

Messages live in ``messages.yaml`` as ``key: {zh: …, en: …}``; templates call ``t("key")``.
A key missing from the catalog renders as the key itself, and ``tests/web`` fails on any key
a template uses that the catalog lacks.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

SUPPORTED = ("zh", "en")
LANG_COOKIE = "cmon_lang"
#: ``lang`` attribute of the HTML element per page language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}


@cache
def catalog() -> dict[str, dict[str, str]]:
    """The message catalog, read once from the package."""
    text = resources.files("consumption_monitor.web").joinpath("messages.yaml").read_text("utf-8")
    data: dict[str, dict[str, str]] = yaml.safe_load(text)
    return data


def translate(key: str, lang: str, **values: object) -> str:
    """The message ``key`` in ``lang`` (falling back to Chinese), with ``{name}`` filled in.

    >>> translate("nav.overview", "zh"), translate("nav.overview", "en")
    ('总览', 'Overview')
    >>> translate("no.such.key", "en")
    'no.such.key'
    """
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("zh") or key
    return text.format(**values) if values else text


def pick_lang(query: str | None, cookie: str | None, default: str) -> str:
    """The query parameter wins, then the cookie, then the configured default.

    >>> pick_lang("en", "zh", "zh"), pick_lang(None, "en", "zh"), pick_lang("xx", None, "zh")
    ('en', 'en', 'zh')
    """
    for candidate in (query, cookie, default):
        if candidate in SUPPORTED:
            return candidate
    return "zh"
