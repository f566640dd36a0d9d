"""``cmon projects`` / ``cmon chains`` / ``cmon profile``: major projects and targeted promotion."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from consumption_monitor import clock
from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table
from consumption_monitor.config import load_settings

projects_app = typer.Typer(
    name="projects",
    help="重大项目：清单、节点与进度状态 / major projects: list, milestones, schedule status.",
    no_args_is_help=True,
)
chains_app = typer.Typer(
    name="chains",
    help="产业链图谱：强弱、缺口与招商候选 / industry chains: strength, gaps, candidates.",
    no_args_is_help=True,
)

commands = typer.Typer()
commands.add_typer(projects_app, name="projects")
commands.add_typer(chains_app, name="chains")

DistrictOpt = Annotated[str | None, typer.Option("--district", help="District code or name.")]
ChainOpt = Annotated[str | None, typer.Option("--chain", help="Chain id or name (美妆, pet…).")]
StageOpt = Annotated[
    str | None, typer.Option("--stage", help="Stage: negotiating/signed/construction/… or 在谈…")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Judge as of this date (YYYY-MM-DD; default today).")
]
MembershipOpt = Annotated[
    Path | None,
    typer.Option("--membership", help="CSV/Parquet of enterprise_id, chain, link (office list)."),
]


def _as_of(text: str | None) -> date:
    if text is None:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("--as-of must be YYYY-MM-DD") from None


def _projects(
    district: str | None = None, chain: str | None = None, stage: str | None = None
) -> pd.DataFrame:
    from consumption_monitor.projects import filter_projects
    from consumption_monitor.projects.sources import load_projects

    df = load_projects(load_settings())
    return filter_projects(df, district=district, chain=chain, stage=stage)


def _district_name(code: str, lang: str) -> str:
    from consumption_monitor.catalog import load_catalog

    cat = load_catalog()
    return cat.region_name(code, lang) if cat.has_district(code) else code


def _num(value: object, digits: int = 2) -> str:
    """A number for a table cell; blank for None/NaN."""
    if isinstance(value, int | float) and not pd.isna(value):
        return f"{value:,.{digits}f}"
    return ""


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    from consumption_monitor.chains import records

    return records(frame)


@command(projects_app, "list")
def list_projects(
    district: DistrictOpt = None,
    chain: ChainOpt = None,
    stage: StageOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """List major projects. 列出重大项目。"""
    lang = reply.lang
    from consumption_monitor.projects import Stage

    df = _projects(district, chain, stage)
    if reply.json:
        data = _records(df)
        total = round(float(df["investment"].sum()), 6)
        return {"data": data, "count": len(data), "investment_total": total}
    zh = lang == "zh"
    cols = (
        ["编号", "名称", "产业链", "环节", "区", "总投资(亿元)", "阶段"]
        if zh
        else ["id", "name", "chain", "link", "district", "investment (100m yuan)", "stage"]
    )
    rows = [
        [r["project_id"], r["name"], r["chain"], r["link"],
         _district_name(r["district_code"], lang), f"{r['investment']:,.2f}",
         Stage(r["stage"]).zh if zh else r["stage"]]
        for r in df.to_dict("records")
    ]  # fmt: skip
    amount = f"{df['investment'].sum():,.2f}"
    cap = f"共 {len(df)} 个项目，总投资 {amount} 亿元" if zh else f"{len(df)} projects, {amount}"
    print_table("重大项目" if zh else "Major projects", cols, rows, caption=cap)


@command(projects_app, "show")
def show_project(
    project_id: Annotated[str, typer.Argument(help="Project id, e.g. XM0001.")],
    as_of: AsOfOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """One project: milestones planned vs actual, status, transitions, problems. 项目详情。"""
    lang = reply.lang
    from consumption_monitor.errors import NotFoundError
    from consumption_monitor.projects import (
        MILESTONES,
        check_record,
        project_status,
        transitions_from_record,
    )

    when = _as_of(as_of)
    df = _projects()
    hit = df[df["project_id"] == project_id]
    if hit.empty:
        raise NotFoundError(f"no project {project_id!r}", f"未找到项目 {project_id!r}")
    row = _records(hit)[0]
    status = project_status(row, when)
    milestones = [
        {"stage": m.stage.value, "name_zh": m.name_zh, "planned": row.get(m.planned or ""),
         "actual": row.get(m.actual)}
        for m in MILESTONES
    ]  # fmt: skip
    problems = [p.model_dump() for p in check_record(row, when)]
    out = {
        "project": row,
        "as_of": when,
        "milestones": milestones,
        "status": status.to_dict(),
        "transitions": [t.model_dump(mode="json") for t in transitions_from_record(row)],
        "problems": problems,
    }
    if reply.json:
        return out
    zh = lang == "zh"
    console().print(f"[bold]{row['project_id']} {row['name']}[/]")
    print_table(
        "节点（计划/实际）" if zh else "Milestones (planned / actual)",
        ["节点", "计划", "实际"] if zh else ["milestone", "planned", "actual"],
        [[m["name_zh"] if zh else m["stage"], m["planned"], m["actual"]] for m in milestones],
    )
    console().print(status.explanation_zh if zh else status.explanation_en, highlight=False)
    for p in problems:
        console().print(f"- {p['message_zh'] if zh else p['message_en']}", highlight=False)


@command(projects_app, "status")
def status_command(
    district: DistrictOpt = None,
    chain: ChainOpt = None,
    stage: StageOpt = None,
    as_of: AsOfOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Schedule status of every project (RAG), worst first. 项目进度状态（红黄绿）。"""
    lang = reply.lang
    from consumption_monitor.projects import project_statuses

    when = _as_of(as_of)
    statuses = project_statuses(_projects(district, chain, stage), when)
    data = [s.to_dict() for s in statuses]
    if reply.json:
        return {"as_of": when, "data": data, "count": len(data)}
    zh = lang == "zh"
    cols = (
        ["编号", "名称", "阶段", "状态", "预警", "待完成节点", "计划日期", "滞后(月)"]
        if zh
        else ["id", "name", "stage", "status", "RAG", "pending", "planned", "delay (months)"]
    )
    rows = [
        [d["project_id"], d["name"], d["stage_zh"] if zh else d["stage"],
         d["status_zh"] if zh else d["status"], d["rag"],
         d["pending_zh"] if zh else d["pending"], d["planned_date"],
         _num(d["delay_months"], 1)]
        for d in data
    ]  # fmt: skip
    print_table("项目进度" if zh else "Project status", cols, rows, caption=f"as of {when}")


@command(projects_app, "investment")
def investment_command(
    by: Annotated[
        str, typer.Option("--by", help="stage, district_code, chain_id, link_id or lead_unit.")
    ] = "stage",
    matrix: Annotated[
        bool, typer.Option("--matrix", help="Rows of --by, one column per stage.")
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """Investment (亿元) and project counts by stage, district or chain. 分阶段投资汇总。"""
    lang = reply.lang
    from consumption_monitor.projects import investment_by, stage_matrix

    df = _projects()
    table = stage_matrix(df, by) if matrix else investment_by(df, [by])
    if reply.json:
        return {"by": by, "data": _records(table), "count": len(table)}
    rows = [[f"{v:,.2f}" if isinstance(v, float) else v for v in r] for r in table.values]
    print_table("投资汇总（亿元）" if lang == "zh" else "Investment", list(table.columns), rows)


def _chain_data(membership: Path | None, *, cards: bool = False) -> Any:
    from consumption_monitor.projects.sources import load_chain_data
    from consumption_monitor.store import EVERY_BATCH

    # Shell access reads every batch, as the office does (unpublished submissions included).
    return load_chain_data(
        load_settings(), membership_path=membership, with_cards=cards, viewer=EVERY_BATCH
    )


def _gaps(data: Any) -> pd.DataFrame:
    from consumption_monitor.chains import gap_analysis, link_strength

    strength = link_strength(
        data.chains, data.enterprise_monthly, data.projects, data.membership, latest=data.latest
    )
    return gap_analysis(strength, data.chains.thresholds)


@command(chains_app, "list")
def list_chains(membership: MembershipOpt = None, *, reply: Reply) -> Answer:
    """Chains with enterprises, sales, projects and gap counts. 产业链概况。"""
    lang = reply.lang
    from consumption_monitor.chains import chain_summary
    from consumption_monitor.chains.strength import sales_text

    data = _chain_data(membership)
    summary = chain_summary(_gaps(data), data.membership)
    if reply.json:
        out = _records(summary)
        return {"latest_period": data.latest, "data": out, "count": len(out)}
    zh = lang == "zh"
    cols = (
        ["产业链", "环节", "企业", "销售额", "增速%", "落地项目", "投资(亿元)", "缺失", "薄弱"]
        if zh
        else ["chain", "links", "enterprises", "sales", "growth %", "projects",
              "investment", "missing", "weak"]
    )  # fmt: skip
    rows = [
        [r["chain_zh"] if zh else r["chain_en"], r["links"], r["enterprises"],
         sales_text(r["sales"], r.get("sales_note"), lang), _num(r["growth_pct"]),
         r["projects"], f"{r['investment']:,.2f}",
         ", ".join(r["missing_links"]), ", ".join(r["weak_links"])]
        for r in summary.to_dict("records")
    ]  # fmt: skip
    print_table("产业链" if zh else "Industry chains", cols, rows, caption=str(data.latest))


@command(chains_app, "show")
def show_chain(
    chain: Annotated[str, typer.Argument(help="Chain id or name (美妆, beauty…).")],
    membership: MembershipOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """One chain's links upstream → downstream, with strength and the graph. 产业链详情。"""
    lang = reply.lang
    from consumption_monitor.chains import chain_graph
    from consumption_monitor.chains.strength import sales_text

    data = _chain_data(membership)
    c = data.chains.chain(chain)
    gaps = _gaps(data)
    mine = gaps[gaps["chain_id"] == c.id].sort_values("position")
    if reply.json:
        return {"links": _records(mine), "graph": chain_graph(c, gaps)}
    zh = lang == "zh"
    rows = [
        [r["position"], r["link_zh"] if zh else r["link_en"], r["tier"], r["enterprises"],
         sales_text(None if not r.get("sales_measured", True) else r["sales"],
                    r.get("sales_note"), lang), r["projects"], f"{r['investment']:,.2f}",
         r["status_zh"] if zh else r["status"]]
        for r in mine.to_dict("records")
    ]  # fmt: skip
    cols = ["#", "环节", "位置", "企业", "销售额", "项目", "投资", "状态"]
    cols_en = ["#", "link", "tier", "enterprises", "sales", "projects", "investment", "status"]
    print_table(c.name_zh if zh else c.name_en, cols if zh else cols_en, rows)


@command(chains_app, "gaps")
def gaps_command(
    chain: ChainOpt = None,
    membership: MembershipOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Missing and weak links with their shortfalls (thresholds printed). 产业链缺口分析。"""
    lang = reply.lang
    data = _chain_data(membership)
    gaps = _gaps(data)
    if chain:
        gaps = gaps[gaps["chain_id"] == data.chains.chain(chain).id]
    th = data.chains.thresholds.model_dump()
    if reply.json:
        out = _records(gaps)
        return {"thresholds": th, "latest_period": data.latest, "data": out,
                    "count": len(out)}  # fmt: skip
    zh = lang == "zh"
    rows = [
        [f"{r['chain_zh']}·{r['link_zh']}" if zh else f"{r['chain_id']}.{r['link_id']}",
         r["status_zh"] if zh else r["status"], f"{r['gap_size']:.2f}", r["enterprises"],
         r["projects"], r["explanation_zh"] if zh else r["explanation_en"]]
        for r in gaps.to_dict("records")
    ]  # fmt: skip
    cols = (
        ["环节", "状态", "缺口指数", "企业", "项目", "说明"]
        if zh
        else ["link", "status", "gap", "enterprises", "projects", "explanation"]
    )
    print_table("产业链缺口" if zh else "Chain gaps", cols, rows, caption=f"thresholds: {th}")


@command(chains_app, "candidates")
def candidates_command(
    link: Annotated[
        str | None,
        typer.Argument(help="Link as chain.link (美妆.渠道零售); all weak links if empty."),
    ] = None,
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            help="CSV overriding gap_size/demand_yuan/growth_pct per "
            "link_key, candidate_id (external market data).",
        ),
    ] = None,
    membership: MembershipOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Ranked kinds of enterprise to attract, with the score explained. 精准招商候选。"""
    lang = reply.lang
    from consumption_monitor.chains import promotion_candidates, scoring_method

    data = _chain_data(membership, cards=True)
    external = pd.read_csv(inputs) if inputs else None
    ranked = promotion_candidates(
        data.chains, _gaps(data), link, enterprise_monthly=data.enterprise_monthly,
        card_spend=data.card_spend, first_stores=data.first_stores, external=external,
    )  # fmt: skip
    if reply.json:
        out = _records(ranked)
        return {"method": scoring_method(), "data": out, "count": len(out)}
    zh = lang == "zh"
    rows = [
        [r["rank"], r["link_key"], r["name_zh"] if zh else r["name_en"], f"{r['score']:.1f}",
         f"{r['gap']:.2f}", f"{r['demand']:.2f}", f"{r['growth']:.2f}", r["formula"]]
        for r in ranked.to_dict("records")
    ]  # fmt: skip
    cols = ["#", "环节", "候选类型", "得分", "缺口", "需求", "增长", "计算式"]
    cols_en = ["#", "link", "candidate", "score", "gap", "demand", "growth", "formula"]
    print_table("招商候选" if zh else "Promotion candidates", cols if zh else cols_en, rows,
                caption=scoring_method()["formula"])  # fmt: skip


@command(commands, "profile")
def profile_command(
    enterprise_id: Annotated[str, typer.Argument(help="Unified social credit code (18 chars).")],
    role: Annotated[
        str, typer.Option("--role", help="Viewer role: office/admin see unpublished figures.")
    ] = "office",
    membership: MembershipOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Enterprise profile: chain position, projects, sales and peers. 企业精准画像。"""
    lang = reply.lang
    from consumption_monitor.profiles import enterprise_profile

    data = _chain_data(membership)
    prof = enterprise_profile(
        enterprise_id, data.enterprise_monthly, projects=data.projects,
        membership=data.membership, chains=data.chains, viewer_role=role,
    )  # fmt: skip
    out = prof.to_dict()
    if reply.json:
        return out
    zh = lang == "zh"
    head = [("名称" if zh else "name", prof.name),
            ("区" if zh else "district", prof.district_zh),
            ("行业" if zh else "industry", prof.industry),
            ("近12个月零售额(万元)" if zh else "sales 12m", _num(prof.sales_12m)),
            ("网上零售占比%" if zh else "online share %", _num(prof.online_share_pct)),
            ("增速%" if zh else "growth %", _num(prof.growth_pct)),
            ("同行增速%" if zh else "peer growth %", _num(prof.peer_growth_pct))]  # fmt: skip
    print_table(enterprise_id, ["项目" if zh else "field", "值" if zh else "value"], head)
    pos = [[p["chain_zh"], p["link_zh"], p["tier"], p["basis"]] for p in prof.chain_positions]
    if pos:
        print_table("产业链位置" if zh else "Chain position",
                    ["产业链", "环节", "位置", "依据"], pos)  # fmt: skip
    if prof.notice_zh:
        console().print(prof.notice_zh if zh else prof.notice_en, highlight=False)
