"""Real input files for the ingestion tests: one canonical table written in every format."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from consumption_monitor.catalog.uscc import make_uscc

E1 = make_uscc("9", "1", "120101", "MA05JYLX")
E2 = make_uscc("9", "1", "120104", "MA06ABCD")
E3 = make_uscc("9", "1", "120116", "MA07QWER")

#: enterprise_monthly as stored: (enterprise_id, name, district, industry, period, category,
#: retail_sales 万元, online_retail_sales 万元).
CANONICAL: list[tuple[Any, ...]] = [
    (E1, "甲百货", "120101", "F52", "2024-02", "apparel", 1234.5, 100.0),
    (E1, "甲百货", "120101", "F52", "2024-03", "apparel", 800.0, None),
    (E2, "乙超市", "120104", "F52", "2024-02", "grain_food", 52000.25, 3000.0),
    (E3, "丙汽车", "120116", "F52", "2024-03", "automobile", 0.0, 0.0),
]
HEAD_ZH = ["统一社会信用代码", "企业名称", "区划代码", "行业代码", "时期", "商品类别", "零售额",
           "网上零售额"]  # fmt: skip
HEAD_EN = ["enterprise_id", "enterprise_name", "district_code", "industry", "period", "category",
           "retail_sales", "online_retail_sales"]  # fmt: skip
#: How people write the same rows: district names, Chinese period labels, category variants.
_DISTRICT = {"120101": "和平区", "120104": "南开区", "120116": "滨海新区"}
_PERIOD = {"2024-02": "2024年1-2月", "2024-03": "2024年3月"}
_CATEGORY = {"apparel": "服装鞋帽针纺织品类", "grain_food": "粮油、食品类", "automobile": "汽车类"}


def human_rows() -> list[list[Any]]:
    """The canonical rows as a statistician types them (names, labels, thousands separators)."""
    out = []
    for e, name, d, ind, p, c, sales, online in CANONICAL:
        out.append([e, name, _DISTRICT[d], ind, _PERIOD[p], _CATEGORY[c],
                    f"{sales:,.2f}", "—" if online is None else f"{online:g}"])  # fmt: skip
    return out


def write_csv(
    path: Path, header: list[str], rows: list[list[Any]], encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]], title: str = "") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_merged_xlsx(path: Path) -> Path:
    """A workbook as offices make them: a title line with the unit, a two-row header with
    merged cells (企业信息 over three columns, 销售情况 over two, vertical merges elsewhere),
    a district merged down over its rows, numbers typed as numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "限上企业"
    ws.append(["2024年限额以上企业商品零售额（单位：万元）"])
    ws.append(["企业信息", None, None, "行业代码", "时期", "商品类别", "销售情况", None])
    ws.append(["统一社会信用代码", "企业名称", "所在区", None, None, None, "零售额", "网上零售额"])
    ws.merge_cells("A1:H1")
    ws.merge_cells("A2:C2")
    ws.merge_cells("G2:H2")
    for col in "DEF":
        ws.merge_cells(f"{col}2:{col}3")
    for e, name, d, ind, p, c, sales, online in CANONICAL:
        ws.append([e, name, _DISTRICT[d], ind, _PERIOD[p], _CATEGORY[c], sales, online])
    # The first two rows belong to the same enterprise and district: merge its cells down.
    ws.merge_cells("C4:C5")
    ws2 = wb.create_sheet("填写说明")
    ws2.append(["本表为示例"])
    wb.save(path)
    return path


def write_parquet(path: Path) -> Path:
    """English headers, money in 亿元 in the header (converted back to 万元 on ingest)."""
    cols = list(zip(*CANONICAL, strict=True))
    table = pa.table({
        "enterprise_id": list(cols[0]), "enterprise_name": list(cols[1]),
        "district_code": list(cols[2]), "industry": list(cols[3]), "period": list(cols[4]),
        "category": list(cols[5]),
        "retail_sales(亿元)": [v / 1e4 for v in cols[6]],
        "online_retail_sales(亿元)": [None if v is None else v / 1e4 for v in cols[7]],
    })  # fmt: skip
    pq.write_table(table, path)
    return path


def records() -> list[dict[str, Any]]:
    return [dict(zip(HEAD_EN, row, strict=True)) for row in CANONICAL]


def write_json(path: Path) -> Path:
    path.write_text(json.dumps({"data": records(), "count": 4}, ensure_ascii=False), "utf-8")
    return path


def write_jsonl(path: Path) -> Path:
    lines = [
        json.dumps(dict(zip(HEAD_ZH, r, strict=True)), ensure_ascii=False) for r in human_rows()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lake_table(settings: Any, dataset: str) -> pa.Table:
    """Every visible row of ``dataset``, read straight from the batch's Parquet files."""
    from consumption_monitor.store import Store

    with Store(settings) as store:
        files = store.files(dataset)
    return pa.concat_tables([pq.read_table(f) for f in files]) if files else pa.table({})


def lake_files(settings: Any) -> list[Path]:
    """Every Parquet file under the lake (committed, staged or quarantined)."""
    return sorted(settings.lake_dir.rglob("*.parquet")) if settings.lake_dir.exists() else []
