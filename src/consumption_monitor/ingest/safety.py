"""Checks that run before a spreadsheet is parsed: zip bombs, corrupt archives and formulas.

An .xlsx file is a zip archive. Its entries declare their uncompressed sizes; a file whose
entries would expand beyond :data:`MAX_UNCOMPRESSED` bytes, or any large entry compressed
more than :data:`MAX_RATIO` times, is refused before any XML is read. Then every entry is
decompressed once, counting the bytes it really yields: an entry whose declared size or
checksum lies, a broken deflate stream, or an XML part with a document type declaration
(``<!DOCTYPE``/``<!ENTITY``: external entities, entity expansion; Excel never writes one) is
refused. Formula cells are found by scanning the sheet XML for ``<f>`` elements (streamed,
bounded by the same limit), with or without an ``r=`` reference (a cell without one is located
by counting its row and position): calamine would return the cached result, which may be stale
or absent, so a formula is refused rather than trusted.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from consumption_monitor.ingest.problems import Problem

#: Largest total uncompressed size of an .xlsx archive (bytes).
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Largest compression ratio of any entry bigger than :data:`RATIO_FLOOR` bytes.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
#: Excel's own limit on the characters in one cell.
MAX_CELL_CHARS = 32_767

_FORMULA = re.compile(rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b")
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
#: A document type declaration anywhere in an XML part (external entities, entity expansion).
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)\b", re.IGNORECASE)
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ALT = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_REL_ALT = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for ent, ch in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(ent, ch)
    return re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)


def check_zip(path: Path, file: str) -> list[Problem]:
    """Refuse corrupt archives and zip bombs from the declared entry sizes alone."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return [
            Problem(
                f"the workbook is not a readable .xlsx file (corrupt or truncated: {exc})",
                "工作簿不是可读取的 .xlsx 文件（文件损坏或不完整）",
                file=file,
                hint_en="open it in Excel/WPS and save it again, or send the original file",
                hint_zh="请用 Excel/WPS 打开后重新保存，或重新获取原始文件",
            )
        ]
    total = sum(i.file_size for i in infos)
    worst = max(
        (i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > RATIO_FLOOR),
        default=0.0,
    )
    if total > MAX_UNCOMPRESSED or worst > MAX_RATIO:
        return [_bomb(file, total, worst)]
    return _check_entries(path, file)


def _bomb(file: str, total: float, worst: float) -> Problem:
    return Problem(
        f"the workbook would expand to {total / 1e6:.0f} MB (compression ratio up to "
        f"{worst:.0f}); refused as a possible zip bomb",
        f"工作簿解压后约 {total / 1e6:.0f} MB（压缩比最高 {worst:.0f} 倍），疑似压缩炸弹，拒绝读取",
        file=file,
        hint_en=f"split the data into files under {MAX_UNCOMPRESSED // 2**20} MB, or "
        "send it as CSV or Parquet",
        hint_zh="请拆分为较小的文件，或改用 CSV / Parquet 格式提交",
    )


def _check_entries(path: Path, file: str) -> list[Problem]:
    """Decompress every entry once: real sizes, checksums and DTDs, not the declared ones."""
    real = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
                tail = b""
                with zf.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        real += len(chunk)
                        if real > MAX_UNCOMPRESSED:
                            return [_bomb(file, real, 0.0)]
                        if xml and _DTD.search(tail + chunk):
                            return [_dtd(file, info.filename)]
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        return [
            Problem(
                f"the workbook is not a readable .xlsx file (an entry is corrupt, or its size "
                f"or checksum does not match its content: {exc})",
                "工作簿不是可读取的 .xlsx 文件"
                "（压缩包内文件损坏，或其声明的大小、校验值与内容不符）",
                file=file,
                hint_en="open it in Excel/WPS and save it again, or send the original file",
                hint_zh="请用 Excel/WPS 打开后重新保存，或重新获取原始文件",
            )
        ]
    return []


def _dtd(file: str, member: str) -> Problem:
    return Problem(
        f"the workbook part {member} declares a document type (<!DOCTYPE>/<!ENTITY>); refused "
        "because such declarations can read other files or expand without limit",
        f"工作簿内部文件 {member} 含有文档类型声明（<!DOCTYPE>/<!ENTITY>），"
        "可能读取服务器文件或无限展开，拒绝读取",
        file=file,
        value=member,
        hint_en="open it in Excel/WPS and save it again as .xlsx (Excel never writes these)",
        hint_zh="请用 Excel/WPS 打开后另存为 .xlsx（正常保存的工作簿不含此类声明）",
    )


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet XML path inside the archive."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {rid: tgt for tgt, rid in _REL.findall(rels)}
    targets.update(dict(_REL_ALT.findall(rels)))
    names = {rid: name for name, rid in _SHEET.findall(book)}
    names.update(dict(_SHEET_ALT.findall(book)))
    out: dict[str, str] = {}
    for rid, name in names.items():
        target = _unescape(targets.get(rid, b""))
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[_unescape(name)] = path
    return out


def find_formulas(path: Path, file: str, sheets: list[str]) -> list[Problem]:
    """One problem per sheet listing its formula cells (first few named)."""
    problems: list[Problem] = []
    with zipfile.ZipFile(path) as zf:
        paths = _sheet_paths(zf)
        for sheet in sheets:
            member = paths.get(sheet)
            if member is None:
                continue
            cells = _scan(zf, member)
            if not cells:
                continue
            col, row = cells[0]
            shown = "、".join(f"{c}{r}" for c, r in cells[:5])
            problems.append(
                Problem(
                    f"the sheet contains {len(cells)} formula cell(s) (e.g. {shown}); formulas are "
                    "not accepted because their stored results may be stale",
                    f"工作表含 {len(cells)} 个公式单元格（如 {shown}），"
                    "公式结果可能未更新，不予接收",
                    file=file,
                    sheet=sheet,
                    row=row,
                    column=col,
                    hint_en="copy the sheet and paste as values only (选择性粘贴→数值), then save",
                    hint_zh="请复制后“选择性粘贴→数值”，去掉公式再保存提交",
                )
            )
    return problems


def _scan(zf: zipfile.ZipFile, member: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    unreferenced = False
    tail = b""
    read = 0
    with zf.open(member) as fh:
        while chunk := fh.read(1 << 20):
            read += len(chunk)
            if read > MAX_UNCOMPRESSED:
                break
            buf = tail + chunk
            for m in _FORMULA.finditer(buf):
                ref = _CELL_REF.search(m.group(1))
                if ref is None:
                    unreferenced = True
                else:
                    found.append((ref.group(1).decode(), int(ref.group(2))))
            # Overlap chunks so a tag split across them is still seen; duplicates are dropped.
            tail = buf[-512:]
    if unreferenced:  # rare: locate every formula by counting rows and cells
        found = _locate_formulas(zf, member)
    return list(dict.fromkeys(found))


def _letters(index: int) -> str:
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _locate_formulas(zf: zipfile.ZipFile, member: str) -> list[tuple[str, int]]:
    """Formula cells of a sheet, each located as Excel does when ``r=`` is missing: a row
    without ``r`` follows the previous row, a cell without ``r`` the previous cell. The archive
    passed :func:`check_zip` (no DTD, checked again here), so the standard parser is safe."""
    found: list[tuple[str, int]] = []
    row, col, formula = 0, -1, False
    with zf.open(member) as fh:
        if _DTD.search(fh.read(1 << 16)):
            return found
    with zf.open(member) as fh:
        # No DTD, so no entity to expand or fetch: ElementTree is safe on this input.
        for event, elem in ElementTree.iterparse(fh, events=("start", "end")):  # noqa: S314
            tag = elem.tag.rsplit("}", 1)[-1]
            if event == "start" and tag == "row":
                r = elem.get("r")
                row = int(r) if r and r.isdigit() else row + 1
                col = -1
            elif event == "start" and tag == "c":
                ref = _CELL_REF.search(f'r="{elem.get("r", "")}"'.encode())
                col = _column_index(ref.group(1).decode()) if ref else col + 1
                formula = False
            elif event == "start" and tag == "f":
                formula = True
            elif event == "end" and tag == "c":
                if formula:
                    found.append((_letters(col), row))
                elem.clear()
            elif event == "end" and tag == "row":
                elem.clear()
    return found


_LONG_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]{%d,})</(?:\w+:)?t>" % (MAX_CELL_CHARS + 1))
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(.*?)</(?:\w+:)?c>", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _long(raw: bytes) -> bool:
    return len(_unescape(raw)) > MAX_CELL_CHARS


def find_huge_cells(path: Path, file: str, sheets: list[str]) -> list[Problem]:
    """Cells longer than Excel's 32,767-character limit (calamine would silently cut them).

    The raw XML is searched only for text runs long enough to matter, so the common case is one
    regular-expression pass; cells are located only when such a run exists.
    """
    problems: list[Problem] = []
    with zipfile.ZipFile(path) as zf:
        long_shared: set[bytes] = set()
        if "xl/sharedStrings.xml" in zf.namelist():
            shared = zf.read("xl/sharedStrings.xml")
            for m in _LONG_TEXT.finditer(shared):
                if _long(m.group(1)):
                    long_shared.add(str(shared.count(b"<si", 0, m.start()) - 1).encode())
        paths = _sheet_paths(zf)
        for sheet in sheets:
            member = paths.get(sheet)
            if member is None:
                continue
            xml = zf.read(member)
            if not long_shared and not any(_long(m.group(1)) for m in _LONG_TEXT.finditer(xml)):
                continue
            for m in _CELL.finditer(xml):
                attrs, body = m.group(1), m.group(2)
                shared_hit = b't="s"' in attrs and any(
                    f"<v>{i.decode()}</v>".encode() in body for i in long_shared
                )
                inline_hit = any(_long(t.group(1)) for t in _LONG_TEXT.finditer(body))
                ref = _REF.search(attrs)
                if (shared_hit or inline_hit) and ref:
                    problems.append(_huge(file, sheet, ref.group(1).decode(), int(ref.group(2))))
                    break
    return problems


def _huge(file: str, sheet: str, column: str, row: int) -> Problem:
    return Problem(
        f"a cell holds more than {MAX_CELL_CHARS} characters (Excel's limit)",
        f"单元格内容超过 Excel 上限 {MAX_CELL_CHARS} 个字符",
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        hint_en="shorten the cell or move long text to an attachment",
        hint_zh="请缩短该单元格内容，长文本请作为附件提交",
    )
