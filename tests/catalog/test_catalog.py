"""The dimension catalog: districts, categories, industries, 商圈, MCC, datasets, USCC."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.uscc import ALPHABET, check_char, is_valid_uscc, make_uscc
from consumption_monitor.errors import NotFoundError

CAT = load_catalog()

# GB/T 2260 codes of Tianjin's 16 districts (120107–120109 were merged into 滨海新区 in 2009).
EXPECTED_CODES = [
    f"1201{n:02d}" for n in (1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)
]


def test_sixteen_districts_with_admin_codes() -> None:
    assert [d.code for d in CAT.districts] == EXPECTED_CODES
    assert len({d.name_zh for d in CAT.districts}) == 16
    assert {d.area_type for d in CAT.districts} == set(CAT.area_types)


def test_binhai_and_central_districts_are_the_largest() -> None:
    ranked = sorted(CAT.districts, key=lambda d: d.commerce_weight, reverse=True)
    assert ranked[0].name_zh == "滨海新区"
    assert {d.area_type for d in ranked[:4]} == {"central", "binhai"}


@pytest.mark.parametrize(
    ("label", "code"),
    [("和平区", "120101"), ("和平", "120101"), ("Heping", "120101"), ("120116", "120116"),
     ("滨海新区", "120116"), (" 蓟州区 ", "120119")],
)  # fmt: skip
def test_district_lookup(label: str, code: str) -> None:
    assert CAT.district(label).code == code


def test_unknown_district_is_a_located_bilingual_error() -> None:
    with pytest.raises(NotFoundError) as info:
        CAT.district("120107")
    assert "120107" in info.value.render("en")
    assert "未知的区" in info.value.render("zh")
    assert isinstance(info.value, KeyError)


def test_regions_national_city_district() -> None:
    assert CAT.region_code("全国") == "100000"
    assert CAT.region_code("Tianjin") == "120000"
    assert CAT.region_code("天津市") == "120000"
    assert CAT.region_code("河西区") == "120103"
    assert CAT.region_name("120103", "en") == "Hexi"


def test_sixteen_nbs_categories_plus_local_and_of_which() -> None:
    national = [c for c in CAT.categories if not c.local and c.parent is None]
    assert len(national) == 16
    assert {c.name_zh for c in national} >= {"粮油、食品类", "金银珠宝类", "建筑及装潢材料类"}
    of_which = [c for c in CAT.categories if c.parent]
    assert {c.parent for c in of_which} <= {c.code for c in CAT.top_categories()}


@pytest.mark.parametrize(
    ("label", "code"),
    [("服装鞋帽针纺织品类", "apparel"), ("服装、鞋帽、针纺织品类", "apparel"),
     ("家用电器和音像器材类", "appliances"), ("通信器材类", "telecom"),
     ("石油及其制品类", "petroleum"), ("粮油食品类", "grain_food"), ("cosmetics", "cosmetics")],
)  # fmt: skip
def test_category_label_variants_normalise(label: str, code: str) -> None:
    assert CAT.normalise_category(label) == code


def test_upgrade_set_default_and_override() -> None:
    assert CAT.upgrade_set() == [
        "cosmetics", "jewelry", "sports_entertainment", "telecom", "culture_office", "appliances",
    ]  # fmt: skip
    assert CAT.upgrade_set(["汽车类", "新能源汽车"]) == ["automobile", "nev"]


def test_industries_sections_and_consumption_core() -> None:
    codes = {i.code for i in CAT.industries}
    assert {"F", "H", "R", "O", "P", "Q"} <= codes
    assert {i.code for i in CAT.industries if i.consumption_core} == {"F", "H", "R", "O"}
    assert {i.code for i in CAT.industries if i.quarterly_gdp} == {"F", "H"}
    assert CAT.industry("f52").name_zh == "零售业"


def test_business_districts_include_plan_landmarks_and_one_centre_per_district() -> None:
    names = {b.name_zh for b in CAT.business_districts}
    assert {"金街商圈", "意式风情区"} <= names
    centres = [b.district for b in CAT.business_districts if b.district_center]
    assert sorted(centres) == EXPECTED_CODES  # 一区一中心
    for b in CAT.business_districts:
        assert CAT.has_district(b.district)
    assert sum(b.landmark for b in CAT.business_districts) == 8  # 8 landmark 商圈 (plan task 5)


def test_every_mcc_maps_once_and_nbs_links_exist() -> None:
    seen: dict[str, str] = {}
    for cc in CAT.card_categories:
        for m in cc.mcc:
            assert m not in seen, f"MCC {m} in {cc.code} and {seen[m]}"
            seen[m] = cc.code
        if cc.nbs is not None:
            CAT.category(cc.nbs)
    assert CAT.card_category_for_mcc("5812").code == "catering"
    assert CAT.card_category_for_mcc("5977").nbs == "cosmetics"


def test_dataset_schemas_are_complete() -> None:
    names = [d.name for d in CAT.datasets]
    assert names == [
        "official_stats", "enterprise_monthly", "card_transactions", "key_enterprise_daily",
        "unit_reports", "first_stores", "events", "task_progress", "projects",
    ]  # fmt: skip
    for ds in CAT.datasets:
        cols = set(ds.column_names)
        assert set(ds.key) <= cols, ds.name
        assert ds.period_column in cols, ds.name
        assert len(cols) == len(ds.columns), f"duplicate column in {ds.name}"
        headers = [c.zh for c in ds.columns] + [a for c in ds.columns for a in c.aliases]
        assert len(headers) == len(set(headers)), f"ambiguous header in {ds.name}"
    official = CAT.dataset("official_stats")
    assert official.column_names == [
        "region", "indicator", "period", "value", "unit", "basis", "yoy_pct", "source", "note",
        "category",
    ]  # fmt: skip


def test_indicator_names_resolve_official_chinese_names() -> None:
    assert CAT.indicator_name("社会消费品零售总额").code == "retail_sales"
    assert CAT.indicator_name("限额以上单位消费品零售额").code == "retail_sales_above_size"
    with pytest.raises(NotFoundError):
        CAT.indicator_name("不存在的指标")


def _naive_check(first17: str) -> str:
    # Independent oracle: GB 32100-2015 weights written out as published, not computed as 3**i.
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = 0
    for i, ch in enumerate(first17):
        total += ALPHABET.index(ch) * weights[i]
    remainder = 31 - total % 31
    return "0" if remainder == 31 else ALPHABET[remainder]


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_matches_published_weights(first17: str) -> None:
    assert check_char(first17) == _naive_check(first17)
    assert is_valid_uscc(first17 + _naive_check(first17))


def test_uscc_rejects_wrong_check_char_and_bad_symbols() -> None:
    rng = random.Random(7)
    for _ in range(200):
        body = "".join(rng.choice(ALPHABET) for _ in range(17))
        good = body + check_char(body)
        wrong = next(c for c in ALPHABET if c != good[-1])
        assert is_valid_uscc(good)
        assert not is_valid_uscc(body + wrong)
    assert not is_valid_uscc("91350100M000100Y4I")  # I is not in the alphabet
    assert not is_valid_uscc("91350100m000100y43")  # lower case is not accepted
    assert is_valid_uscc(make_uscc("9", "1", "120101", "ABCDEFGH"))


def test_catalog_doc_is_current() -> None:
    from pathlib import Path

    from consumption_monitor.catalog.docs import catalog_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"
    assert doc.read_text(encoding="utf-8") == catalog_markdown(), "run `make docs`"
