"""The fixed vocabularies of c360, in one place.

Dashboards, saved SQL, the semantic model and the dbt tests rely on these exact strings
(docs/CONTRACT.md, "Fixed vocabularies"). Every module that needs one imports it from
here; ``tests/test_domain.py`` checks that the dbt project's vars and tests, the semantic
model's sample values and the generator agree with this module.
"""

from __future__ import annotations

from dataclasses import dataclass

# Behavioural segments (gold.customer_segments.customer_segment), in display order, with
# the colour each one has in every chart of the app.
SEGMENT_COLORS: dict[str, str] = {
    "High-Value Travelers": "#1f77b4",
    "Stable Mid-Spenders": "#2ca02c",
    "Budget-Conscious": "#9467bd",
    "Declining": "#d62728",
    "New & Growing": "#ff7f0e",
}
SEGMENTS: tuple[str, ...] = tuple(SEGMENT_COLORS)
# The same hues as Streamlit's named badge colours (st.badge accepts only these names).
SEGMENT_BADGE_COLORS: dict[str, str] = {
    "High-Value Travelers": "blue",
    "Stable Mid-Spenders": "green",
    "Budget-Conscious": "violet",
    "Declining": "red",
    "New & Growing": "orange",
}


@dataclass(frozen=True)
class RiskBand:
    """A churn-risk category: the inclusive range of the 0-100 score it covers."""

    name: str
    low: int
    high: int
    color: str
    badge_color: str  # Streamlit's named badge colour of the same hue


RISK_BANDS: tuple[RiskBand, ...] = (
    RiskBand("Low Risk", 0, 39, "#2ca02c", "green"),
    RiskBand("Medium Risk", 40, 69, "#ff9f1c", "orange"),
    RiskBand("High Risk", 70, 100, "#d62728", "red"),
)
RISK_CATEGORIES: tuple[str, ...] = tuple(band.name for band in RISK_BANDS)
RISK_COLORS: dict[str, str] = {band.name: band.color for band in RISK_BANDS}
RISK_BADGE_COLORS: dict[str, str] = {band.name: band.badge_color for band in RISK_BANDS}

# Card products, from the entry card to the premium one; the credit limit range (dollars)
# each one is issued with.
CREDIT_LIMIT_RANGES: dict[str, tuple[int, int]] = {
    "Basic": (500, 3_000),
    "Silver": (3_000, 10_000),
    "Gold": (10_000, 25_000),
    "Platinum": (25_000, 50_000),
}
CARD_TYPES: tuple[str, ...] = tuple(CREDIT_LIMIT_RANGES)

CHANNELS: tuple[str, ...] = ("Online", "In-Store", "Mobile")
STATUSES: tuple[str, ...] = ("approved", "declined")
