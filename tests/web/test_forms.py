"""What people type into the query forms (#20): every accepted spelling, empty = not set,
and refusals that name the field in the page's language."""

from __future__ import annotations

import pytest

from consumption_monitor.errors import DataValidationError
from consumption_monitor.web.forms import drop_empty_params, invalid_fields_message, parse_period


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("2025年1月", "2025-01"), ("2025年01月", "2025-01"), ("2025-01", "2025-01"),
        ("2025/01", "2025-01"), ("2025.1", "2025-01"), ("2025/1", "2025-01"),
        ("202501", "2025-01"), ("２０２５年１２月", "2025-12"), (" 2025 年 3 月 ", "2025-03"),
        ("2025Q1", "2025-Q1"), ("2025-Q2", "2025-Q2"), ("2025年三季度", "2025-Q3"),
        ("2025年第4季度", "2025-Q4"), ("2025年", "2025"), ("2025", "2025"),
        ("", None), ("   ", None), (None, None),
    ],
)  # fmt: skip
def test_accepted_spellings(typed: str | None, period: str | None) -> None:
    assert parse_period(typed, "start") == period


@pytest.mark.parametrize("typed", ["2025年13月", "2025-00", "25-01", "下个月", "2025-Q5", "0099"])
def test_refusals_name_the_field_in_both_languages(typed: str) -> None:
    with pytest.raises(DataValidationError) as err:
        parse_period(typed, "end")
    assert err.value.render("zh").startswith("截止月份：无法识别")
    assert err.value.render("en").startswith("To: ")
    assert err.value.http_status == 422


def test_empty_pairs_are_dropped_and_others_kept_in_order() -> None:
    qs = b"indicator=%E7%A4%BE%E9%9B%B6&start=&end=2025-03&district=&stage=built"
    assert drop_empty_params(qs) == b"indicator=%E7%A4%BE%E9%9B%B6&end=2025-03&stage=built"
    assert drop_empty_params(b"a=1&b=2") == b"a=1&b=2"


def test_refused_fields_are_named_without_pydantic_english() -> None:
    errors = [{"loc": ("query", "region"), "msg": "String should match pattern", "input": "x"}]
    zh, en = invalid_fields_message(errors, "zh"), invalid_fields_message(errors, "en")
    assert "pattern" not in zh and "pattern" not in en
    assert "地区" in zh and "region" not in zh  # the field as the form labels it
    assert "Region = 'x'" in en
