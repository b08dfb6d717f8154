"""The churn model: LightGBM, Platt-calibrated, with a threshold chosen on validation data.

Pure functions over pandas frames, so a Snowflake Python procedure can call
:func:`train_from_frames` on frames it pulled from Snowpark exactly as the local
runner does on DuckDB frames.

Validation is time-based *and* by customer: customers are split once into train /
validation / test groups; the model learns on the train group at an earlier cut-off,
is calibrated (and its threshold picked) on the validation group at that cut-off, and
is scored on the test group at a later cut-off whose prediction window was never seen.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

# With OpenMP's default active wait, two LightGBM threads on a busy two-core machine spin
# against each other: a 0.1 s fit took 25 s here. Passive waiting must be set before the
# OpenMP runtime loads, i.e. before lightgbm is imported (toolkit.churn imports us first).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    precision_recall_curve,
    roc_auc_score,
)

from toolkit.churn.baselines import SINGLE_FEATURE, fit_baselines
from toolkit.churn.bootstrap import Difference, paired_differences
from toolkit.churn.explain import contributions
from toolkit.churn.features import FEATURE_NAMES, FEATURES, describe_feature

NUM_THREADS = 2  # the machine has two cores; oversubscribed OpenMP makes fits crawl
SPLIT_SHARES = {"train": 0.6, "validation": 0.2, "test": 0.2}
# A test ROC-AUC this close to 1 on behavioural data means a feature knows the answer.
SUSPICIOUS_ROC_AUC = 0.995


@dataclass
class TrainingFrames:
    """Labelled examples: features + ``churned`` column, indexed by customer_id."""

    early: pd.DataFrame  # at the earlier cut-off: train and validation groups come from here
    late: pd.DataFrame  # at the later cut-off: the test group comes from here
    early_cutoff: str
    late_cutoff: str


@dataclass
class ChurnModel:
    booster: lgb.Booster
    platt_slope: float
    platt_intercept: float
    threshold: float
    feature_names: tuple[str, ...] = FEATURE_NAMES
    info: dict = field(default_factory=dict)

    def raw_score(self, features: pd.DataFrame) -> np.ndarray:
        return self.booster.predict(
            _matrix(features, self.feature_names), raw_score=True, num_threads=NUM_THREADS
        )

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        z = self.platt_slope * self.raw_score(features) + self.platt_intercept
        return 1.0 / (1.0 + np.exp(-z))

    def top_risk_factors(self, features: pd.DataFrame, k: int = 3) -> list[str]:
        """Per customer, the k concepts pushing the churn risk up most, in plain words.

        Each feature's additive share of the raw score comes from
        :func:`toolkit.churn.explain.contributions` (the path decomposition of the trees,
        checked against LightGBM's TreeSHAP ``pred_contrib``); Platt scaling is monotone,
        so the order carries over to the probability. Contributions are summed per
        concept (recent activity, spend trend, declines, …) and each chosen concept is
        said through its strongest known feature.
        """
        matrix = _matrix(features, self.feature_names)
        contrib = contributions(self.booster, matrix, num_threads=NUM_THREADS)
        values = matrix.to_numpy(float)
        concepts = list(_concepts_for(self.feature_names).values())
        by_concept = np.column_stack([contrib[:, idx].sum(axis=1) for idx in concepts])
        order = np.argsort(-by_concept, axis=1, kind="stable")[:, :k]
        # Within each concept, the member feature with the largest contribution and a
        # known value speaks for it.
        speakable = np.where(np.isnan(values), -np.inf, contrib)
        spokesman = np.column_stack(
            [np.asarray(idx)[np.argmax(speakable[:, idx], axis=1)] for idx in concepts]
        )
        rows = np.arange(len(matrix))
        phrases: list[list[str]] = [[] for _ in rows]
        # Many customers share a value (a count, a card tier): say each (feature, value)
        # once. Keyed on the value's bits, so 0.0 and -0.0 (printed "-0") stay apart.
        said: dict[tuple[int, int], str] = {}
        for rank in range(order.shape[1]):
            concept = order[:, rank]
            feature = spokesman[rows, concept]
            pushes_up = by_concept[rows, concept] > 0
            known = ~np.isnan(values[rows, feature])
            chosen = np.nonzero(pushes_up & known)[0]
            chosen_features = feature[chosen]
            chosen_values = values[chosen, chosen_features]
            for row, j, bits, value in zip(
                chosen.tolist(),
                chosen_features.tolist(),
                chosen_values.view(np.int64).tolist(),
                chosen_values.tolist(),
                strict=True,
            ):
                phrase = said.get((j, bits))
                if phrase is None:
                    phrase = said[(j, bits)] = describe_feature(self.feature_names[j], value)
                phrases[row].append(phrase)
        return ["; ".join(p) if p else "no notable risk factors" for p in phrases]

    def to_dict(self) -> dict:
        return {
            "booster": self.booster.model_to_string(),
            "platt_slope": self.platt_slope,
            "platt_intercept": self.platt_intercept,
            "threshold": self.threshold,
            "feature_names": list(self.feature_names),
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ChurnModel:
        return cls(
            booster=lgb.Booster(model_str=data["booster"]),
            platt_slope=float(data["platt_slope"]),
            platt_intercept=float(data["platt_intercept"]),
            threshold=float(data["threshold"]),
            feature_names=tuple(data["feature_names"]),
            info=dict(data.get("info", {})),
        )

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        data = self.to_dict()
        (folder / "model.txt").write_text(data.pop("booster"))
        (folder / "model.json").write_text(json.dumps(data, indent=2, sort_keys=True))

    @classmethod
    def load(cls, folder: Path) -> ChurnModel:
        data = json.loads((folder / "model.json").read_text())
        data["booster"] = (folder / "model.txt").read_text()
        return cls.from_dict(data)


@dataclass
class TrainingOutcome:
    model: ChurnModel
    metrics: pd.DataFrame  # columns split, metric, value
    feature_importance: pd.Series
    # columns baseline, split, metric, value: the baselines on the same splits
    baseline_metrics: pd.DataFrame = field(default_factory=pd.DataFrame)
    # model minus the best single-feature baseline on the headline test split
    lift: dict[str, Difference] = field(default_factory=dict)
    # the headline held-out customers at the late cut-off: the promotion gate scores
    # the current model on exactly these
    test: pd.DataFrame = field(default_factory=pd.DataFrame)

    def metric(self, name: str, split: str = "test") -> float:
        rows = self.metrics[(self.metrics["metric"] == name) & (self.metrics["split"] == split)]
        return float(rows["value"].iloc[0])


def _concepts_for(names: tuple[str, ...]) -> dict[str, list[int]]:
    concepts: dict[str, list[int]] = {}
    for position, name in enumerate(names):
        concepts.setdefault(FEATURES[name][0], []).append(position)
    return concepts


def _matrix(features: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    return features.reindex(columns=list(names)).astype(float)


def assign_groups(customer_ids: pd.Index, seed: int) -> pd.Series:
    """train / validation / test per customer: a seeded shuffle of the sorted ids."""
    ids = np.sort(np.asarray(customer_ids.unique(), dtype=str))
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(len(ids))
    cut_train = int(round(len(ids) * SPLIT_SHARES["train"]))
    cut_valid = cut_train + int(round(len(ids) * SPLIT_SHARES["validation"]))
    groups = np.empty(len(ids), dtype=object)
    groups[shuffled[:cut_train]] = "train"
    groups[shuffled[cut_train:cut_valid]] = "validation"
    groups[shuffled[cut_valid:]] = "test"
    return pd.Series(groups, index=pd.Index(ids, name="customer_id"), name="group")


def _lgb_params(seed: int, rows: int) -> dict:
    return {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_data_in_leaf": int(min(50, max(5, rows // 40))),
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "num_threads": NUM_THREADS,
        "deterministic": True,
        "force_row_wise": True,
        "seed": seed,
        "verbosity": -1,
    }


def _best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    # the last precision/recall point has no threshold
    return float(thresholds[int(np.argmax(f1[:-1]))]) if len(thresholds) else 0.5


def _precision_recall_f1(y: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """sklearn's binary precision, recall and F1 with ``zero_division=0``, from one count.

    sklearn validates its inputs on each of the three calls (~20 ms per split at 10,000
    customers); the arithmetic is the same integer counts and one division each
    (F1 = 2·tp / (positives + predicted positives)), so the values are identical
    (tests/churn/test_churn_training.py compares them with sklearn's).
    """
    tp = int(np.count_nonzero(predicted[y == 1] == 1))
    predicted_positive, positive = int(np.count_nonzero(predicted)), int(np.count_nonzero(y))
    precision = tp / predicted_positive if predicted_positive else 0.0
    recall = tp / positive if positive else 0.0
    both = positive + predicted_positive
    return float(precision), float(recall), float(2 * tp / both if both else 0.0)


def evaluate(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    """Discrimination, threshold and calibration metrics for one split."""
    y = np.asarray(y, dtype=int)
    predicted = (p >= threshold).astype(int)
    both_classes = len(np.unique(y)) == 2
    precision, recall, f1 = _precision_recall_f1(y, predicted)
    return {
        "roc_auc": float(roc_auc_score(y, p)) if both_classes else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both_classes else float("nan"),
        "f1": f1,
        "precision": precision,
        "recall": recall,
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1])),
        "churn_rate": float(y.mean()),
        "mean_predicted": float(p.mean()),
        "rows": float(len(y)),
        "threshold": float(threshold),
    }


def train_from_frames(frames: TrainingFrames, *, seed: int = 42) -> TrainingOutcome:
    """Fit, calibrate, pick the threshold, and measure on held-out customers later in time."""
    groups = assign_groups(frames.early.index.append(frames.late.index), seed)
    early_group = groups.reindex(frames.early.index)
    train = frames.early[early_group == "train"]
    valid = frames.early[early_group == "validation"]
    test = frames.late[groups.reindex(frames.late.index) == "test"]
    if train["churned"].nunique() < 2:
        raise ValueError(
            f"the training split has only one class ({len(train)} customers): "
            "not enough history or customers to learn churn"
        )

    params = _lgb_params(seed, len(train))
    x_train, y_train = _matrix(train, FEATURE_NAMES), train["churned"].to_numpy(int)
    x_valid, y_valid = _matrix(valid, FEATURE_NAMES), valid["churned"].to_numpy(int)
    booster = lgb.train(
        params,
        lgb.Dataset(x_train, y_train, free_raw_data=False),
        num_boost_round=600,
        valid_sets=[lgb.Dataset(x_valid, y_valid, free_raw_data=False)],
        callbacks=[lgb.early_stopping(50, verbose=False)],
    )

    # Platt scaling on the validation group: a logistic fit of the label on the raw score.
    # A tiny portfolio can leave the validation group with one class; then the booster's
    # own sigmoid stands (it is trained on log-loss, so roughly calibrated) at 0.5.
    model = ChurnModel(booster=booster, platt_slope=1.0, platt_intercept=0.0, threshold=0.5)
    if valid["churned"].nunique() == 2:
        raw_valid = booster.predict(x_valid, raw_score=True, num_threads=NUM_THREADS)
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(raw_valid.reshape(-1, 1), y_valid)
        model.platt_slope = float(platt.coef_[0, 0])
        model.platt_intercept = float(platt.intercept_[0])
        model.threshold = _best_f1_threshold(y_valid, model.predict_proba(valid))

    # "test" — the headline — is held-out customers still active in the 90 days before the
    # later cut-off (those a retention offer can reach, and the hard cases); "test_all"
    # adds customers already quiet by then, whose churn is easy to call.
    splits = {
        "train": train,
        "validation": valid,
        "test": test[test["txn_count_90"] > 0],
        "test_all": test,
    }
    rows = []
    for split, part in splits.items():
        scores = evaluate(part["churned"].to_numpy(int), model.predict_proba(part), model.threshold)
        rows += [{"split": split, "metric": k, "value": v} for k, v in scores.items()]
    baseline_rows, lift = _baselines(train, valid, splits, model, seed)
    for name, difference in lift.items():
        rows += [
            {"split": "test", "metric": f"{name}_lift", "value": difference.diff},
            {"split": "test", "metric": f"{name}_lift_low", "value": difference.low},
            {"split": "test", "metric": f"{name}_lift_high", "value": difference.high},
        ]
    rows.append({"split": "train", "metric": "boosting_rounds", "value": booster.best_iteration})
    rows.append({"split": "train", "metric": "feature_count", "value": len(FEATURE_NAMES)})
    metrics = pd.DataFrame(rows)
    importance = pd.Series(
        booster.feature_importance(importance_type="gain"), index=list(FEATURE_NAMES)
    ).sort_values(ascending=False)
    model.info = {
        "seed": seed,
        "early_cutoff": frames.early_cutoff,
        "late_cutoff": frames.late_cutoff,
        "rows": {"train": len(train), "validation": len(valid), "test": len(test)},
        "top_features": list(importance.index[:10]),
    }
    model.info["lift_over"] = _best_single(baseline_rows)
    return TrainingOutcome(
        model=model,
        metrics=metrics,
        feature_importance=importance,
        baseline_metrics=baseline_rows,
        lift=lift,
        test=splits["test"],
    )


def _best_single(baseline_rows: pd.DataFrame) -> str:
    test = baseline_rows[
        (baseline_rows["split"] == "test")
        & (baseline_rows["metric"] == "pr_auc")
        & baseline_rows["baseline"].isin(SINGLE_FEATURE)
    ]
    return str(test.sort_values("value", ascending=False)["baseline"].iloc[0])


def _baselines(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    splits: dict[str, pd.DataFrame],
    model: ChurnModel,
    seed: int,
) -> tuple[pd.DataFrame, dict[str, Difference]]:
    """Baseline metrics on every split, and the model's lift over the best single feature.

    Each baseline's threshold is its own best F1 on validation, like the model's. The
    best single-feature baseline is chosen by test PR-AUC (the more generous choice for
    the baseline, so the lift is not flattered).
    """
    rows = []
    probabilities: dict[str, np.ndarray] = {}
    for name, baseline in fit_baselines(train).items():
        threshold = 0.5
        if valid["churned"].nunique() == 2:
            threshold = _best_f1_threshold(
                valid["churned"].to_numpy(int), baseline.predict_proba(valid)
            )
        for split, part in splits.items():
            p = baseline.predict_proba(part)
            if split == "test":
                probabilities[name] = p
            scores = evaluate(part["churned"].to_numpy(int), p, threshold)
            rows += [
                {"baseline": name, "split": split, "metric": k, "value": v}
                for k, v in scores.items()
            ]
    frame = pd.DataFrame(rows)
    best = _best_single(frame)
    test = splits["test"]
    y, p_model = test["churned"].to_numpy(int), model.predict_proba(test)
    # one pass over the seeded resamples for both metrics (each as paired_difference alone)
    lift = paired_differences(
        y, p_model, probabilities[best], metrics=("pr_auc", "roc_auc"), seed=seed
    )
    return frame, lift
