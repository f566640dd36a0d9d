"""Industry chains as typed data: chains, links (upstream → downstream), candidates, thresholds.

The chains ship in ``chains/data/chains.yaml``; another city can pass its own file. Links are
found by id or Chinese/English name, so a ``projects`` table may carry either ``美妆 / 渠道零售``
or ``beauty / channel_retail``.

>>> chains = load_chains()
>>> chains.link("美妆", "渠道零售").key, chains.link("pet", "pet_food").name_zh
('beauty.channel_retail', '宠物食品')
>>> [e for e in chains.chain("宠物").edges()][:2]
[('pet_food', 'pet_services'), ('pet_food', 'pet_supplies')]
"""

from __future__ import annotations

import math
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from consumption_monitor.errors import ConfigError, NotFoundError

Tier = Literal["upstream", "midstream", "downstream"]

_PUNCT = re.compile(r"[\s、，,（）()·\-—_/]")


def is_blank(value: object) -> bool:
    """True for ``None``, NaN/NA and empty text (a missing cell however it arrives).

    >>> is_blank(None), is_blank(float("nan")), is_blank(" "), is_blank("x")
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if type(value).__name__ in {"NAType", "NaTType"}:
        return True
    return not str(value).strip()


def squash(label: object) -> str:
    """Fold a label for matching: no spaces or punctuation, lower-case ASCII."""
    return _PUNCT.sub("", str(label).strip()).lower()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GapThresholds(_Frozen):
    """Cut-offs of the gap analysis (practice, configurable; printed with every gap table)."""

    min_enterprises: int = Field(3, ge=1, description="Fewer local enterprises → weak.")
    sales_share_of_median: float = Field(
        0.25, ge=0, description="Sales below this share of the chain's median link → weak."
    )
    investment_share_of_median: float = Field(
        0.25, ge=0, description="Landed investment below this share of the chain median → weak."
    )
    min_category_share: float = Field(
        0.15, gt=0, le=1, description="Share of a retailer's sales that makes it a member."
    )


class Candidate(_Frozen):
    """A kind of enterprise or brand worth attracting to a weak link."""

    id: str
    name_zh: str
    name_en: str
    categories: list[str] | None = None
    card_categories: list[str] | None = None
    mcc: list[str] | None = None
    channel: Literal["all", "online", "offline"] = "all"
    formats: list[str] | None = None


class Link(_Frozen):
    """One link (环节) of a chain."""

    id: str
    name_zh: str
    name_en: str
    position: int = Field(ge=1)
    tier: Tier
    feeds: list[str] | None = None
    industries: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    member_by_category: bool = False
    sales_observed: bool = False
    card_categories: list[str] = Field(default_factory=list)
    mcc: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    chain_id: str = ""

    @property
    def key(self) -> str:
        """Globally unique ``chain.link`` id."""
        return f"{self.chain_id}.{self.id}"


class Chain(_Frozen):
    """An industry chain and its links ordered upstream → downstream."""

    id: str
    name_zh: str
    name_en: str
    links: list[Link]

    @model_validator(mode="before")
    @classmethod
    def _stamp_links(cls, data: Any) -> Any:
        if isinstance(data, dict):
            cid = data.get("id", "")
            links = [dict(link, chain_id=cid) for link in data.get("links", [])]
            data = {**data, "links": sorted(links, key=lambda x: x.get("position", 0))}
        return data

    @model_validator(mode="after")
    def _check(self) -> Chain:
        ids = [link.id for link in self.links]
        if len(set(ids)) != len(ids):
            raise ValueError(f"chain {self.id}: duplicate link ids")
        for link in self.links:
            unknown = set(link.feeds or []) - set(ids)
            if unknown:
                raise ValueError(f"chain {self.id}: link {link.id} feeds unknown {sorted(unknown)}")
        return self

    def edges(self) -> list[tuple[str, str]]:
        """(from, to) link ids: explicit ``feeds``, else the next link by position."""
        out: list[tuple[str, str]] = []
        for i, link in enumerate(self.links):
            if link.feeds is not None:
                out.extend((link.id, t) for t in link.feeds)
            elif i + 1 < len(self.links):
                out.append((link.id, self.links[i + 1].id))
        return out


class Chains:
    """Look-ups over the chain definitions; names, ids and English names all resolve."""

    def __init__(self, chains: list[Chain], thresholds: GapThresholds) -> None:
        self.chains = chains
        self.thresholds = thresholds
        self._chain_ix: dict[str, Chain] = {}
        for c in chains:
            for key in (c.id, c.name_zh, c.name_en):
                self._chain_ix[squash(key)] = c
        self._link_ix: dict[tuple[str, str], Link] = {}
        for c in chains:
            for link in c.links:
                for key in (link.id, link.name_zh, link.name_en):
                    self._link_ix[(c.id, squash(key))] = link

    def chain(self, name: str) -> Chain:
        """A chain by id, Chinese or English name; :class:`NotFoundError` otherwise."""
        found = self._chain_ix.get(squash(name))
        if found is None:
            raise NotFoundError(
                f"unknown industry chain {name!r}",
                f"未知的产业链 {name!r}",
                hint_en="one of: " + ", ".join(c.id for c in self.chains),
                hint_zh="可选：" + "、".join(c.name_zh for c in self.chains),
            )
        return found

    def has_chain(self, name: object) -> bool:
        """True when :meth:`chain` would find ``name``."""
        return squash(name) in self._chain_ix

    def link(self, chain: str, link: str) -> Link:
        """A link of ``chain`` by id or name; ``link`` may also be ``chain.link``."""
        c = self.chain(chain)
        found = self._link_ix.get((c.id, squash(link)))
        if found is None:
            raise NotFoundError(
                f"unknown link {link!r} of chain {c.id}",
                f"产业链“{c.name_zh}”没有环节 {link!r}",
                hint_en="one of: " + ", ".join(x.id for x in c.links),
                hint_zh="可选：" + "、".join(x.name_zh for x in c.links),
            )
        return found

    def find_link(self, key: str) -> Link:
        """A link by ``chain.link`` key, ``chain/link``, or a link id/name unique across chains."""
        for sep in (".", "/", "·"):
            if sep in key:
                chain, _, link = key.partition(sep)
                return self.link(chain, link)
        hits = [x for c in self.chains for x in c.links if squash(key) in {
            squash(x.id), squash(x.name_zh), squash(x.name_en)}]  # fmt: skip
        if len(hits) != 1:
            raise NotFoundError(
                f"link {key!r} is unknown or ambiguous",
                f"环节 {key!r} 不存在或不唯一",
                hint_en="write it as chain.link, e.g. beauty.channel_retail",
                hint_zh="请写成“产业链.环节”，如 美妆.渠道零售",
            )
        return hits[0]

    def links(self) -> list[Link]:
        """Every link of every chain, chain by chain, upstream first."""
        return [link for c in self.chains for link in c.links]

    def resolve(self, chain: object, link: object) -> tuple[str | None, str | None]:
        """Canonical ``(chain_id, link_id)`` for raw values; ``None`` where unknown or empty."""
        if is_blank(chain) or not self.has_chain(chain):
            return None, None
        c = self.chain(str(chain))
        found = None if is_blank(link) else self._link_ix.get((c.id, squash(link)))
        return c.id, found.id if found else None


def _read(path: Path | None) -> dict[str, Any]:
    try:
        if path is None:
            text = (
                resources.files("consumption_monitor.chains")
                .joinpath("data", "chains.yaml")
                .read_text(encoding="utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"chain definitions {path or 'chains.yaml'} cannot be read: {exc}",
            f"产业链定义文件 {path or 'chains.yaml'} 无法读取：{exc}",
        ) from exc
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or "chains" not in data:
        raise ConfigError(
            "chain definitions need a top-level `chains:` list",
            "产业链定义文件须有顶层 `chains:` 列表",
        )
    return data


def load_chains(path: Path | str | None = None) -> Chains:
    """Chain definitions from ``path`` or the bundled ``chains.yaml`` (cached when bundled)."""
    if path is None:
        return _bundled()
    return _parse(_read(Path(path)), str(path))


@cache
def _bundled() -> Chains:
    return _parse(_read(None), "chains.yaml")


def _parse(data: dict[str, Any], source: str) -> Chains:
    try:
        chains = [Chain(**c) for c in data["chains"]]
        thresholds = GapThresholds(**(data.get("gap_thresholds") or {}))
    except (ValidationError, TypeError) as exc:
        raise ConfigError(
            f"{source}: invalid chain definitions: {exc}",
            f"{source}：产业链定义有误：{exc}",
            hint_en="compare with the bundled chains.yaml",
            hint_zh="请对照自带的 chains.yaml 修改",
        ) from exc
    ids = [c.id for c in chains]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{source}: duplicate chain ids", f"{source}：产业链编号重复")
    return Chains(chains, thresholds)
