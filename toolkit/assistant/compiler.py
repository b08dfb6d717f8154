"""Plan → one SELECT, written for DuckDB (local) or Snowflake, through sqlglot.

Column expressions from the semantic model are qualified with a fixed alias per
logical table; joins follow the model's relationships from the base table; values
reach the SQL only as sqlglot literals built from parsed numbers or model values.
"""

from __future__ import annotations

from sqlglot import exp

from toolkit.assistant.model import SemanticModel
from toolkit.assistant.plan import Plan, SemiJoin

ALIASES = {
    "customers": "c",
    "transactions": "t",
    "merchant_categories": "m",
    "dates": "d",
    "customer_segments": "s",
    "churn_predictions": "p",
}


def qualify(expression: exp.Expression, table: str) -> exp.Expression:
    """A copy with the table's alias on every bare column outside nested SELECTs."""
    tree = expression.copy()
    for column in list(tree.find_all(exp.Column)):
        if column.table or column.find_ancestor(exp.Select) is not None:
            continue
        column.set("table", exp.to_identifier(ALIASES[table]))
    return tree


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
    if having is not None:
        sub = sub.group_by(exp.column("customer_id", table="t")).having(having)
    outer = exp.column("customer_id", table=ALIASES[outer_table])
    membership = exp.In(this=outer, query=exp.Subquery(this=sub))
    return exp.Not(this=membership) if semi.negate else membership


def compile_plan(
    model: SemanticModel, plan: Plan, *, dialect: str = "duckdb", database: str | None = None
) -> str:
    return build_select(model, plan, database=database).sql(dialect=dialect)


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
