"""Charts drawn with Plotly (offline: plotly.js is written into the report folder)."""

from __future__ import annotations

import plotly.graph_objects as go

STATUS_COLOURS = {
    "present": "#2e7d32",
    "late": "#f9a825",
    "missing": "#c62828",
    "not_yet_due": "#90a4ae",
    "withdrawn": "#6a1b9a",
    "parse_failed": "#4e342e",
    "deadline_unknown": "#e0e0e0",
    "date_unknown": "#81c784",
}
STATUS_LABELS = {
    "present": "已公开",
    "late": "逾期公开",
    "missing": "未公开",
    "not_yet_due": "未到期",
    "withdrawn": "已撤下",
    "parse_failed": "无法解析",
    "deadline_unknown": "期限未知",
    "date_unknown": "已公开（日期不详）",
}
FONT = dict(family='"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif')


def _div(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(font=FONT, margin=dict(l=10, r=10, t=40, b=10))
    return fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False, "responsive": True}
    )


def completeness_heatmap(
    rows: list[dict], labels: dict[tuple[str, str], str], links: dict[tuple[str, str], str] | None = None
) -> str:
    """Units (grouped, in the order given) × years, one colour per status; a click on a cell
    opens the unit's page (`links`: (jurisdiction, unit) → relative URL, in each cell's customdata)."""
    years = sorted({r["fiscal_year"] for r in rows})
    keys = list(dict.fromkeys((r["jurisdiction"], r["unit_code"], r["kind"]) for r in rows))
    present = {r["status"] for r in rows}
    # The colour bar lists only the statuses on the map (a legend of eight with three used misleads).
    order = [s for s in STATUS_COLOURS if s in present] or list(STATUS_COLOURS)
    cell = {(r["jurisdiction"], r["unit_code"], r["kind"], r["fiscal_year"]): r["status"] for r in rows}
    z, hover, targets = [], [], []
    for j, u, k in keys:
        statuses = [cell.get((j, u, k, y)) for y in years]
        z.append([order.index(s) if s else None for s in statuses])
        targets.append([(links or {}).get((j, u), "")] * len(years))
        hover.append([f"{labels[(j, u)]} · {k} · {y}: {STATUS_LABELS.get(s, '—')}" for s, y in zip(statuses, years)])
    n = len(order)
    scale = []
    for i, status in enumerate(order):  # a stepped scale: each status owns one band
        scale += [[i / n, STATUS_COLOURS[status]], [(i + 1) / n, STATUS_COLOURS[status]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(y) for y in years],
            y=[f"{labels[(j, u)]} · {k}" for j, u, k in keys],
            text=hover,
            hoverinfo="text",
            customdata=targets,
            colorscale=scale,
            zmin=-0.5,
            zmax=n - 0.5,
            xgap=2,
            ygap=2,
            colorbar=dict(tickvals=list(range(n)), ticktext=[STATUS_LABELS[s] for s in order], title="状态"),
        )
    )
    fig.update_layout(
        title="公开完整性 (单位 · 类型 × 年度)",
        height=max(260, 28 * len(keys) + 120),
        yaxis=dict(autorange="reversed", automargin=True),
        xaxis=dict(type="category"),
    )
    # Plotly draws no <a> in a heatmap: follow the clicked cell's customdata instead.
    follow = (
        "<script>document.getElementById('heatmap').on('plotly_click', function (e) {"
        " var to = e.points[0].customdata; if (to) { window.location.href = to; } });</script>"
    )
    return _div(fig, "heatmap") + follow


def key_figures_chart(figures: list[dict], div_id: str = "figures") -> str:
    """Key figures of one unit across years, one line per figure (万元)."""
    fig = go.Figure()
    by_figure: dict[str, list[tuple[int, float]]] = {}
    for row in figures:
        by_figure.setdefault(row["figure"], []).append((row["fiscal_year"], float(row["value"])))
    for name, points in by_figure.items():
        points.sort()
        fig.add_trace(
            go.Scatter(x=[str(p[0]) for p in points], y=[p[1] for p in points], mode="lines+markers", name=name)
        )
    fig.update_layout(
        title="主要数字 (万元)",
        height=360,
        xaxis=dict(type="category", title="年度"),
        yaxis=dict(title="万元", rangemode="tozero"),
    )
    return _div(fig, div_id)


BUDGET_COLOUR, ACTUAL_COLOUR = "#90caf9", "#1565c0"


def budget_actual_chart(rows: list[dict], div_id: str = "budget-actual") -> str:
    """One unit's 预算数 against 决算数 by year, one panel per figure (万元): the bars a story
    shows (was the money spent as budgeted; did the 三公 budget hold)."""
    from plotly.subplots import make_subplots

    figures = list(dict.fromkeys(r["figure"] for r in rows))
    scopes = list(dict.fromkeys(r["scope"] for r in rows))
    years = sorted({r["fiscal_year"] for r in rows})
    fig = make_subplots(rows=1, cols=len(figures), subplot_titles=[f"{f}（万元）" for f in figures])
    for col, figure in enumerate(figures, start=1):
        for scope in scopes:
            cells = {r["fiscal_year"]: r for r in rows if r["figure"] == figure and r["scope"] == scope}
            for side, key, colour in (("预算数", "budget", BUDGET_COLOUR), ("决算数", "actual", ACTUAL_COLOUR)):
                name = f"{scope}{side}" if len(scopes) > 1 else side
                fig.add_trace(
                    go.Bar(
                        x=[str(y) for y in years],
                        y=[float(cells[y][key]) if y in cells and cells[y][key] is not None else None for y in years],
                        name=name,
                        legendgroup=name,
                        showlegend=col == 1,
                        marker_color=colour if scope == scopes[0] else None,
                        hovertemplate=f"{figure} %{{x}} {name}: %{{y:,.2f}} 万元<extra></extra>",
                    ),
                    row=1,
                    col=col,
                )
    # no figure title: the section's heading names it, and a title would sit on the panels' own
    fig.update_layout(barmode="group", height=360, legend=dict(orientation="h", y=-0.12))
    fig.update_xaxes(type="category")
    fig.update_yaxes(rangemode="tozero")
    return _div(fig, div_id)
