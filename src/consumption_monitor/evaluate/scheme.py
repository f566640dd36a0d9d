"""An evaluation scheme is data: a YAML file validated by the pydantic models below.

Errors name the file, the entry (indicator or group code, or the section) and the field, e.g.
``district.yaml, entry 'retail_growth', field 'direction': Input should be 'benefit' or 'cost'``.
Built-in schemes live in ``evaluate/schemes/``; ``load_scheme("district_default")`` finds them.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from consumption_monitor.errors import EvaluationError, Location, NotFoundError
from consumption_monitor.evaluate.weights import ahp_weights

SCHEMES_DIR = Path(__file__).parent / "schemes"

Direction = Literal["benefit", "cost"]
Component = Literal["outcome", "target_attainment", "work_quality"]


def _fail(entry: str, field: str, message: str, zh: str | None = None) -> PydanticCustomError:
    """A cross-field problem that keeps its entry, field and Chinese text for the error."""
    return PydanticCustomError(
        "scheme", message, {"entry": entry, "field": field, "zh": zh or message}
    )


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Group(_Model):
    """A group of indicators (一级指标); ``weight`` is its expert weight, if the scheme uses one."""

    code: str = Field(min_length=1)
    name_zh: str
    name_en: str
    weight: float | None = Field(default=None, ge=0)


class Indicator(_Model):
    """One indicator (二级指标) as it appears in the input long table's ``indicator`` column."""

    code: str = Field(min_length=1)
    name_zh: str
    name_en: str
    unit: str = ""
    direction: Direction = "benefit"
    group: str
    component: Component = "outcome"
    #: Expert weight: the share within its group when groups carry weights, else a global weight.
    weight: float = Field(default=1.0, ge=0)
    #: Target for threshold standardisation (must be > 0 there).
    target: float | None = None
    note_zh: str = ""
    note_en: str = ""


class AHPSpec(_Model):
    """A pairwise comparison matrix over groups or indicators, in the order listed."""

    level: Literal["group", "indicator"] = "group"
    method: Literal["eigenvector", "geometric_mean"] = "eigenvector"
    order: list[str]
    matrix: list[list[float]]

    @field_validator("matrix", mode="before")
    @classmethod
    def _fractions(cls, value: Any) -> Any:
        """Accept ``"1/3"`` strings, the way people write Saaty judgements."""
        if not isinstance(value, list):
            return value
        out: list[Any] = []
        for row in value:
            if not isinstance(row, list):
                return value
            out.append([float(Fraction(c)) if isinstance(c, str) else c for c in row])
        return out


class WeightSpec(_Model):
    """How weights are set: expert, ahp, entropy or combined (α·AHP + (1−α)·entropy)."""

    method: Literal["expert", "ahp", "entropy", "combined"]
    ahp: AHPSpec | None = None
    alpha: float | None = Field(default=None, ge=0, le=1)


class StandardisationSpec(_Model):
    """Standardisation method and the pool of periods min/max (or mean/sd) are taken over."""

    method: Literal["minmax", "zscore", "vector", "efficacy", "threshold"] = "minmax"
    #: ``within_year``: the evaluated period only; ``stacked``: pool several periods' rows.
    period: Literal["within_year", "stacked"] = "within_year"
    #: For ``stacked``: how many periods up to and including the evaluated one (None = all).
    window: int | None = Field(default=None, ge=1)
    #: For ``threshold``: attainment cap (1.0 = over-achievement not rewarded).
    cap: float = Field(default=1.0, gt=0)


class Scheme(_Model):
    """A complete evaluation scheme (评价方案)."""

    name: str
    title_zh: str
    title_en: str
    unit_kind: Literal["district", "department", "other"] = "other"
    description_zh: str = ""
    description_en: str = ""
    groups: list[Group] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    weights: WeightSpec
    standardisation: StandardisationSpec = StandardisationSpec()
    aggregation: Literal["weighted_sum", "topsis"] = "weighted_sum"
    #: ``refuse``: any missing unit × indicator stops the evaluation with a list of them;
    #: ``worst``: it is filled with the worst value any unit reported, and flagged.
    missing: Literal["refuse", "worst"] = "refuse"
    #: The composite is multiplied by this for display (e.g. 0.734 → 73.4 points).
    score_scale: float = Field(default=100.0, gt=0)

    @model_validator(mode="after")
    def _cross_checks(self) -> Scheme:
        group_codes = [g.code for g in self.groups]
        seen: set[str] = set()
        for code in group_codes:
            if code in seen:
                raise _fail(code, "code", f"duplicate group code {code!r}")
            seen.add(code)
        codes: set[str] = set()
        for ind in self.indicators:
            if ind.code in codes:
                raise _fail(ind.code, "code", f"duplicate indicator code {ind.code!r}")
            codes.add(ind.code)
            if ind.group not in seen:
                raise _fail(
                    ind.code, "group", f"unknown group {ind.group!r}; groups: {group_codes}"
                )
            if self.standardisation.method == "threshold" and (
                ind.target is None or ind.target <= 0
            ):
                raise _fail(ind.code, "target", "threshold standardisation needs a target > 0")
        for g in self.groups:
            members = [i for i in self.indicators if i.group == g.code]
            if not members:
                raise _fail(g.code, "code", f"group {g.code!r} has no indicators")
            if sum(i.weight for i in members) <= 0:
                raise _fail(g.code, "weight", "the indicator weights of this group sum to zero")
        self._check_weights(group_codes, [i.code for i in self.indicators])
        return self

    def _check_weights(self, group_codes: list[str], indicator_codes: list[str]) -> None:
        spec = self.weights
        if spec.method == "expert":
            given = [g.weight is not None for g in self.groups]
            if any(given) and not all(given):
                missing = [g.code for g in self.groups if g.weight is None]
                raise _fail(missing[0], "weight", "give every group a weight, or none of them")
        if spec.method in ("ahp", "combined"):
            if spec.ahp is None:
                raise _fail("weights", "ahp", f"method {spec.method!r} needs an `ahp:` matrix")
            expected = group_codes if spec.ahp.level == "group" else indicator_codes
            if sorted(spec.ahp.order) != sorted(expected) or len(set(spec.ahp.order)) != len(
                spec.ahp.order
            ):
                raise _fail(
                    "weights.ahp",
                    "order",
                    f"`order` must list each {spec.ahp.level} code exactly once: {expected}",
                )
            size = len(spec.ahp.order)
            if len(spec.ahp.matrix) != size or any(len(r) != size for r in spec.ahp.matrix):
                raise _fail("weights.ahp", "matrix", f"the matrix must be {size}×{size}")
            try:
                ahp_weights(np.array(spec.ahp.matrix, dtype=np.float64), method=spec.ahp.method)
            except EvaluationError as exc:
                raise _fail("weights.ahp", "matrix", exc.en, exc.zh) from None
        if spec.method == "combined" and spec.alpha is None:
            raise _fail("weights", "alpha", "method 'combined' needs `alpha` in [0, 1]")
        if spec.method != "combined" and spec.alpha is not None:
            raise _fail("weights", "alpha", "`alpha` is only used by method 'combined'")
        if spec.method in ("expert", "entropy") and spec.ahp is not None:
            raise _fail("weights", "ahp", f"`ahp` is not used by method {spec.method!r}")

    def indicator(self, code: str) -> Indicator:
        """The indicator with this code (:class:`NotFoundError` otherwise)."""
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise NotFoundError(
            f"indicator {code!r} is not in scheme {self.name!r}",
            f"方案 {self.name!r} 中没有指标 {code!r}",
        )

    def group(self, code: str) -> Group:
        """The group with this code (:class:`NotFoundError` otherwise)."""
        for g in self.groups:
            if g.code == code:
                return g
        raise NotFoundError(
            f"group {code!r} is not in scheme {self.name!r}",
            f"方案 {self.name!r} 中没有分组 {code!r}",
        )


def _locate(err: dict[str, Any], raw: Any) -> tuple[str, str]:
    """Entry and field of a pydantic error: the indicator/group code when the path has one."""
    ctx = err.get("ctx") or {}
    if err.get("type") == "scheme" and "entry" in ctx:
        return str(ctx["entry"]), str(ctx["field"])
    loc = list(err.get("loc", ()))
    if len(loc) >= 2 and loc[0] in ("indicators", "groups") and isinstance(loc[1], int):
        entry = f"{loc[0]}[{loc[1]}]"
        items = raw.get(loc[0]) if isinstance(raw, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            entry = str(items[loc[1]].get("code", entry))
        field = ".".join(str(p) for p in loc[2:]) or str(loc[0])
        return entry, field
    if len(loc) >= 2:
        return ".".join(str(p) for p in loc[:-1]), str(loc[-1])
    return "scheme", str(loc[0]) if loc else "(top level)"


def parse_scheme(raw: Any, *, source: str = "<scheme>") -> Scheme:
    """Validate a parsed YAML mapping; errors name ``source``, the entry and the field."""
    if not isinstance(raw, dict):
        raise EvaluationError(
            "an evaluation scheme must be a YAML mapping",
            "评价方案必须是 YAML 映射（键: 值）",
            where=Location(file=source),
        )
    try:
        return Scheme.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        entry, field = _locate(dict(first), raw)
        first_zh = str((first.get("ctx") or {}).get("zh", first["msg"]))
        others = ""
        if len(errors) > 1:
            rest = []
            for e in errors[1:]:
                en, fi = _locate(dict(e), raw)
                rest.append(f"entry {en!r}, field {fi!r}: {e['msg']}")
            others = " (also: " + "; ".join(rest) + ")"
        raise EvaluationError(
            f"invalid evaluation scheme: {first['msg']}{others}",
            f"评价方案有误：{first_zh}{others}",
            where=Location(file=source, entry=entry, field=field),
            hint_en="fix the scheme file; docs/evaluation.md describes every field",
            hint_zh="请修改方案文件，各字段说明见 docs/evaluation.md",
        ) from None


def available_schemes() -> list[str]:
    """Names of the built-in schemes."""
    return sorted(p.stem for p in SCHEMES_DIR.glob("*.yaml"))


def load_scheme(name_or_path: str | Path) -> Scheme:
    """Load a built-in scheme by name (``district_default``) or a YAML file by path."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = SCHEMES_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise NotFoundError(
            f"evaluation scheme {str(name_or_path)!r} not found; built-in: {available_schemes()}",
            f"找不到评价方案 {str(name_or_path)!r}；内置方案：{available_schemes()}",
            hint_en="pass a built-in name or the path of a YAML file",
            hint_zh="请给出内置方案名或 YAML 文件路径",
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EvaluationError(
            f"the scheme is not valid YAML: {exc}",
            f"方案文件不是合法的 YAML：{exc}",
            where=Location(file=str(path), row=mark.line + 1 if mark else None),
        ) from None
    return parse_scheme(raw, source=str(path))
