"""Churn model and customer lifetime value. Implemented by issue #4."""

from toolkit.errors import NotBuiltYet


def train_model(db_path, *, seed=42, force=False):
    raise NotBuiltYet("c360 train", 4)


def score_customers(db_path):
    raise NotBuiltYet("c360 score", 4)
