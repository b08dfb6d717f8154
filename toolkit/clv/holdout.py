"""CLV checked against what happened: a calibration / holdout test.

In the style of the CLV literature (Fader, Hardie & Lee 2005, section 4): fit on a
calibration period that ends ``holdout_days`` before the as-of date, predict each
calibration customer's purchases in the holdout period, and compare with what they
actually bought — per customer (mean absolute error), in total, and by decile of
calibration frequency (the paper's conditional-expectation plot, as a table).

BG/NBD + Gamma-Gamma are checked, and beside them the NBD without dropout
(:mod:`toolkit.clv.nbd`). A BG/NBD fit whose ``b`` exceeds ``DEGENERATE_B`` (or whose
a/(a+b) is below ``MIN_DROPOUT``, both in :mod:`toolkit.clv`) has let the dropout
probability collapse to ~0: the fit is flagged ``degenerate``. Both are reported; the one
that predicted the holdout better per customer (lower MAE) is the one scoring uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.clv import is_degenerate, nbd
from toolkit.clv.bgnbd import BgNbdParams, expected_purchases, fit_bgnbd
from toolkit.clv.gamma_gamma import conditional_expected_average_value, fit_gamma_gamma

HOLDOUT_DAYS = 180
DECILES = 10
MODELS = ("bgnbd", "nbd")


@dataclass
class HoldoutReport:
    calibration_end: pd.Timestamp
    holdout_days: int
    bgnbd: BgNbdParams
    nbd: nbd.NbdParams
    customers: pd.DataFrame  # per customer: frequency, actual, predicted_<model>, spend columns
    by_decile: pd.DataFrame  # per calibration-frequency decile: customers, actual, predicted

    @property
    def degenerate(self) -> bool:
        return is_degenerate(self.bgnbd)

    @property
    def trusted_model(self) -> str:
        """The model that predicted the holdout better, per customer (lower MAE)."""
        return min(MODELS, key=self.mae)

    def total(self, column: str) -> float:
        return float(self.customers[column].sum())

    def total_error(self, model: str) -> float:
        """(predicted − actual) / actual total holdout purchases."""
        actual = self.total("actual")
        return (self.total(f"predicted_{model}") - actual) / actual if actual else float("nan")

    def mae(self, model: str) -> float:
        c = self.customers
        return float((c[f"predicted_{model}"] - c["actual"]).abs().mean())

    def spend_error(self) -> float:
        actual = self.total("actual_spend")
        return (self.total("predicted_spend") - actual) / actual if actual else float("nan")

    def metrics(self) -> pd.DataFrame:
        """Rows for ``observability.model_metrics`` (split ``holdout``)."""
        values: dict[str, float] = {
            "holdout_days": self.holdout_days,
            "holdout_customers": len(self.customers),
            "holdout_actual_purchases": self.total("actual"),
            "bgnbd_degenerate": float(self.degenerate),
            "holdout_trusted_is_nbd": float(self.trusted_model == "nbd"),
            "holdout_actual_spend": self.total("actual_spend"),
            "holdout_predicted_spend": self.total("predicted_spend"),
            "holdout_spend_error": self.spend_error(),
            "holdout_nbd_r": self.nbd.r,
            "holdout_nbd_alpha": self.nbd.alpha,
            "holdout_bgnbd_b": self.bgnbd.b,
        }
        for model in MODELS:
            values[f"{model}_holdout_predicted_purchases"] = self.total(f"predicted_{model}")
            values[f"{model}_holdout_total_error"] = self.total_error(model)
            values[f"{model}_holdout_mae"] = self.mae(model)
        for row in self.by_decile.itertuples(index=False):
            values[f"decile_{row.decile:02d}_actual"] = row.actual
            for model in MODELS:
                values[f"decile_{row.decile:02d}_predicted_{model}"] = getattr(
                    row, f"predicted_{model}"
                )
        return pd.DataFrame(
            {"split": "holdout", "metric": list(values), "value": list(values.values())}
        )

    def describe(self) -> str:
        flag = (
            f"BG/NBD degenerate (a = {self.bgnbd.a:.3g}, b = {self.bgnbd.b:,.0f}, dropout per "
            f"purchase {self.bgnbd.a / (self.bgnbd.a + self.bgnbd.b):.1e}); "
            if self.degenerate
            else ""
        ) + f"scoring uses {'BG/NBD' if self.trusted_model == 'bgnbd' else 'the NBD'}."
        return (
            f"CLV holdout ({self.holdout_days} days after {self.calibration_end.date()}, "
            f"{len(self.customers)} customers): actual {self.total('actual'):,.0f} purchases, "
            f"BG/NBD {self.total('predicted_bgnbd'):,.0f} ({self.total_error('bgnbd'):+.1%}, "
            f"MAE {self.mae('bgnbd'):.2f}), NBD {self.total('predicted_nbd'):,.0f} "
            f"({self.total_error('nbd'):+.1%}, MAE {self.mae('nbd'):.2f}); "
            f"spend {self.spend_error():+.1%}. {flag}".rstrip()
        )

    def table(self) -> str:
        """The by-decile table, as text."""
        lines = ["decile  x range     customers   actual   BG/NBD      NBD"]
        for r in self.by_decile.itertuples(index=False):
            lines.append(
                f"{r.decile:>6}  {r.x_min:>4.0f}-{r.x_max:<6.0f} {r.customers:>9} "
                f"{r.actual:>8.0f} {r.predicted_bgnbd:>8.0f} {r.predicted_nbd:>8.0f}"
            )
        return "\n".join(lines)


def holdout_check(
    rfm: pd.DataFrame,
    actual: pd.DataFrame,
    *,
    calibration_end: pd.Timestamp,
    holdout_days: int = HOLDOUT_DAYS,
    penalizer: float = 0.0,
) -> HoldoutReport:
    """Fit on ``rfm`` (calibration: frequency, recency, T, monetary_value per customer_id)
    and compare with ``actual`` (holdout_purchases, holdout_spend per customer_id).

    Customers with no calibration purchase are not in ``rfm``; they are not judged
    (the literature's cohort is the calibration period's buyers).
    """
    x, t_x, big_t = (rfm[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    bgnbd = fit_bgnbd(x, t_x, big_t, penalizer=penalizer)
    nbd_params = nbd.fit_nbd(x, big_t)
    gamma_gamma = fit_gamma_gamma(x, rfm["monetary_value"].to_numpy(float), penalizer=penalizer)
    observed = actual.reindex(rfm.index).fillna(0.0)
    predicted_bgnbd = expected_purchases(bgnbd, float(holdout_days), x, t_x, big_t)
    predicted_nbd = nbd.expected_purchases(nbd_params, float(holdout_days), x, big_t)
    value = conditional_expected_average_value(
        gamma_gamma, x, rfm["monetary_value"].to_numpy(float)
    )
    trusted = (
        predicted_nbd
        if np.abs(predicted_nbd - observed["holdout_purchases"].to_numpy(float)).mean()
        < np.abs(predicted_bgnbd - observed["holdout_purchases"].to_numpy(float)).mean()
        else predicted_bgnbd
    )
    customers = pd.DataFrame(
        {
            "frequency": x,
            "actual": observed["holdout_purchases"].to_numpy(float),
            "predicted_bgnbd": predicted_bgnbd,
            "predicted_nbd": predicted_nbd,
            "actual_spend": observed["holdout_spend"].to_numpy(float),
            "predicted_spend": trusted * value,
        },
        index=rfm.index,
    )
    return HoldoutReport(
        calibration_end=pd.Timestamp(calibration_end),
        holdout_days=holdout_days,
        bgnbd=bgnbd,
        nbd=nbd_params,
        customers=customers,
        by_decile=_by_decile(customers),
    )


def _by_decile(customers: pd.DataFrame) -> pd.DataFrame:
    """Calibration-frequency deciles (ties broken by order, so each holds a tenth)."""
    groups = DECILES if len(customers) >= DECILES else 1
    rank = customers["frequency"].rank(method="first")
    decile = pd.qcut(rank, groups, labels=False) + 1
    grouped = customers.groupby(decile.to_numpy())
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "x_min": grouped["frequency"].min(),
            "x_max": grouped["frequency"].max(),
            "actual": grouped["actual"].sum(),
            "predicted_bgnbd": grouped["predicted_bgnbd"].sum(),
            "predicted_nbd": grouped["predicted_nbd"].sum(),
        }
    )
    table.index.name = "decile"
    return table.reset_index().astype({"decile": int, "customers": int})


def holdout_from_frames(
    calibration_summary: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    calibration_end: pd.Timestamp,
    holdout_days: int = HOLDOUT_DAYS,
) -> HoldoutReport:
    """From CLV_SUMMARY at the calibration end and CLV_HOLDOUT's per-customer counts."""
    from toolkit.clv import PENALIZER, rfm_summary

    rfm = rfm_summary(calibration_summary, calibration_end)
    actual = holdout.copy()
    actual.columns = [c.lower() for c in actual.columns]
    actual = actual.set_index(actual["customer_id"].astype(str))[
        ["holdout_purchases", "holdout_spend"]
    ].astype(float)
    return holdout_check(
        rfm,
        actual,
        calibration_end=calibration_end,
        holdout_days=holdout_days,
        penalizer=PENALIZER,
    )
