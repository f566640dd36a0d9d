"""Convert an indicator's values into the unit its plan target is written in.

Targets keep the plan's wording (亿人次, 万张, 万亿元); indicators are stored in catalog units
(wan_persons, beds, yi_yuan). Units belong to families with a scale; a conversion between two
families is refused rather than guessed.
"""

from __future__ import annotations

from consumption_monitor.errors import ConfigError

# unit -> (family, size in the family's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "yuan": ("money", 1.0), "元": ("money", 1.0),
    "wan_yuan": ("money", 1e4), "万元": ("money", 1e4),
    "yi_yuan": ("money", 1e8), "亿元": ("money", 1e8),
    "wan_yi_yuan": ("money", 1e12), "万亿元": ("money", 1e12),
    "person_times": ("persons", 1.0), "persons": ("persons", 1.0), "人次": ("persons", 1.0),
    "人": ("persons", 1.0), "名": ("rank", 1.0),
    "wan_persons": ("persons", 1e4), "万人次": ("persons", 1e4), "万人": ("persons", 1e4),
    "亿人次": ("persons", 1e8),
    "beds": ("beds", 1.0), "张": ("beds", 1.0), "万张": ("beds", 1e4),
    "teu": ("teu", 1.0), "标准箱": ("teu", 1.0), "wan_teu": ("teu", 1e4), "万标准箱": ("teu", 1e4),
    "tonnes": ("tonnes", 1.0), "吨": ("tonnes", 1.0), "wan_tonnes": ("tonnes", 1e4),
    "万吨": ("tonnes", 1e4),
    "percent": ("percent", 1.0), "%": ("percent", 1.0), "fraction": ("percent", 1.0),
    "share_of_national": ("percent", 1.0), "pp": ("percent", 1.0),
    "count": ("count", 1.0), "个": ("count", 1.0), "家": ("count", 1.0), "场次": ("count", 1.0),
    "部": ("count", 1.0), "rank": ("rank", 1.0),
}  # fmt: skip


def scale(from_unit: str | None, to_unit: str | None) -> float:
    """Factor turning a value in ``from_unit`` into ``to_unit`` (1.0 when either is missing or
    they are equal; a conversion across families raises :class:`ConfigError`).

    ``fraction`` targets are compared in percent (the status engine turns 1/3 into 33.3 %).

    >>> scale("wan_persons", "亿人次")
    0.0001
    >>> scale("yi_yuan", "万亿元")
    0.0001
    >>> scale("beds", "万张")
    0.0001
    """
    if not from_unit or not to_unit or from_unit == to_unit:
        return 1.0
    a, b = _UNITS.get(from_unit), _UNITS.get(to_unit)
    if a is None or b is None or a[0] != b[0]:
        if a is not None and b is not None and {a[0], b[0]} <= {"count", "beds", "persons"}:
            return a[1] / b[1]
        raise ConfigError(
            f"cannot convert {from_unit!r} to {to_unit!r}",
            f"无法将单位“{from_unit}”换算为“{to_unit}”",
            hint_en="align the indicator's unit with the target's unit in the catalog",
            hint_zh="请在指标目录中统一指标与目标的计量单位",
        )
    return a[1] / b[1]
