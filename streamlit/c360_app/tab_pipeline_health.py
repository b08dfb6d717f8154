"""Pipeline Health: what the platform team needs to run the pipeline, without writing SQL.

Runs as a timeline with each step's duration and status (and the failed step's error),
loads with their rejects, data-quality results failures first, layer row counts over
time, model versions with held-out metrics, and the assistant's feedback. Every section
says what to run when it has nothing to show.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

import streamlit as st
from c360_app import fmt
from c360_app import health_loaders as load
from c360_app.health_queries import MODEL_METRICS, Unavailable, clv_holdout_deciles
from toolkit.pipeline.dag import PIPELINE

STATUS_COLORS = {
    "succeeded": "#2ca02c",
    "failed": "#d62728",
    "skipped": "#9e9e9e",
    "running": "#1f77b4",
}
DQ_ORDER = {"fail": 0, "error": 0, "warn": 1}


def _unavailable(what: str, exc: Exception) -> None:
    st.info(
        f"{what} is not available in this environment ({exc}).",
        icon=":material/visibility_off:",
    )


def _seconds(started, finished) -> float | None:
    if finished is None or pd.isna(finished) or started is None or pd.isna(started):
        return None
    return (pd.Timestamp(finished) - pd.Timestamp(started)).total_seconds()


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def run_outcome(row) -> str:
    if row["failed_steps"]:
        return "failed"
    return "succeeded"


# --- runs -----------------------------------------------------------------------------------


def timeline_chart(steps: pd.DataFrame, step_order: list[str]) -> alt.Chart:
    """Runs (rows, newest first) × steps (columns, in DAG order): each cell a step's status,
    labelled with its duration, so a short failed run is as visible as a long one."""
    frame = steps.copy()
    frame["duration"] = [
        duration_text(_seconds(s, f))
        for s, f in zip(frame["started_at"], frame["finished_at"], strict=True)
    ]
    run_order = (
        frame.groupby("run_id")["started_at"].min().sort_values(ascending=False).index.tolist()
    )
    order = step_order + sorted(set(frame["step"]) - set(step_order))
    base = alt.Chart(frame).encode(
        x=alt.X("step:N", title=None, sort=order, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("run_id:N", title=None, sort=run_order, axis=alt.Axis(labelLimit=260)),
    )
    cells = base.mark_rect(cornerRadius=3, stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "status:N",
            title="Status",
            scale=alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values())),
        ),
        tooltip=[
            alt.Tooltip("run_id:N", title="Run"),
            alt.Tooltip("step:N", title="Step"),
            alt.Tooltip("status:N", title="Status"),
            alt.Tooltip("duration:N", title="Duration"),
            alt.Tooltip("started_at:T", title="Started", format="%d %b %H:%M:%S"),
        ],
    )
    labels = base.mark_text(color="white", fontSize=11).encode(text="duration:N")
    return (cells + labels).properties(height=max(90, 30 * len(run_order)))


def _runs(source) -> None:
    runs = load.recent_runs(source)
    if runs.empty:
        st.info(
            "No pipeline run recorded yet. Run `c360 pipeline run` (or `c360 demo`) locally; "
            "in Snowflake the scheduled tasks DAG records each run when it finishes.",
            icon=":material/play_circle:",
        )
        return
    runs["outcome"] = runs.apply(run_outcome, axis=1)
    last = runs.iloc[0]
    steps = load.run_steps(source, tuple(runs["run_id"]))
    cols = st.columns(4)
    cols[0].metric(
        "Last run", "Failed" if last["outcome"] == "failed" else "Succeeded", border=True
    )
    cols[1].metric("Started", pd.Timestamp(last["started_at"]).strftime("%d %b %H:%M"), border=True)
    cols[2].metric(
        "Duration", duration_text(_seconds(last["started_at"], last["finished_at"])), border=True
    )
    failed_recent = int((runs["outcome"] == "failed").sum())
    cols[3].metric(f"Failed runs (last {len(runs)})", fmt.count(failed_recent), border=True)
    failed = steps[(steps["run_id"] == last["run_id"]) & (steps["status"] == "failed")]
    for row in failed.itertuples():
        st.error(
            f"Step **{row.step}** failed: {fmt.md(str(row.error or 'no message recorded'))}\n\n"
            "Fix the cause, then `c360 pipeline run --resume` continues after the last step "
            "that succeeded.",
            icon=":material/error:",
        )
    st.markdown("**Last runs** — one row per run, one cell per step: its status and duration")
    st.altair_chart(timeline_chart(steps, [step.name for step in PIPELINE]))
    chosen = st.selectbox(
        "Steps of run",
        list(runs["run_id"]),
        format_func=lambda r: f"{r} · {runs.set_index('run_id').loc[r, 'outcome']}",
        key="health_run",
    )
    detail = steps[steps["run_id"] == chosen].copy()
    detail["error"] = detail["error"].fillna("")
    detail["duration"] = [
        duration_text(_seconds(s, f))
        for s, f in zip(detail["started_at"], detail["finished_at"], strict=True)
    ]
    st.dataframe(
        detail[["step", "status", "duration", "started_at", "rows_in", "rows_out", "error"]],
        hide_index=True,
        column_config={
            "step": "Step",
            "status": "Status",
            "duration": "Duration",
            "started_at": st.column_config.DatetimeColumn("Started", format="D MMM HH:mm:ss"),
            "rows_in": st.column_config.NumberColumn("Rows in", format="localized"),
            "rows_out": st.column_config.NumberColumn("Rows out", format="localized"),
            "error": st.column_config.TextColumn("Error / note", width="large"),
        },
        key="health_steps",
    )


# --- loads ----------------------------------------------------------------------------------


def _loads(source) -> None:
    totals = load.load_totals(source)
    if not totals or not totals.get("batches"):
        st.info(
            "No load recorded yet. Run `c360 load` (or `c360 pipeline run`) to load the "
            "landing batches into bronze.",
            icon=":material/upload:",
        )
        return
    cols = st.columns(4)
    cols[0].metric("Batches loaded", fmt.count(totals["batches"]), border=True)
    cols[1].metric("Rows in", fmt.count(totals["rows_in"]), border=True)
    cols[2].metric("Rows loaded", fmt.count(totals["rows_loaded"]), border=True)
    rate = totals["rows_rejected"] / totals["rows_in"] if totals["rows_in"] else 0
    cols[3].metric(
        "Rows rejected",
        fmt.count(totals["rows_rejected"]),
        delta=(
            ("< 0.01%" if rate < 0.0001 else fmt.percent(rate, digits=2)) + " of rows in"
            if totals["rows_rejected"]
            else None
        ),
        delta_color="inverse",
        border=True,
    )
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown("**Rejects by reason**")
        try:
            reasons = load.rejects_by_reason(source)
        except Unavailable as exc:
            _unavailable("Rejected rows", exc)
            reasons = None
        if reasons is not None and reasons.empty:
            st.success("No row has been rejected.", icon=":material/check_circle:")
        elif reasons is not None:
            st.altair_chart(
                alt.Chart(reasons)
                .mark_bar(color="#d62728", cornerRadiusEnd=3)
                .encode(
                    x=alt.X("rejected_rows:Q", title="Rejected rows"),
                    y=alt.Y("reason:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
                    tooltip=["reason:N", alt.Tooltip("rejected_rows:Q", format=",")],
                )
                .properties(height=max(120, 26 * len(reasons))),
            )
    with right:
        st.markdown("**Batches** — dirtiest first")
        st.dataframe(
            load.load_batches(source),
            hide_index=True,
            height=300,
            column_config={
                "source": "Source",
                "batch_id": "Batch",
                "rows_in": st.column_config.NumberColumn("Rows in", format="localized"),
                "rows_loaded": st.column_config.NumberColumn("Loaded", format="localized"),
                "rows_rejected": st.column_config.NumberColumn("Rejected", format="localized"),
                "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="D MMM HH:mm"),
            },
            key="health_batches",
        )
    if totals.get("rows_rejected"):
        st.markdown("**Sample of rejected records** (e-mail, phone and date of birth masked)")
        try:
            st.dataframe(
                load.rejected_sample(source),
                hide_index=True,
                column_config={
                    "source": "Source",
                    "batch_id": "Batch",
                    "reason": st.column_config.TextColumn("Reason", width="medium"),
                    "record": st.column_config.TextColumn("Record", width="large"),
                    "rejected_at": st.column_config.DatetimeColumn(
                        "Rejected at", format="D MMM HH:mm"
                    ),
                },
                key="health_rejected",
            )
        except Unavailable as exc:
            _unavailable("Rejected rows", exc)


# --- data quality ---------------------------------------------------------------------------


def _data_quality(source) -> None:
    try:
        results = load.data_quality(source)
    except Unavailable as exc:
        _unavailable(
            "Data-quality results (in Snowflake, a failing dbt test fails the dbt task: "
            "see the runs above)",
            exc,
        )
        return
    if results.empty:
        st.info(
            "No data-quality results yet. Run `c360 build` (dbt build with its tests).",
            icon=":material/fact_check:",
        )
        return
    failing = results[results["status"].isin(["fail", "error"])]
    warned = results[results["status"] == "warn"]
    cols = st.columns(3)
    cols[0].metric("Checks in the last build", fmt.count(len(results)), border=True)
    cols[1].metric("Failing", fmt.count(len(failing)), border=True)
    cols[2].metric("Warnings", fmt.count(len(warned)), border=True)
    if len(failing):
        st.error(
            f"{len(failing)} data-quality check(s) failing — listed first below.",
            icon=":material/rule:",
        )
    else:
        st.success("Every data-quality check passed in the last build.", icon=":material/verified:")
    st.dataframe(
        results,
        hide_index=True,
        column_config={
            "node_name": "Check",
            "check_type": "Type",
            "layer": "Layer",
            "status": "Status",
            "failures": st.column_config.NumberColumn("Failing rows", format="localized"),
            "message": st.column_config.TextColumn("Message", width="large"),
            "checked_at": st.column_config.DatetimeColumn("Checked", format="D MMM HH:mm"),
        },
        key="health_dq",
    )


# --- layers and models ----------------------------------------------------------------------


def _layers(source) -> None:
    counts = load.layer_counts_over_time(source)
    if counts.empty:
        st.info(
            "No layer counts yet: the pipeline's last step records them (`c360 pipeline run`).",
            icon=":material/stacked_line_chart:",
        )
        return
    st.markdown("**Rows per layer over time**")
    st.altair_chart(
        alt.Chart(counts)
        .mark_line(point=True)
        .encode(
            x=alt.X("counted_at:T", title="Counted at"),
            y=alt.Y("row_count:Q", title="Rows", scale=alt.Scale(type="symlog")),
            color=alt.Color("layer:N", title="Layer"),
            tooltip=[
                "layer:N",
                alt.Tooltip("row_count:Q", format=","),
                alt.Tooltip("counted_at:T", format="%d %b %H:%M"),
            ],
        )
        .properties(height=240),
    )
    with st.expander("Latest count of every table"):
        st.dataframe(
            load.latest_table_counts(source),
            hide_index=True,
            column_config={
                "layer": "Layer",
                "table_name": "Table",
                "row_count": st.column_config.NumberColumn("Rows", format="localized"),
                "counted_at": st.column_config.DatetimeColumn("Counted", format="D MMM HH:mm"),
            },
            key="health_tables",
        )


def _models(source) -> None:
    versions = load.model_versions(source)
    if versions.empty:
        st.info(
            "No model trained yet. Run `c360 train`, then `c360 score`.",
            icon=":material/model_training:",
        )
        return
    in_use = versions[versions["in_use"]]
    if len(in_use):
        st.caption(
            f"Scores come from **{in_use['model_version'].iloc[0]}** (the latest promoted "
            "version, marked ★). Metrics are on held-out customers."
        )
    versions["model"] = [
        f"★ {v}" if use else v
        for v, use in zip(versions["model_version"], versions["in_use"], strict=True)
    ]
    labels = {
        "roc_auc": "ROC-AUC",
        "pr_auc": "PR-AUC",
        "f1": "F1",
        "precision": "Precision",
        "recall": "Recall",
        "brier": "Brier",
    }
    st.dataframe(
        versions[["model", "trained_at", "promoted", *MODEL_METRICS]],
        hide_index=True,
        column_config={
            "model": "Model version",
            "trained_at": st.column_config.DatetimeColumn("Trained", format="D MMM YYYY HH:mm"),
            "promoted": st.column_config.CheckboxColumn("Promoted"),
            **{m: st.column_config.NumberColumn(labels[m], format="%.3f") for m in MODEL_METRICS},
        },
        key="health_models",
    )
    if len(in_use):
        _baselines(source, in_use.iloc[0])
    _clv_holdout(source)


def lift_text(row) -> str:
    """'+0.049 [-0.019, +0.120]': the PR-AUC lift with its 95% interval, or a dash."""
    if pd.isna(row.get("pr_auc_lift")):
        return "–"
    return (
        f"{row['pr_auc_lift']:+.3f} [{row['pr_auc_lift_low']:+.3f}, {row['pr_auc_lift_high']:+.3f}]"
    )


def _baselines(source, model) -> None:
    """The model in use against simple baselines on the same held-out customers."""
    table = load.baselines(source, model["model_version"])
    if table.empty:
        return
    st.markdown(
        f"**Against simple baselines** — PR-AUC lift over the best single feature: "
        f"{lift_text(model)} (95% interval; an interval that spans 0 is no credible lift)."
    )
    model_row = pd.DataFrame(
        [{"baseline": "the model", "roc_auc": model["roc_auc"], "pr_auc": model["pr_auc"]}]
    )
    st.dataframe(
        pd.concat([model_row, table], ignore_index=True),
        hide_index=True,
        column_config={
            "baseline": "Scored by",
            "roc_auc": st.column_config.NumberColumn("ROC-AUC", format="%.3f"),
            "pr_auc": st.column_config.NumberColumn("PR-AUC", format="%.3f"),
        },
        key="health_baselines",
    )


def _clv_holdout(source) -> None:
    """Lifetime value checked against what happened: predicted vs actual holdout purchases."""
    try:
        check = load.clv_holdout(source)
    except Unavailable as exc:
        _unavailable("the lifetime-value check", exc)
        return
    if not check:
        st.caption("No lifetime-value check yet: `c360 score` records one.")
        return
    actual = check.get("holdout_actual_purchases", 0.0)
    st.markdown(
        f"**Lifetime value against what happened** — fitted before a "
        f"{check.get('holdout_days', 0):.0f}-day holdout, then compared with the "
        f"{actual:,.0f} purchases {check.get('holdout_customers', 0):,.0f} customers made in it."
    )
    cols = st.columns(3)
    cols[0].metric("Actual purchases", f"{actual:,.0f}")
    for col, model, label in ((cols[1], "bgnbd", "BG/NBD"), (cols[2], "nbd", "NBD")):
        predicted = check.get(f"{model}_holdout_predicted_purchases")
        error = check.get(f"{model}_holdout_total_error")
        if predicted is not None:
            col.metric(
                f"{label} predicted", f"{predicted:,.0f}", f"{error:+.1%}", delta_color="off"
            )
    if check.get("bgnbd_degenerate"):
        st.caption(
            f"BG/NBD's fit is degenerate (b = {check.get('holdout_bgnbd_b', 0):,.0f}): "
            f"scoring uses {'the NBD' if check.get('holdout_trusted_is_nbd') else 'BG/NBD'}, "
            "whichever predicted the holdout better per customer."
        )
    deciles = clv_holdout_deciles(check)
    if len(deciles):
        st.dataframe(
            deciles,
            hide_index=True,
            column_config={
                "decile": st.column_config.NumberColumn("Frequency decile", format="%d"),
                "actual": st.column_config.NumberColumn("Actual", format="%.0f"),
                "bgnbd": st.column_config.NumberColumn("BG/NBD", format="%.0f"),
                "nbd": st.column_config.NumberColumn("NBD", format="%.0f"),
            },
            key="health_clv_deciles",
        )


# --- assistant ------------------------------------------------------------------------------


def _assistant(source) -> None:
    summary = load.feedback_summary(source)
    if not summary or not summary.get("ratings"):
        st.info(
            "No feedback yet: answers in the AI Assistant tab take a thumbs up or down.",
            icon=":material/thumbs_up_down:",
        )
        return
    ratings = int(summary["ratings"])
    cols = st.columns(3)
    cols[0].metric("Rated answers", fmt.count(ratings), border=True)
    cols[1].metric("Helpful", fmt.percent(summary["helpful"] / ratings), border=True)
    cols[2].metric("Declined (no SQL)", fmt.count(summary["unanswered"]), border=True)
    unanswered = load.unanswered_questions(source)
    if unanswered.empty:
        st.success("Every rated answer was helpful.", icon=":material/thumb_up:")
        return
    st.markdown("**Questions the assistant did not answer well** — most asked first")
    st.dataframe(
        unanswered,
        hide_index=True,
        column_config={
            "question": st.column_config.TextColumn("Question", width="large"),
            "times": st.column_config.NumberColumn("Times", format="localized"),
            "declined": st.column_config.NumberColumn("Declined", format="localized"),
            "not_helpful": st.column_config.NumberColumn("Not helpful", format="localized"),
            "last_asked": st.column_config.DatetimeColumn("Last asked", format="D MMM HH:mm"),
        },
        key="health_unanswered",
    )


SECTIONS = {
    "Runs": _runs,
    "Loads": _loads,
    "Data quality": _data_quality,
    "Layers": _layers,
    "Models": _models,
    "Assistant feedback": _assistant,
}


def render(source) -> None:
    st.subheader("Pipeline Health")
    st.caption(
        "Runs, loads, data quality, row counts, models and assistant feedback from the "
        "observability tables."
    )
    for tab, section in zip(st.tabs(list(SECTIONS)), SECTIONS.values(), strict=True):
        with tab:
            try:
                section(source)
            except Unavailable as exc:  # a table this environment lacks or the app may not read
                _unavailable("This section's data", exc)
