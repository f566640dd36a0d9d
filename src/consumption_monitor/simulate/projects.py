"""Major investment projects (projects) along the consumer-goods industry chains.

Five chains with their links; every link gets at least one project except one link left empty
on purpose (recorded in truth as ``empty_chain_link``) so chain-gap views have something to find.
Investment in 亿元; stage dates are consistent (signed ≤ start ≤ operation ≤ full capacity).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.uscc import make_uscc
from consumption_monitor.simulate.config import STREAM_PROJECTS, SimConfig

CHAINS: dict[str, tuple[str, ...]] = {
    "美妆": ("原料研发", "生产制造", "包装", "品牌运营", "渠道零售"),
    "宠物": ("宠物食品", "宠物用品", "宠物医疗", "宠物服务"),
    "智能家居": ("芯片模组", "整机制造", "软件平台", "安装服务"),
    "新能源汽车后市场": ("充换电", "维修保养", "二手车", "电池回收"),
    "冷链食品": ("冷链仓储", "冷链物流", "中央厨房", "生鲜零售"),
}
_STAGES = ("negotiating", "signed", "construction", "operation", "full_capacity")
_LEADS = ("市商务局", "市工业和信息化局")


def project_rows(cfg: SimConfig) -> tuple[list[list[object]], dict[str, str]]:
    """Rows in schema order (Chinese stage labels) and the deliberately empty chain link."""
    rng = cfg.rng(STREAM_PROJECTS)
    cat = load_catalog()
    stage_zh = cat.dataset("projects").column("stage").labels_zh or {}
    chains = list(CHAINS)
    gap_chain = chains[int(rng.integers(len(chains)))]
    gap_link = CHAINS[gap_chain][int(rng.integers(len(CHAINS[gap_chain])))]
    dw = np.array([d.weight for d in cat.districts])
    end = cfg.end_date
    rows: list[list[object]] = []
    for chain in chains:
        for link in CHAINS[chain]:
            if (chain, link) == (gap_chain, gap_link):
                continue
            for _ in range(1 + int(rng.integers(0, 2))):
                d = cat.districts[int(rng.choice(len(dw), p=dw / dw.sum()))]
                seq = len(rows) + 1
                stage_i = int(rng.integers(len(_STAGES)))
                signed = end - dt.timedelta(days=int(rng.integers(60, 900)))
                plan_start = signed + dt.timedelta(days=int(rng.integers(30, 180)))
                plan_op = plan_start + dt.timedelta(days=int(rng.integers(180, 540)))
                plan_full = plan_op + dt.timedelta(days=int(rng.integers(180, 365)))
                actual: list[dt.date | None] = [None, None, None]
                for k, planned in enumerate((plan_start, plan_op, plan_full)):
                    if stage_i >= k + 2:
                        late = dt.timedelta(days=int(rng.integers(-20, 90)))
                        actual[k] = min(planned + late, end)
                org = "".join(str(int(x)) for x in rng.integers(0, 10, 6))
                rows.append(
                    [
                        f"XM{seq:04d}",
                        f"{d.name_zh}{chain}{link}项目{seq}",
                        chain,
                        link,
                        d.code,
                        round(float(rng.lognormal(1.8, 0.9)), 2),
                        stage_zh[_STAGES[stage_i]],
                        _LEADS[int(rng.integers(len(_LEADS)))],
                        make_uscc("9", "1", d.code, "MA" + org),
                        None if stage_i == 0 else signed,
                        plan_start,
                        actual[0],
                        plan_op,
                        actual[1],
                        plan_full,
                        actual[2],
                    ]
                )
    return rows, {"chain": gap_chain, "link": gap_link}
