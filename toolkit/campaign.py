"""Campaign maths for the Campaign Simulator: pure functions, no I/O.

A campaign targets an *audience* with an *offer*. Everything below is linear in the
audience's sums, so an audience is summarised by three numbers the app computes in SQL:

- ``customers``             N, the number of targeted customers;
- ``monthly_spend``         Σ Sᵢ, their approved spend per month (90-day spend / 3);
- ``at_risk_monthly_spend`` Σ pᵢ·Sᵢ, that spend weighted by each churn probability pᵢ;
- ``expected_churners``     Σ pᵢ, the customers expected to leave without a campaign.

With response rate ρ, retention rate r (share of at-risk responders the offer keeps),
spend lift λ, margin m (issuer revenue per dollar of spend), campaign duration D months
and value horizon H months (how long a saved customer keeps paying):

    retention benefit = ρ · r · Σ pᵢSᵢ · m · H
    lift benefit      = ρ · λ · Σ Sᵢ · m · D
    cost              = N · cost per customer + ρ · N · incentive
    net benefit       = retention benefit + lift benefit − cost
    ROI               = net benefit / cost
    break-even r*     = (cost − lift benefit) / (ρ · Σ pᵢSᵢ · m · H)

Responders are assumed to be a random draw of the audience (response does not depend
on spend), which is what makes the aggregate formulas exact expectations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

OFFER_TYPES: dict[str, str] = {
    "Cashback bonus": "statement credit once a spend threshold is met",
    "Bonus points": "accelerated rewards points for the campaign period",
    "Annual fee waiver": "next annual fee waived",
    "APR discount": "promotional interest rate on purchases",
    "Credit limit increase": "pre-approved higher limit",
    "Travel perk": "lounge passes or travel credit",
}


DEFAULT_MARGIN_RATE = 0.03
DEFAULT_VALUE_HORIZON_MONTHS = 12


@dataclass(frozen=True)
class Audience:
    """The sums of a targeted audience (see the module docstring)."""

    customers: int
    monthly_spend: float
    at_risk_monthly_spend: float
    expected_churners: float

    def __post_init__(self) -> None:
        if self.customers < 0:
            raise ValueError("an audience cannot have a negative number of customers")
        if self.monthly_spend < 0 or self.at_risk_monthly_spend < 0 or self.expected_churners < 0:
            raise ValueError("audience sums cannot be negative")
        if self.at_risk_monthly_spend > self.monthly_spend + 1e-6:
            raise ValueError("at-risk spend cannot exceed total spend (probabilities are ≤ 1)")
        if self.expected_churners > self.customers + 1e-6:
            raise ValueError("expected churners cannot exceed the audience size")


@dataclass(frozen=True)
class OfferParameters:
    """What the campaign offers and what it is assumed to achieve."""

    offer_type: str = "Cashback bonus"
    incentive_per_responder: float = 50.0
    cost_per_customer: float = 5.0
    response_rate: float = 0.20
    retention_rate: float = 0.30
    spend_lift: float = 0.10
    duration_months: int = 6
    margin_rate: float = DEFAULT_MARGIN_RATE
    value_horizon_months: int = DEFAULT_VALUE_HORIZON_MONTHS

    def __post_init__(self) -> None:
        for name in ("incentive_per_responder", "cost_per_customer", "spend_lift", "margin_rate"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        for name in ("response_rate", "retention_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.duration_months < 1 or self.value_horizon_months < 1:
            raise ValueError("durations are at least one month")


@dataclass(frozen=True)
class CampaignResult:
    """Expected outcome of one campaign on one audience."""

    customers: int
    responders: float
    retained_customers: float
    retention_benefit: float
    lift_benefit: float
    contact_cost: float
    incentive_cost: float
    total_cost: float
    net_benefit: float
    roi: float | None  # None when the campaign costs nothing
    break_even_retention_rate: float | None  # None when retention cannot pay anything back

    @property
    def total_benefit(self) -> float:
        return self.retention_benefit + self.lift_benefit


def evaluate(audience: Audience, params: OfferParameters) -> CampaignResult:
    """Expected benefit, cost, net benefit, ROI and break-even retention rate."""
    n = audience.customers
    rho = params.response_rate
    m = params.margin_rate
    responders = rho * n
    retained = rho * params.retention_rate * audience.expected_churners
    # The value one unit of retention rate buys: every at-risk responder kept for H months.
    retention_value_per_rate = (
        rho * audience.at_risk_monthly_spend * m * params.value_horizon_months
    )
    retention_benefit = params.retention_rate * retention_value_per_rate
    lift_benefit = rho * params.spend_lift * audience.monthly_spend * m * params.duration_months
    contact_cost = n * params.cost_per_customer
    incentive_cost = responders * params.incentive_per_responder
    total_cost = contact_cost + incentive_cost
    net_benefit = retention_benefit + lift_benefit - total_cost
    roi = net_benefit / total_cost if total_cost > 0 else None
    break_even = (
        (total_cost - lift_benefit) / retention_value_per_rate
        if retention_value_per_rate > 0
        else None
    )
    return CampaignResult(
        customers=n,
        responders=responders,
        retained_customers=retained,
        retention_benefit=retention_benefit,
        lift_benefit=lift_benefit,
        contact_cost=contact_cost,
        incentive_cost=incentive_cost,
        total_cost=total_cost,
        net_benefit=net_benefit,
        roi=roi,
        break_even_retention_rate=break_even,
    )


def priority_coefficients(params: OfferParameters) -> tuple[float, float, float]:
    """(a, b, c) such that a customer's expected net benefit is a·pᵢSᵢ + b·Sᵢ − c.

    The app ranks the target list in SQL with these as bind parameters, so the
    prioritised list and :func:`evaluate` can never disagree.
    """
    rho, m = params.response_rate, params.margin_rate
    a = rho * params.retention_rate * m * params.value_horizon_months
    b = rho * params.spend_lift * m * params.duration_months
    c = params.cost_per_customer + rho * params.incentive_per_responder
    return a, b, c


def customer_expected_net(
    churn_probability: float, monthly_spend: float, params: OfferParameters
) -> float:
    """Expected net benefit of adding one customer to the campaign."""
    a, b, c = priority_coefficients(params)
    return a * churn_probability * monthly_spend + b * monthly_spend - c


# --- scenarios -------------------------------------------------------------------------


@dataclass(frozen=True)
class AudienceFilter:
    """Who a campaign targets. Empty tuples mean "any"."""

    segments: tuple[str, ...] = ()
    risk_categories: tuple[str, ...] = ()
    card_types: tuple[str, ...] = ()
    min_lifetime_value: float | None = None
    min_churn_probability: float | None = None

    def describe(self) -> str:
        parts = []
        if self.segments:
            parts.append(", ".join(self.segments))
        if self.risk_categories:
            parts.append(", ".join(self.risk_categories))
        if self.card_types:
            parts.append(", ".join(self.card_types) + " cards")
        if self.min_lifetime_value is not None:
            parts.append(f"LTV ≥ ${self.min_lifetime_value:,.0f}")
        if self.min_churn_probability is not None:
            parts.append(f"churn probability ≥ {self.min_churn_probability:.0%}")
        return "; ".join(parts) or "all customers"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    audience: AudienceFilter
    params: OfferParameters = field(default_factory=OfferParameters)


PREBUILT_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="Aggressive Retention",
        description="Rich cashback to every high-risk customer before they leave.",
        audience=AudienceFilter(risk_categories=("High Risk",)),
        params=OfferParameters(
            offer_type="Cashback bonus",
            incentive_per_responder=75.0,
            cost_per_customer=8.0,
            response_rate=0.35,
            retention_rate=0.40,
            spend_lift=0.05,
            duration_months=6,
        ),
    ),
    Scenario(
        name="High-Value Focus",
        description="Travel perks that keep the most valuable travellers spending.",
        audience=AudienceFilter(segments=("High-Value Travelers",)),
        params=OfferParameters(
            offer_type="Travel perk",
            incentive_per_responder=100.0,
            cost_per_customer=10.0,
            response_rate=0.25,
            retention_rate=0.30,
            spend_lift=0.15,
            duration_months=12,
        ),
    ),
    Scenario(
        name="Declining Recovery",
        description="Spend-threshold cashback to win back customers whose spend is falling.",
        audience=AudienceFilter(segments=("Declining",)),
        params=OfferParameters(
            offer_type="Cashback bonus",
            incentive_per_responder=40.0,
            cost_per_customer=5.0,
            response_rate=0.20,
            retention_rate=0.35,
            spend_lift=0.20,
            duration_months=6,
        ),
    ),
    Scenario(
        name="New Customer Nurture",
        description="Bonus points that build the habit in new, growing accounts.",
        audience=AudienceFilter(segments=("New & Growing",)),
        params=OfferParameters(
            offer_type="Bonus points",
            incentive_per_responder=25.0,
            cost_per_customer=3.0,
            response_rate=0.30,
            retention_rate=0.20,
            spend_lift=0.25,
            duration_months=6,
        ),
    ),
    Scenario(
        name="Budget Engagement",
        description="A cheap fee waiver for budget-conscious customers at medium or high risk.",
        audience=AudienceFilter(
            segments=("Budget-Conscious",), risk_categories=("Medium Risk", "High Risk")
        ),
        params=OfferParameters(
            offer_type="Annual fee waiver",
            incentive_per_responder=15.0,
            cost_per_customer=1.5,
            response_rate=0.15,
            retention_rate=0.15,
            spend_lift=0.08,
            duration_months=3,
        ),
    ),
)


def best_scenario(results: dict[str, CampaignResult], *, by: str = "roi") -> str | None:
    """Name of the best scenario by ``roi`` or ``net_benefit`` (ties: higher net benefit)."""
    if by not in ("roi", "net_benefit"):
        raise ValueError("rank scenarios by 'roi' or 'net_benefit'")
    candidates = {
        name: result
        for name, result in results.items()
        if result.customers > 0 and (by == "net_benefit" or result.roi is not None)
    }
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda name: (getattr(candidates[name], by), candidates[name].net_benefit),
    )


# --- sensitivity -----------------------------------------------------------------------

# The parameters a user can move, with a label for charts. Rates are clamped to [0, 1].
SENSITIVITY_PARAMETERS: dict[str, str] = {
    "response_rate": "Response rate",
    "retention_rate": "Retention rate",
    "spend_lift": "Spend lift",
    "incentive_per_responder": "Incentive per responder",
    "cost_per_customer": "Cost per customer",
    "margin_rate": "Margin on spend",
    "duration_months": "Duration (months)",
}
_RATES = ("response_rate", "retention_rate")
_WHOLE_MONTHS = ("duration_months", "value_horizon_months")


def _with(params: OfferParameters, name: str, value: float) -> OfferParameters:
    if name not in {f.name for f in fields(OfferParameters)}:
        raise ValueError(f"unknown campaign parameter {name!r}")
    if name in _RATES:
        value = min(max(value, 0.0), 1.0)
    if name in _WHOLE_MONTHS:
        value = max(1, round(value))
    return replace(params, **{name: max(value, 0)})


def sensitivity(
    audience: Audience, params: OfferParameters, parameter: str, values: list[float]
) -> list[tuple[float, CampaignResult]]:
    """The campaign re-evaluated with one parameter set to each of ``values``."""
    return [(value, evaluate(audience, _with(params, parameter, value))) for value in values]


@dataclass(frozen=True)
class TornadoBar:
    parameter: str
    label: str
    low_value: float
    high_value: float
    net_at_low: float
    net_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.net_at_high - self.net_at_low)


def tornado(audience: Audience, params: OfferParameters, *, swing: float = 0.2) -> list[TornadoBar]:
    """Net benefit with each parameter moved ±``swing`` (relative), widest swing first."""
    if not 0 < swing < 1:
        raise ValueError("swing is a fraction between 0 and 1")
    bars = []
    for name, label in SENSITIVITY_PARAMETERS.items():
        base = getattr(params, name)
        low_params = _with(params, name, base * (1 - swing))
        high_params = _with(params, name, base * (1 + swing))
        bars.append(
            TornadoBar(
                parameter=name,
                label=label,
                low_value=getattr(low_params, name),
                high_value=getattr(high_params, name),
                net_at_low=evaluate(audience, low_params).net_benefit,
                net_at_high=evaluate(audience, high_params).net_benefit,
            )
        )
    return sorted(bars, key=lambda bar: bar.swing, reverse=True)


def funnel(result: CampaignResult) -> list[tuple[str, float]]:
    """Reach funnel: targeted → responders → customers saved from churning."""
    return [
        ("Targeted", float(result.customers)),
        ("Responders", result.responders),
        ("Retained (saved from churn)", result.retained_customers),
    ]


def cost_breakdown(result: CampaignResult) -> list[tuple[str, float]]:
    return [("Contact cost", result.contact_cost), ("Incentives paid", result.incentive_cost)]


# --- one customer ----------------------------------------------------------------------

_SEGMENT_ACTIONS = {
    "High-Value Travelers": "Offer a travel perk (lounge passes or travel credit) with a personal call.",
    "Stable Mid-Spenders": "Offer bonus points in their favourite category.",
    "Budget-Conscious": "Waive the next annual fee.",
    "Declining": "Offer spend-threshold cashback to win back activity.",
    "New & Growing": "Offer bonus points on the next three months' spend to build the habit.",
}

# Risk-factor keywords that call for something more specific than the segment's offer.
_FACTOR_ACTIONS = (
    (
        ("recency", "days since", "inactiv", "no transaction"),
        "They have gone quiet: reach out now.",
    ),
    (("utiliz", "credit limit", "limit"), "Consider a pre-approved credit limit increase."),
    (
        ("declin", "drop", "decreas", "fell", "lower spend"),
        "Their spend is falling: lead with cashback.",
    ),
)


def suggest_retention_action(
    segment: str | None, risk_category: str | None, factors: list[str] | tuple[str, ...] = ()
) -> str:
    """A short, rule-based next best action for one customer."""
    if risk_category == "Low Risk":
        return "No retention action needed: keep them in regular engagement and cross-sell."
    action = _SEGMENT_ACTIONS.get(segment or "", "Offer a tailored cashback bonus.")
    text = " ".join(str(f).lower() for f in factors)
    extras = [advice for keys, advice in _FACTOR_ACTIONS if any(k in text for k in keys)]
    if risk_category == "High Risk":
        action = "Priority: " + action[0].lower() + action[1:]
    return " ".join([action, *extras[:1]])
