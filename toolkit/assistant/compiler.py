"""Plan → one SELECT, written for DuckDB (local) or Snowflake, through sqlglot.

Column expressions from the semantic model are qualified with a fixed alias per
logical table; joins follow the model's relationships from the base table; values
reach the SQL only as sqlglot literals built from parsed numbers or model values.
"""

from __future__ import annotations

from sqlglot import exp

from toolkit.assistant import period_change
from toolkit.assistant.model import SemanticModel
from toolkit.assistant.plan import ALIASES, Plan, SemiJoin, qualify


def _table_ref(model: SemanticModel, table: str, database: str | None) -> exp.Table:
    t = model.tables[table]
    return exp.table_(t.physical, db=t.schema, catalog=database, alias=ALIASES[table])


def _join_path(model: SemanticModel, base: str, needed: set[str]):
    """Joins (child table, parent table, relationship) from base to every needed table."""
    parents: dict[str, tuple[str, object]] = {}
    frontier = [base]
    seen = {base}
    while frontier:
        current = frontier.pop(0)
        for rel in model.relationships:
            if rel.left_table == current:
                nxt, left = rel.right_table, True
            elif rel.right_table == current and rel.relationship_type == "one_to_one":
                nxt, left = rel.left_table, False
            else:
                continue
            if nxt in seen:
                continue
            seen.add(nxt)
            parents[nxt] = (current, rel, left)
            frontier.append(nxt)
    ordered: list[tuple[str, str, object, bool]] = []
    for table in sorted(needed - {base}):
        if table not in parents:
            raise ValueError(f"no join path from {base} to {table}")
        chain = []
        node = table
        while node != base:
            parent, rel, left = parents[node]
            chain.append((node, parent, rel, left))
            node = parent
        for step in reversed(chain):
            if all(step[0] != existing[0] for existing in ordered):
                ordered.append(step)
    return ordered


def _on(rel, left_is_parent: bool) -> exp.Expression:
    left = exp.column(rel.left_column, table=ALIASES[rel.left_table])
    right = exp.column(rel.right_column, table=ALIASES[rel.right_table])
    return exp.EQ(this=left, expression=right)


def _apply_joins(select: exp.Select, model, base, needed, database) -> exp.Select:
    for table, _parent, rel, left in _join_path(model, base, needed):
        kind = "LEFT" if rel.relationship_type == "one_to_one" else None
        select = select.join(_table_ref(model, table, database), on=_on(rel, left), join_type=kind)
    return select


def _approved_needed(plan_parts: list[exp.Expression]) -> bool:
    return not any(c.name == "status" for part in plan_parts for c in part.find_all(exp.Column))


def _semi_join(model, semi: SemiJoin, outer_table: str, database) -> exp.Expression:
    parts = [qualify(c.expr, c.table) for c in semi.conditions]
    having = qualify(semi.having, "transactions") if semi.having is not None else None
    if _approved_needed(parts + ([having] if having is not None else [])):
        parts.insert(
            0,
            exp.EQ(this=exp.column("status", table="t"), expression=exp.Literal.string("approved")),
        )
    needed = {c.table for c in semi.conditions} | {"transactions"}
    sub = exp.select(exp.column("customer_id", table="t")).from_(
        _table_ref(model, "transactions", database)
    )
    sub = _apply_joins(sub, model, "transactions", needed, database)
    if parts:
        sub = sub.where(exp.and_(*parts))
    negate = semi.negate
    if semi.counts_zero:
        # "spent under $1,000 in the last 90 days" also holds for a customer who spent nothing:
        # keep the customers NOT among those whose transactions reach the bound
        having, negate = exp.Not(this=exp.paren(having)), True
    if having is not None:
        sub = sub.group_by(exp.column("customer_id", table="t")).having(having)
    outer = exp.column("customer_id", table=ALIASES[outer_table])
    membership = exp.In(this=outer, query=exp.Subquery(this=sub))
    return exp.Not(this=membership) if negate else membership


def compile_plan(
    model: SemanticModel,
    plan: Plan,
    *,
    dialect: str = "duckdb",
    database: str | None = None,
    asof=None,
) -> str:
    """SQL for the plan. With `asof` (the data's latest transaction date, read from the
    data just before) the as-of subquery becomes that date, so the engine can skip
    whole blocks of old transactions by their min/max statistics."""
    select = build_select(model, plan, database=database)
    if asof is not None:
        literal = exp.cast(exp.Literal.string(asof.isoformat()), exp.DataType.build("DATE"))
        for sub in list(select.find_all(exp.Subquery)):
            inner = sub.this
            if (
                isinstance(inner, exp.Select)
                and len(inner.expressions) == 1
                and isinstance(inner.expressions[0], exp.Max)
                and inner.expressions[0].this.name == "transaction_date"
                and inner.args.get("where") is None
                and [t.name for t in inner.find_all(exp.Table)] == ["fct_transactions"]
            ):
                sub.replace(literal.copy())
    if plan.period_change is not None:
        return period_change.wrap(plan, select.sql(dialect=dialect), dialect)
    return select.sql(dialect=dialect)


def build_select(model: SemanticModel, plan: Plan, *, database: str | None = None) -> exp.Select:
    base = plan.base
    projections = []
    used_parts: list[exp.Expression] = []
    needed = {base}
    for column in [*plan.groups, *plan.columns]:
        e = qualify(column.expr, column.table)
        projections.append(exp.alias_(e, column.label))
        needed.add(column.table)
        used_parts.append(e)
    for measure in plan.measures:
        e = qualify(measure.expr, measure.table)
        for marker in list(e.find_all(exp.Anonymous)):
            if marker.name == "__SEMI__":
                marker.replace(_semi_join(model, marker.meta["semi"], base, database))
        for column in e.find_all(exp.Column):
            for table, alias in ALIASES.items():
                if column.table == alias and column.find_ancestor(exp.Subquery) is None:
                    needed.add(table)
        projections.append(exp.alias_(e, measure.label))
        used_parts.append(e)
    conditions = []
    for cond in plan.conditions:
        e = qualify(cond.expr, cond.table)
        conditions.append(e)
        needed.add(cond.table)
    for semi in plan.semi_joins:
        conditions.append(_semi_join(model, semi, base, database))
    having = [qualify(h, base) for h in plan.having]
    if base == "transactions" and _approved_needed(
        used_parts + [c for c in conditions if not isinstance(c, (exp.In, exp.Not))] + having
    ):
        conditions.insert(
            0,
            exp.EQ(this=exp.column("status", table="t"), expression=exp.Literal.string("approved")),
        )
    two_level = _two_level(model, plan, projections, conditions, having, base, needed, database)
    if two_level is None:
        two_level = _per_customer_first(
            model, plan, projections, conditions, having, needed, database
        )
    for side in (DATE_JOIN, CATEGORY_JOIN):
        if two_level is None:
            two_level = _per_customer_first(
                model, plan, projections, conditions, having, needed, database, side=side
            )
    if two_level is not None:
        select = two_level
    else:
        select = exp.select(*projections).from_(_table_ref(model, base, database))
        select = _apply_joins(select, model, base, needed, database)
        if conditions:
            select = select.where(exp.and_(*conditions))
        if plan.groups and plan.measures:
            select = select.group_by(*[qualify(g.expr, g.table) for g in plan.groups])
        if having:
            select = select.having(exp.and_(*having))
    if plan.order:
        select = select.order_by(
            *[
                exp.Ordered(this=exp.column(label), desc=desc, nulls_first=False)
                for label, desc in plan.order
            ]
        )
    if plan.limit:
        select = select.limit(plan.limit)
    if database:
        # the as-of subquery and semi-joins name gold tables too
        for table in select.find_all(exp.Table):
            if table.db and not table.catalog:
                table.set("catalog", exp.to_identifier(database))
    return select


_DECOMPOSABLE = (exp.Sum, exp.Count, exp.Min, exp.Max, exp.Avg)


def _outer_tables(expression: exp.Expression) -> set[str]:
    """The table aliases ``expression``'s columns name, outside any subquery it holds."""
    return {
        c.table for c in expression.find_all(exp.Column) if c.find_ancestor(exp.Subquery) is None
    }


def _roll_up(expression: exp.Expression, inner_cols: list) -> exp.Expression:
    """``expression`` over the partial totals of subquery ``x``, rolled up exactly.

    Each aggregate becomes a partial column appended to ``inner_cols`` (``__p<n>``)
    and, outside, the aggregate of that partial: sums and counts are summed, minima
    and maxima taken again, an average becomes sum of partial sums over sum of
    partial counts. Rolled nodes are marked so the transform does not split them twice.
    """

    def split(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.AggFunc) or node.meta.get("rolled"):
            return node
        n = len(inner_cols)
        if isinstance(node, exp.Avg):
            inner_cols.append(exp.alias_(exp.Sum(this=node.this.copy()), f"__p{n}"))
            inner_cols.append(exp.alias_(exp.Count(this=node.this.copy()), f"__p{n + 1}"))
            parts = [exp.Sum(this=exp.column(f"__p{k}", table="x")) for k in (n, n + 1)]
            for part in parts:
                part.meta["rolled"] = True
            return exp.Div(this=parts[0], expression=parts[1])
        inner_cols.append(exp.alias_(node.copy(), f"__p{n}"))
        column = exp.column(f"__p{n}", table="x")
        kind = exp.Sum if isinstance(node, (exp.Sum, exp.Count)) else type(node)
        rolled = kind(this=column)
        rolled.meta["rolled"] = True
        return rolled

    return expression.copy().transform(split)


def _select_from_partials(inner, outer_groups, outer_measures, measures) -> exp.Select:
    """The outer SELECT of a two-step aggregate: groups and rolled measures over ``inner AS x``."""
    return exp.select(
        *[exp.alias_(e, label) for e, label in outer_groups],
        *[exp.alias_(e, m.label) for e, m in zip(outer_measures, measures, strict=True)],
    ).from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("x"))))


def _two_level(model, plan, projections, conditions, having, base, needed, database):
    """Per-month/quarter/year answers aggregated per *day* first, then rolled up.

    Truncating every one of millions of transaction dates costs far more than
    grouping by the date and truncating a few hundred day totals; sums, counts,
    minima, maxima and averages roll up exactly. Returns None when the plan has no
    time grain or a measure that does not roll up (distinct counts, medians).
    """
    time_groups = [g for g in plan.groups if g.style in ("date", "year")]
    if base != "transactions" or not time_groups or not plan.measures:
        return None
    (grain,) = time_groups[:1]
    grain_expr = qualify(grain.expr, grain.table)
    date_cols = list(grain_expr.find_all(exp.Column))
    if len(date_cols) != 1 or grain_expr == date_cols[0]:
        return None
    date_col = date_cols[0]
    measure_exprs = [p.args["this"] for p in projections[len(plan.groups) + len(plan.columns) :]]
    aggs = [a for e in [*measure_exprs, *having] for a in e.find_all(exp.AggFunc)]
    if any(not isinstance(a, _DECOMPOSABLE) or isinstance(a.this, exp.Distinct) for a in aggs):
        return None
    inner_cols, outer_groups, inner_keys = [], [], []
    # every label of the same date (a quarter's year, number and first day) rolls up from __day
    same_day = [
        g
        for g in time_groups
        if [c.sql() for c in qualify(g.expr, g.table).find_all(exp.Column)] == [date_col.sql()]
    ]
    for group in plan.groups:
        if group is grain or any(group is g for g in same_day):
            if group is grain:
                inner_cols.append(exp.alias_(date_col.copy(), "__day"))
                inner_keys.append(date_col.copy())
            rolled = qualify(group.expr, group.table).copy()
            rolled.find(exp.Column).replace(exp.column("__day", table="x"))
            outer_groups.append((rolled, group.label))
        else:
            key = f"__g{len(inner_keys)}"
            expr = qualify(group.expr, group.table)
            inner_cols.append(exp.alias_(expr, key))
            inner_keys.append(expr.copy())
            outer_groups.append((exp.column(key, table="x"), group.label))

    outer_measures = [_roll_up(e, inner_cols) for e in measure_exprs]
    outer_having = [_roll_up(h, inner_cols) for h in having]
    conditions, needed = _customer_filters_as_semi_join(model, plan, conditions, needed, database)
    inner = exp.select(*inner_cols).from_(_table_ref(model, base, database))
    inner = _apply_joins(inner, model, base, needed, database)
    if conditions:
        inner = inner.where(exp.and_(*conditions))
    inner = inner.group_by(*inner_keys)
    outer = _select_from_partials(inner, outer_groups, outer_measures, plan.measures)
    outer = outer.group_by(*[e.copy() for e, _ in outer_groups])
    if outer_having:
        outer = outer.having(exp.and_(*outer_having))
    return outer


CUSTOMER_SIDE = ("customers", "customer_segments", "churn_predictions")
# (tables across the join, key in transactions, table joined back, its key)
CUSTOMER_JOIN = (CUSTOMER_SIDE, "customer_id", "customers", "customer_id")
DATE_JOIN = (("dates",), "date_key", "dates", "date_key")
CATEGORY_JOIN = (
    ("merchant_categories",),
    "merchant_category_key",
    "merchant_categories",
    "merchant_category_key",
)


def _per_customer_first(
    model, plan, projections, conditions, having, needed, database, side=CUSTOMER_JOIN
):
    """Transactions split by customer attributes: total per customer first, then join.

    Joining millions of transactions to the profile costs more than joining one
    partial total per customer; sums, counts, minima, maxima and averages roll up
    exactly. Returns None unless every measure is such an aggregate over transaction
    columns and customer-side tables are involved.
    """
    side_tables, fk, join_table, pk = side
    customer_tables = {t for t in needed if t in side_tables}
    if plan.base != "transactions" or not customer_tables or not plan.measures or plan.columns:
        return None
    measure_exprs = [p.args["this"] for p in projections[len(plan.groups) :]]
    aggs = [a for e in [*measure_exprs, *having] for a in e.find_all(exp.AggFunc)]
    if any(not isinstance(a, _DECOMPOSABLE) or isinstance(a.this, exp.Distinct) for a in aggs):
        return None
    txn_aliases = {
        ALIASES[t] for t in ("transactions", "merchant_categories", "dates") if t not in side_tables
    }
    for e in [*measure_exprs, *having]:
        if not _outer_tables(e) <= txn_aliases:
            return None
    # conditions: the transaction side stays inside, the customer side moves out
    inner_conditions, outer_conditions = [], []
    for cond in conditions:
        tables = _outer_tables(cond)
        if tables and tables <= txn_aliases:
            inner_conditions.append(cond)
        elif tables and not tables & txn_aliases:
            outer_conditions.append(cond)
        else:
            return None
    inner_cols = [exp.alias_(exp.column(fk, table="t"), "__c")]
    inner_keys = [exp.column(fk, table="t")]
    outer_groups = []
    for group in plan.groups:
        expr = qualify(group.expr, group.table)
        if group.table in side_tables:
            outer_groups.append((expr, group.label))
        else:
            key = f"__g{len(inner_cols)}"
            inner_cols.append(exp.alias_(expr, key))
            inner_keys.append(expr.copy())
            outer_groups.append((exp.column(key, table="x"), group.label))

    outer_measures = [_roll_up(e, inner_cols) for e in measure_exprs]
    outer_having = [_roll_up(h, inner_cols) for h in having]
    inner_needed = {t for t in needed if t not in side_tables} | {"transactions"}
    inner = exp.select(*inner_cols).from_(_table_ref(model, "transactions", database))
    inner = _apply_joins(inner, model, "transactions", inner_needed, database)
    if inner_conditions:
        inner = inner.where(exp.and_(*inner_conditions))
    inner = inner.group_by(*inner_keys)
    outer = _select_from_partials(inner, outer_groups, outer_measures, plan.measures)
    outer = outer.join(
        _table_ref(model, join_table, database),
        on=exp.EQ(
            this=exp.column("__c", table="x"), expression=exp.column(pk, table=ALIASES[join_table])
        ),
    )
    outer = _apply_joins(outer, model, join_table, customer_tables | {join_table}, database)
    if outer_conditions:
        outer = outer.where(exp.and_(*outer_conditions))
    if outer_groups:
        outer = outer.group_by(*[e.copy() for e, _ in outer_groups])
    if outer_having:
        outer = outer.having(exp.and_(*outer_having))
    return outer


def _customer_filters_as_semi_join(model, plan, conditions, needed, database):
    """Customer-only filters of a transaction query as ``t.customer_id IN (...)``.

    Used when nothing is grouped or measured on the customer side: probing a set of
    customer ids is cheaper than joining every transaction to the profile.
    """
    side = {ALIASES[t] for t in CUSTOMER_SIDE}
    if any(g.table in CUSTOMER_SIDE for g in plan.groups) or any(
        m.table in CUSTOMER_SIDE for m in plan.measures
    ):
        return conditions, needed
    moved, kept = [], []
    for cond in conditions:
        tables = _outer_tables(cond)
        if tables and tables <= side:
            moved.append(cond)
        elif tables & side:
            return conditions, needed  # mixes both sides: leave the join alone
        else:
            kept.append(cond)
    if not moved:
        return conditions, needed
    customer_tables = {t for t in needed if t in CUSTOMER_SIDE} | {"customers"}
    sub = exp.select(exp.column("customer_id", table="c")).from_(
        _table_ref(model, "customers", database)
    )
    sub = _apply_joins(sub, model, "customers", customer_tables, database).where(exp.and_(*moved))
    membership = exp.In(this=exp.column("customer_id", table="t"), query=exp.Subquery(this=sub))
    return [*kept, membership], {t for t in needed if t not in CUSTOMER_SIDE}
