"""Altair charts for the tabs (no custom components, so they run in Streamlit in Snowflake)."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from toolkit.domain import RISK_COLORS, SEGMENT_COLORS

# Every category label shown in full: Vega otherwise drops alternate labels when crowded.
_NOMINAL_AXIS = alt.Axis(labelLimit=240, labelOverlap=False)


def _segment_color(field: str = "customer_segment:N", title: str = "Segment") -> alt.Color:
    return alt.Color(
        field,
        title=title,
        scale=alt.Scale(domain=list(SEGMENT_COLORS), range=list(SEGMENT_COLORS.values())),
        legend=None,
    )


def segment_distribution(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("customers:Q", title="Customers"),
            y=alt.Y("customer_segment:N", title=None, sort="-x", axis=_NOMINAL_AXIS),
            color=_segment_color(),
            tooltip=[
                alt.Tooltip("customer_segment:N", title="Segment"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("total_ltv:Q", title="Total LTV", format="$,.0f"),
                alt.Tooltip("avg_churn_probability:Q", title="Avg churn", format=".1%"),
            ],
        )
        .properties(height=220)
    )


def ltv_box(frame: pd.DataFrame) -> alt.LayerChart:
    """A box plot from the five-number summary the database computed."""
    base = alt.Chart(frame).encode(y=alt.Y("customer_segment:N", title=None, axis=_NOMINAL_AXIS))
    whisker = base.mark_rule(color="#888").encode(
        x=alt.X("ltv_min:Q", title="Lifetime value ($)", axis=alt.Axis(format="$,.0f")),
        x2="ltv_max:Q",
    )
    box = base.mark_bar(size=16).encode(
        x="ltv_q1:Q",
        x2="ltv_q3:Q",
        color=_segment_color(),
        tooltip=[
            alt.Tooltip("customer_segment:N", title="Segment"),
            alt.Tooltip("ltv_min:Q", title="Min", format="$,.0f"),
            alt.Tooltip("ltv_q1:Q", title="Q1", format="$,.0f"),
            alt.Tooltip("ltv_median:Q", title="Median", format="$,.0f"),
            alt.Tooltip("ltv_q3:Q", title="Q3", format="$,.0f"),
            alt.Tooltip("ltv_max:Q", title="Max", format="$,.0f"),
        ],
    )
    median = base.mark_tick(color="white", thickness=2, size=16).encode(x="ltv_median:Q")
    return (whisker + box + median).properties(height=220)


def churn_histogram(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "bin_start:Q",
                bin="binned",
                title="Churn probability",
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            x2="bin_end:Q",
            y=alt.Y("customers:Q", title="Customers"),
            color=alt.Color(
                "bin_start:Q",
                scale=alt.Scale(
                    domain=[0, 0.4, 0.7, 1], range=["#2ca02c", "#ff9f1c", "#d62728", "#8b0000"]
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="From", format=".0%"),
                alt.Tooltip("bin_end:Q", title="To", format=".0%"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
        .properties(height=220)
    )


def monthly_trend(frame: pd.DataFrame) -> alt.LayerChart:
    """Portfolio spend per month (line) with the month-over-month change (bars, right axis)."""
    base = alt.Chart(frame).encode(x=alt.X("yearmonth(month):T", title=None))
    change = base.mark_bar(opacity=0.35).encode(
        y=alt.Y("mom_change_pct:Q", title="MoM change (%)"),
        color=alt.condition(
            "datum.mom_change_pct >= 0", alt.value("#2ca02c"), alt.value("#d62728")
        ),
    )
    spend = base.mark_line(point=True, color="#1f77b4").encode(
        y=alt.Y("spend:Q", title="Spend ($)", axis=alt.Axis(format="$~s")),
        tooltip=[
            alt.Tooltip("yearmonth(month):T", title="Month"),
            alt.Tooltip("spend:Q", title="Spend", format="$,.0f"),
            alt.Tooltip("mom_change_pct:Q", title="MoM %", format="+.1f"),
            alt.Tooltip("active_customers:Q", title="Active customers", format=","),
        ],
    )
    return alt.layer(change, spend).resolve_scale(y="independent").properties(height=240)


def customer_monthly_spend(frame: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(frame).encode(x=alt.X("yearmonth(month):T", title=None))
    bars = base.mark_bar(color="#9ecae1").encode(
        y=alt.Y("spend:Q", title="Spend ($)", axis=alt.Axis(format="$,.0f")),
        tooltip=[
            alt.Tooltip("yearmonth(month):T", title="Month"),
            alt.Tooltip("spend:Q", title="Spend", format="$,.2f"),
            alt.Tooltip("moving_avg_3m:Q", title="3-month average", format="$,.2f"),
        ],
    )
    line = base.mark_line(color="#08519c", strokeWidth=2).encode(y="moving_avg_3m:Q")
    return (bars + line).properties(height=240)


def category_breakdown(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(cornerRadiusEnd=3, color="#3182bd")
        .encode(
            x=alt.X("spend:Q", title="Approved spend ($)", axis=alt.Axis(format="$,.0f")),
            y=alt.Y(
                "category_name:N",
                title=None,
                sort=None,
                axis=_NOMINAL_AXIS,
            ),
            tooltip=[
                alt.Tooltip("category_name:N", title="Category"),
                alt.Tooltip("spend:Q", title="Spend", format="$,.2f"),
                alt.Tooltip("transactions:Q", title="Transactions", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(height=alt.Step(26))
    )


def churn_gauge(score: float, category: str) -> alt.LayerChart:
    """A half-donut gauge of the 0-100 churn risk score (centre at the bottom middle)."""
    score = max(0.0, min(100.0, float(score)))
    color = RISK_COLORS.get(category, "#888")
    width, radius = 220, 95
    centre = {"x": alt.value(width / 2), "y": alt.value(radius + 5)}
    frame = pd.DataFrame(
        {"part": ["score", "rest"], "value": [score, 100 - score], "order": [0, 1]}
    )
    arc = (
        alt.Chart(frame)
        .mark_arc(innerRadius=radius - 30, outerRadius=radius)
        .encode(
            theta=alt.Theta(
                "value:Q",
                stack=True,
                scale=alt.Scale(domain=[0, 100], range=[-math.pi / 2, math.pi / 2]),
            ),
            color=alt.Color(
                "part:N",
                scale=alt.Scale(domain=["score", "rest"], range=[color, "#e6e6e6"]),
                legend=None,
            ),
            order="order:Q",
            tooltip=alt.value(None),
            **centre,
        )
    )
    label = (
        alt.Chart(pd.DataFrame({"text": [f"{score:.0f}"]}))
        .mark_text(fontSize=30, fontWeight="bold", dy=-14, color=color)
        .encode(text="text:N", **centre)
    )
    return (arc + label).properties(height=radius + 10, width=width)


def choose_chart(frame: pd.DataFrame) -> tuple[str, alt.Chart | None]:
    """Pick a chart from a result's shape: time → line, category → bar, two numbers → scatter.

    Returns ``("metric"|"line"|"bar"|"scatter"|"table", chart or None)``.
    """
    if frame is None or frame.empty:
        return "table", None
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    temporal = [
        c
        for c in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[c]) or _looks_like_dates(frame[c])
    ]
    categorical = [c for c in frame.columns if c not in numeric and c not in temporal]
    if len(frame) == 1 and len(numeric) == 1 and len(frame.columns) == 1:
        return "metric", None
    if not numeric:
        return "table", None
    measure = numeric[-1]
    if temporal:
        data = frame.assign(**{temporal[0]: pd.to_datetime(frame[temporal[0]])})
        chart = (
            alt.Chart(data)
            .mark_line(point=True)
            .encode(
                x=alt.X(f"{temporal[0]}:T", title=_title(temporal[0])),
                y=alt.Y(f"{measure}:Q", title=_title(measure)),
                tooltip=list(data.columns),
            )
        )
        return "line", chart.properties(height=260)
    if categorical and len(frame) <= 50:
        label = categorical[0]
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X(f"{measure}:Q", title=_title(measure)),
                y=alt.Y(f"{label}:N", title=None, sort="-x", axis=_NOMINAL_AXIS),
                tooltip=list(frame.columns),
            )
        )
        return "bar", chart.properties(height=alt.Step(28))
    if len(numeric) >= 2:
        chart = (
            alt.Chart(frame)
            .mark_circle(opacity=0.6)
            .encode(
                x=alt.X(f"{numeric[0]}:Q", title=_title(numeric[0])),
                y=alt.Y(f"{numeric[1]}:Q", title=_title(numeric[1])),
                tooltip=list(frame.columns),
            )
        )
        return "scatter", chart.properties(height=260)
    return "table", None


def _title(column: str) -> str:
    return column.replace("_", " ").capitalize()


_ISO_DATE = r"^\d{4}-\d{2}-\d{2}"


def _looks_like_dates(series: pd.Series) -> bool:
    """Dates, or ISO date text (engines that answer in JSON send dates as strings)."""
    if series.dtype != object or series.empty:
        return False
    sample = series.dropna().head(5)
    if sample.empty:
        return False
    import datetime as dt

    if all(isinstance(v, dt.date) for v in sample):
        return True
    return bool(sample.astype(str).str.match(_ISO_DATE).all())


# --- campaign ------------------------------------------------------------------------------


def sensitivity_line(frame: pd.DataFrame, x_title: str, current: float) -> alt.LayerChart:
    line = (
        alt.Chart(frame)
        .mark_line(point=True, color="#1f77b4")
        .encode(
            x=alt.X("value:Q", title=x_title, axis=alt.Axis(format=".0%")),
            y=alt.Y("roi:Q", title="ROI", axis=alt.Axis(format=".0%")),
            tooltip=[
                alt.Tooltip("value:Q", title=x_title, format=".0%"),
                alt.Tooltip("roi:Q", title="ROI", format=".1%"),
                alt.Tooltip("net_benefit:Q", title="Net benefit", format="$,.0f"),
            ],
        )
    )
    zero = (
        alt.Chart(pd.DataFrame({"y": [0]}))
        .mark_rule(color="#888", strokeDash=[4, 4])
        .encode(y="y:Q")
    )
    here = alt.Chart(pd.DataFrame({"x": [current]})).mark_rule(color="#d62728").encode(x="x:Q")
    return (line + zero + here).properties(height=220)


def tornado(frame: pd.DataFrame, base_net: float) -> alt.LayerChart:
    bars = (
        alt.Chart(frame)
        .mark_bar(color="#6baed6")
        .encode(
            y=alt.Y("label:N", title=None, sort=list(frame["label"]), axis=_NOMINAL_AXIS),
            x=alt.X("net_at_low:Q", title="Net benefit ($)", axis=alt.Axis(format="$,.0f")),
            x2="net_at_high:Q",
            tooltip=[
                alt.Tooltip("label:N", title="Parameter"),
                alt.Tooltip("low_value:Q", title="Low value", format=",.3~f"),
                alt.Tooltip("net_at_low:Q", title="Net at low", format="$,.0f"),
                alt.Tooltip("high_value:Q", title="High value", format=",.3~f"),
                alt.Tooltip("net_at_high:Q", title="Net at high", format="$,.0f"),
            ],
        )
    )
    base = alt.Chart(pd.DataFrame({"x": [base_net]})).mark_rule(color="#d62728").encode(x="x:Q")
    return (bars + base).properties(height=240)


def funnel(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(color="#3182bd", cornerRadiusEnd=3)
        .encode(
            x=alt.X("customers:Q", title="Customers"),
            y=alt.Y("stage:N", title=None, sort=list(frame["stage"]), axis=_NOMINAL_AXIS),
            tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("customers:Q", format=",.0f")],
        )
        .properties(height=150)
    )


def cost_breakdown(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_arc(innerRadius=45)
        .encode(
            theta=alt.Theta("amount:Q"),
            color=alt.Color("item:N", title=None, scale=alt.Scale(range=["#9ecae1", "#3182bd"])),
            tooltip=[alt.Tooltip("item:N"), alt.Tooltip("amount:Q", format="$,.0f")],
        )
        .properties(height=180)
    )


def scenario_comparison(frame: pd.DataFrame, best: str | None) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("net_benefit:Q", title="Net benefit ($)", axis=alt.Axis(format="$,.0f")),
            y=alt.Y("scenario:N", title=None, sort="-x", axis=_NOMINAL_AXIS),
            color=alt.condition(
                alt.datum.scenario == (best or ""), alt.value("#2ca02c"), alt.value("#9ecae1")
            ),
            tooltip=[
                alt.Tooltip("scenario:N"),
                alt.Tooltip("net_benefit:Q", format="$,.0f"),
                alt.Tooltip("roi:Q", format=".1%"),
            ],
        )
        .properties(height=200)
    )
