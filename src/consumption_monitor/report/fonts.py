"""The CJK font of charts and PDFs: WenQuanYi Micro Hei from the Debian package
``fonts-wqy-microhei`` (TrueType outlines in a .ttc, so both matplotlib and reportlab can embed
it; Noto CJK ships CFF outlines, which reportlab cannot embed).

The font is registered explicitly from a known path, never left to font discovery: a missing
font would otherwise print Chinese as empty boxes without any error.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from consumption_monitor.errors import ConfigError

#: Debian package that provides the font (``apt-get install -y fonts-wqy-microhei``).
FONT_PACKAGE = "fonts-wqy-microhei"
#: Where Debian installs it, then TrueType-outline alternatives.
FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
REPORTLAB_FONT = "CmonCJK"


def cjk_font_path(candidates: tuple[Path, ...] = FONT_CANDIDATES) -> Path:
    """The first installed candidate; :class:`ConfigError` naming the package when none is."""
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(
        "no CJK font found for report charts and PDFs (looked for "
        + ", ".join(p.as_posix() for p in candidates) + ")",
        "找不到报告图表和PDF所需的中文字体",
        hint_en=f"install the Debian package: apt-get install -y {FONT_PACKAGE}",
        hint_zh=f"请安装 Debian 软件包：apt-get install -y {FONT_PACKAGE}",
    )  # fmt: skip


@cache
def matplotlib_family() -> str:
    """Register the font with matplotlib and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    name: str = font_manager.FontProperties(fname=str(path)).get_name()
    return name


@cache
def reportlab_font() -> str:
    """Register the font with reportlab (first face of a .ttc) and return its name."""
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped, unused-ignore]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped, unused-ignore]

    pdfmetrics.registerFont(TTFont(REPORTLAB_FONT, str(cjk_font_path()), subfontIndex=0))
    return REPORTLAB_FONT
