"""Per-customer feature contributions to a LightGBM model's raw score, fast.

LightGBM's ``pred_contrib`` (TreeSHAP) costs ~0.2 ms per customer per call here — 10 s
for 50,000 customers, half the whole train + score budget. This computes the path
decomposition instead (Saabas; the ``treeinterpreter`` method): walking a tree from
its root to the customer's leaf, each split hands the change in the node's expected
value to the feature it split on. Per tree that is a fixed table leaf → contribution
vector, so scoring is one ``pred_leaf`` call and a gather. Like TreeSHAP the
contributions add up exactly to the raw score (bias + Σ contributions); they rank
features almost the same way (a test checks agreement with ``pred_contrib``).
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

ROW_BLOCK = 2048  # rows per block: 2,048 x 31 features x 8 bytes = 0.5 MB, fits in L2


def _node_value(node: dict) -> float:
    return float(node["leaf_value"] if "leaf_index" in node else node["internal_value"])


def path_tables(booster: lgb.Booster) -> tuple[list[np.ndarray], float]:
    """Per tree, a (num_leaves, num_features) table of contributions; plus the total bias."""
    n_features = booster.num_feature()
    tables: list[np.ndarray] = []
    bias = 0.0
    for tree in booster.dump_model()["tree_info"]:
        root = tree["tree_structure"]
        table = np.zeros((max(int(tree["num_leaves"]), 1), n_features))
        bias += _node_value(root)
        stack = [(root, np.zeros(n_features))]
        while stack:
            node, acc = stack.pop()
            if "leaf_index" in node:
                table[int(node["leaf_index"])] = acc
                continue
            feature, value = int(node["split_feature"]), _node_value(node)
            for child in (node["left_child"], node["right_child"]):
                step = acc.copy()
                step[feature] += _node_value(child) - value
                stack.append((child, step))
        tables.append(table)
    return tables, bias


def contributions(
    booster: lgb.Booster, matrix: pd.DataFrame, tables=None, *, num_threads: int = 2
) -> np.ndarray:
    """(rows, features) contributions; row sums + bias equal ``predict(raw_score=True)``."""
    tables = tables if tables is not None else path_tables(booster)[0]
    leaves = booster.predict(matrix, pred_leaf=True, num_threads=num_threads)
    leaves = np.asarray(leaves, dtype=np.int64)
    if leaves.ndim == 1:
        leaves = leaves.reshape(-1, 1)
    total = np.zeros((len(matrix), booster.num_feature()))
    # Block by rows so each block's running total stays in cache across all trees: the
    # same additions in the same tree order (so the same bits), ~4x less memory traffic.
    for start in range(0, len(total), ROW_BLOCK):
        block, block_leaves = total[start : start + ROW_BLOCK], leaves[start : start + ROW_BLOCK]
        for tree_index, table in enumerate(tables):
            block += table[block_leaves[:, tree_index]]
    return total
