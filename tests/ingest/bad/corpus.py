"""A corpus of bad inputs, each with the error it must produce.

Every case is ``Case(id, build, reason, column, row)``: ``build(folder)`` writes real files and
returns ``(paths, dataset, options)``; the load must be refused with a problem whose English
reason contains ``reason`` and, when given, whose location has that column header and row
(1-based as in the sheet, header counted).
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from consumption_monitor.catalog.uscc import make_uscc

Built = tuple[list[Path], str, dict[str, Any]]
E1 = make_uscc("9", "1", "120101", "MA05JYLX")
EM_HEAD = [
    "统一社会信用代码",
    "企业名称",
    "区划代码",
    "行业代码",
    "时期",
    "商品类别",
    "零售额",
    "网上零售额",
]
EM_ROW = [E1, "甲百货", "和平区", "F52", "2024年3月", "化妆品类", "100", "10"]
OS_HEAD = ["地区", "指标", "时期", "数值", "计量单位", "口径", "同比增长", "来源", "备注"]
OS_ROW = [
    "天津",
    "社会消费品零售总额",
    "2024年1-10月",
    "3123.5",
    "亿元",
    "ytd",
    "3.2",
    "统计局",
    "",
]
CT_HEAD = [
    "交易流水号",
    "交易时间",
    "商户号",
    "商户类别码",
    "交易金额",
    "渠道",
    "卡来源",
    "卡号摘要",
    "区划代码",
    "商圈编码",
]
CT_ROW = [
    "T1",
    "2024-10-01 12:00:00",
    "M1",
    "5411",
    "35.5",
    "线下",
    "本地",
    "h1",
    "120101",
    "BD001",
]
TP_HEAD = ["任务序号", "时期", "报送单位", "进展状态", "完成进度"]
TP_ROW = ["5", "2025年3月", "市商务局", "推进中", "40"]
KD_HEAD = ["统一社会信用代码", "日期", "业态", "区划代码", "销售额", "客流量"]
KD_ROW = [E1, "2024-10-01", "超市", "和平区", "1000", "200"]


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Built]
    reason: str
    column: str | None = None
    row: int | None = None


def _csv(path: Path, head: list[str], rows: list[list[Any]], enc: str = "utf-8") -> Path:
    text = "\n".join(",".join(str(c) for c in r) for r in [head, *rows]) + "\n"
    path.write_bytes(text.encode(enc))
    return path


def _xlsx(path: Path, head: list[str], rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _with(row: list[Any], i: int, value: Any) -> list[Any]:
    out = list(row)
    out[i] = value
    return out


def em(
    rows: list[list[Any]], head: list[str] = EM_HEAD, name: str = "em.csv"
) -> Callable[[Path], Built]:
    return lambda d: ([_csv(d / name, head, rows)], "enterprise_monthly", {})


def os_(rows: list[list[Any]], head: list[str] = OS_HEAD) -> Callable[[Path], Built]:
    return lambda d: ([_csv(d / "os.csv", head, rows)], "official_stats", {})


def ct(rows: list[list[Any]]) -> Callable[[Path], Built]:
    return lambda d: ([_csv(d / "ct.csv", CT_HEAD, rows)], "card_transactions", {})


def tp(rows: list[list[Any]]) -> Callable[[Path], Built]:
    def build(d: Path) -> Built:
        return [_csv(d / "tp.csv", TP_HEAD, rows)], "task_progress", {}

    return build


def kd(rows: list[list[Any]]) -> Callable[[Path], Built]:
    return lambda d: ([_csv(d / "kd.csv", KD_HEAD, rows)], "key_enterprise_daily", {})


# -- file-level builders ----------------------------------------------------------------------


def utf16(d: Path) -> Built:
    return [_csv(d / "u16.csv", EM_HEAD, [EM_ROW], "utf-16")], "enterprise_monthly", {}


def random_bytes(d: Path) -> Built:
    rng = random.Random(7)
    p = d / "noise.csv"
    p.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    return [p], "enterprise_monthly", {}


def invalid_gbk(d: Path) -> Built:
    p = d / "mixed.csv"
    p.write_bytes(",".join(EM_HEAD).encode("utf-8") + b"\n" + b"\x81\x20\xff\xfe\x80" * 50 + b"\n")
    return [p], "enterprise_monthly", {}


def truncated_xlsx(d: Path) -> Built:
    full = _xlsx(d / "full.xlsx", EM_HEAD, [EM_ROW] * 50)
    cut = d / "cut.xlsx"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return [cut], "enterprise_monthly", {}


def truncated_parquet(d: Path) -> Built:
    full = d / "full.parquet"
    pq.write_table(
        pa.table({h: [str(v)] * 100 for h, v in zip(EM_HEAD, EM_ROW, strict=True)}), full
    )
    cut = d / "cut.parquet"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) - 200])
    return [cut], "enterprise_monthly", {}


def empty_file(d: Path) -> Built:
    p = d / "empty.csv"
    p.write_bytes(b"")
    return [p], "enterprise_monthly", {}


def blank_lines_only(d: Path) -> Built:
    p = d / "blank.csv"
    p.write_text("\n\n  \n", encoding="utf-8")
    return [p], "enterprise_monthly", {}


def header_only_xlsx(d: Path) -> Built:
    return [_xlsx(d / "h.xlsx", EM_HEAD, [])], "enterprise_monthly", {}


def formula(d: Path) -> Built:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(EM_HEAD)
    ws.append(_with(EM_ROW, 6, 100))
    ws.append(_with(_with(EM_ROW, 4, "2024年4月"), 6, "=G2*2"))
    p = d / "formula.xlsx"
    wb.save(p)
    return [p], "enterprise_monthly", {}


def huge_cell_xlsx(d: Path) -> Built:
    # openpyxl cuts cells at Excel's limit on write (and calamine on read): patch the XML.
    src = _xlsx(d / "src.xlsx", EM_HEAD, [_with(EM_ROW, 1, "MARKER")])
    p = d / "huge.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data.replace(b"MARKER", "甲".encode() * 40_000))
    return [p], "enterprise_monthly", {}


def zip_bomb(d: Path) -> Built:
    p = d / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(260):
                fh.write(block)
    return [p], "enterprise_monthly", {}


def not_json(d: Path) -> Built:
    p = d / "bad.json"
    p.write_text('[{"统一社会信用代码": "x",', encoding="utf-8")
    return [p], "enterprise_monthly", {}


def docx(d: Path) -> Built:
    p = d / "report.docx"
    p.write_bytes(b"PK\x03\x04")
    return [p], "enterprise_monthly", {}


def missing_sheet(d: Path) -> Built:
    return [_xlsx(d / "s.xlsx", EM_HEAD, [EM_ROW])], "enterprise_monthly", {"sheet": "第二季度"}


def mixed_title_unit(d: Path) -> Built:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位：万元"])
    ws.append(_with(EM_HEAD, 6, "零售额(亿元)"))
    ws.append(EM_ROW)
    p = d / "units.xlsx"
    wb.save(p)
    return [p], "enterprise_monthly", {}


def duplicate_across_files(d: Path) -> Built:
    one = _csv(d / "a.csv", EM_HEAD, [EM_ROW])
    two = _xlsx(d / "b.xlsx", EM_HEAD, [_with(EM_ROW, 6, "999")])
    return [one, two], "enterprise_monthly", {}


def jsonl_bad_line(d: Path) -> Built:
    p = d / "x.jsonl"
    good = json.dumps(dict(zip(EM_HEAD, EM_ROW, strict=True)), ensure_ascii=False)
    p.write_text(good + "\n" + good[:-5] + "\n", encoding="utf-8")
    return [p], "enterprise_monthly", {}


def wide_row(d: Path) -> Built:
    buf = io.StringIO()
    buf.write(",".join(EM_HEAD) + "\n" + ",".join(EM_ROW) + "\n" + ",".join([*EM_ROW, "x"]) + "\n")
    p = d / "wide.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    return [p], "enterprise_monthly", {}


_P = OS_HEAD.index
CASES: list[Case] = [
    # unreadable, unsafe or empty files
    Case("utf16_csv", utf16, "UTF-16"),
    Case("random_bytes", random_bytes, "not a UTF-8 or GBK"),
    Case("invalid_gbk_bytes", invalid_gbk, "encoding is not UTF-8 or GBK"),
    Case("truncated_xlsx", truncated_xlsx, "corrupt or truncated"),
    Case("truncated_parquet", truncated_parquet, "corrupt or truncated"),
    Case("empty_file", empty_file, "the file is empty"),
    Case("blank_lines_only", blank_lines_only, "the file is empty"),
    Case("header_only_csv", em([]), "header but no data rows"),
    Case("header_only_xlsx", header_only_xlsx, "header but no data rows"),
    Case("formula_cell", formula, "formula", "G", 3),
    Case("huge_cell_xlsx", huge_cell_xlsx, "characters (Excel's limit", "B", 2),
    Case(
        "huge_cell_csv",
        os_([_with(OS_ROW, _P("备注"), "x" * 40_000)]),
        "longer than 32767",
        "备注",
        2,
    ),
    Case("zip_bomb", zip_bomb, "zip bomb"),
    Case("malformed_json", not_json, "malformed"),
    Case("malformed_jsonl_line", jsonl_bad_line, "malformed", None, 2),
    Case("unsupported_type", docx, "unsupported file type"),
    Case("missing_sheet", missing_sheet, "no sheet '第二季度'"),
    Case("csv_row_too_wide", wide_row, "cells but the header has"),
    # headers
    Case(
        "unknown_columns",
        em([[*EM_ROW, "红"]], [*EM_HEAD, "颜色"]),
        "unknown columns: 颜色",
        "颜色",
    ),
    Case(
        "missing_required_column", em([EM_ROW[:6]], EM_HEAD[:6]), "required column 'retail_sales'"
    ),
    Case(
        "two_columns_same_field",
        em([[*EM_ROW, "5"]], [*EM_HEAD, "商品零售额"]),
        "both mean 'retail_sales'",
    ),
    Case("mixed_units_title_vs_header", mixed_title_unit, "mixed units", "零售额(亿元)"),
    Case(
        "percent_header_on_money",
        em([EM_ROW], _with(EM_HEAD, 6, "零售额(%)")),
        "does not fit column",
    ),
    # cells
    Case("negative_amount", em([_with(EM_ROW, 6, "-5")]), "negative", "零售额", 2),
    Case("text_in_number", em([_with(EM_ROW, 6, "一百")]), "not a number", "零售额", 2),
    Case("percent_sign_in_money", em([_with(EM_ROW, 6, "12%")]), "percent sign", "零售额", 2),
    Case("impossible_date", kd([_with(KD_ROW, 1, "2024-02-30")]), "has no day 30", "日期", 2),
    Case("not_a_date", kd([_with(KD_ROW, 1, "十月一日")]), "not a date", "日期", 2),
    Case("future_date", kd([_with(KD_ROW, 1, "2099-01-01")]), "in the future", "日期", 2),
    Case("not_whole_number", kd([_with(KD_ROW, 5, "12.5")]), "not a whole number", "客流量", 2),
    Case(
        "bad_uscc_checksum",
        em([_with(EM_ROW, 0, E1[:-1] + ("1" if E1[-1] != "1" else "2"))]),
        "check character",
        "统一社会信用代码",
        2,
    ),
    Case(
        "uscc_wrong_length",
        em([_with(EM_ROW, 0, "91120101MA05")]),
        "18 characters",
        "统一社会信用代码",
        2,
    ),
    Case("duplicate_row", em([EM_ROW, EM_ROW]), "duplicate key", None, 3),
    Case("duplicate_across_files", duplicate_across_files, "same as a.csv row 2", None, 2),
    Case("future_period", em([_with(EM_ROW, 4, "2099年3月")]), "in the future", "时期", 2),
    Case(
        "january_alone",
        em([_with(EM_ROW, 4, "2024年1月")]),
        "January is reported together",
        "时期",
        2,
    ),
    Case(
        "unrecognised_period", em([_with(EM_ROW, 4, "去年三月")]), "unrecognised period", "时期", 2
    ),
    Case(
        "unknown_district_code", em([_with(EM_ROW, 2, "120199")]), "unknown district", "区划代码", 2
    ),
    Case(
        "required_value_missing",
        em([_with(EM_ROW, 2, "")]),
        "required value is missing",
        "区划代码",
        2,
    ),
    Case(
        "unknown_category",
        em([_with(EM_ROW, 5, "玩具类")]),
        "unknown commodity category",
        "商品类别",
        2,
    ),
    Case("unknown_industry", em([_with(EM_ROW, 3, "Z99")]), "unknown industry", "行业代码", 2),
    Case(
        "unknown_mcc",
        ct([_with(CT_ROW, 3, "1234")]),
        "unknown merchant category code",
        "商户类别码",
        2,
    ),
    Case(
        "bad_enum_value", ct([_with(CT_ROW, 5, "手机")]), "not one of the allowed values", "渠道", 2
    ),
    Case(
        "unknown_business_district",
        ct([_with(CT_ROW, 9, "BD999")]),
        "unknown business district",
        "商圈编码",
        2,
    ),
    Case(
        "future_timestamp",
        ct([_with(CT_ROW, 1, "2099-10-01 12:00:00")]),
        "in the future",
        "交易时间",
        2,
    ),
    Case("bad_timestamp", ct([_with(CT_ROW, 1, "昨天中午")]), "not a date-time", "交易时间", 2),
    Case(
        "percent_above_bounds",
        lambda d: (
            [
                _csv(
                    d / "tp.csv",
                    ["任务序号", "时期", "报送单位", "进展状态", "完成进度"],
                    [["1", "2024年10月", "市商务局", "推进中", "120%"]],
                )
            ],
            "task_progress",
            {},
        ),
        "above the maximum 100",
        "完成进度",
        2,
    ),
    Case(
        "growth_below_minus_100",
        os_([_with(OS_ROW, _P("同比增长"), "-120")]),
        "below the minimum -100",
        "同比增长",
        2,
    ),
    # #18 item 7 / #21 item 12: plausibility bounds (the figures)
    Case("negative_retail_sales", os_([_with(OS_ROW, 3, "-35699")]), "negative", "数值", 2),
    Case(
        "growth_above_1000",
        os_([_with(OS_ROW, _P("同比增长"), "4399.2")]),
        "above the maximum 1000",
        "同比增长",
        2,
    ),
    Case(
        "absurd_card_amount",
        ct([_with(CT_ROW, 4, "99999999999999")]),
        "above the maximum 1e+08",
        "交易金额",
        2,
    ),
    Case("unknown_indicator", os_([_with(OS_ROW, 1, "幸福指数")]), "unknown indicator", "指标", 2),
    Case("unknown_region", os_([_with(OS_ROW, 0, "火星")]), "unknown region", "地区", 2),
    Case(
        "basis_contradicts_label",
        os_([_with(OS_ROW, _P("口径"), "month")]),
        "basis contradicts",
        "口径",
        2,
    ),
    Case(
        "basis_not_inferable",
        os_([_with(_with(OS_ROW, 2, "2024-10"), _P("口径"), "")]),
        "basis is empty",
        "口径",
        2,
    ),
    Case(
        "quarter_with_year_basis",
        os_([_with(_with(OS_ROW, 2, "2024Q1"), _P("口径"), "year")]),
        "basis contradicts",
        "口径",
        2,
    ),
    Case(
        "neither_value_nor_growth",
        os_([_with(_with(OS_ROW, 3, "—"), _P("同比增长"), "")]),
        "neither a value nor a growth",
        "数值",
        2,
    ),
    Case(
        "mixed_units_header_vs_cell",
        os_([OS_ROW], _with(OS_HEAD, 3, "数值(万元)")),
        "mixed units",
        "计量单位",
        2,
    ),
    Case(
        "mixed_units_same_indicator",
        os_([OS_ROW, _with(_with(OS_ROW, 2, "2024年1-9月"), 4, "万元")]),
        "mixed units",
        "计量单位",
        3,
    ),
    Case("unit_unknown", os_([_with(OS_ROW, 4, "亿美元")]), "unknown unit", "计量单位", 2),
    Case(
        "unit_does_not_fit_indicator",
        os_([_with(OS_ROW, 4, "%")]),
        "does not fit the indicator",
        "计量单位",
        2,
    ),
    # plan registry look-ups
    Case(
        "unknown_unit",
        tp([_with(TP_ROW, 2, "市不存在局")]),
        "unknown responsible unit",
        "报送单位",
        2,
    ),
    Case("unknown_task", tp([_with(TP_ROW, 0, "51")]), "unknown task", "任务序号", 2),
]
