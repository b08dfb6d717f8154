"""Read the synthesized Terraform JSON by resource type and attributes, never by logical id."""

from __future__ import annotations


def resources(stack: dict, resource_type: str) -> list[dict]:
    """The configs of every resource of one type (logical ids are not looked at)."""
    return list(stack.get("resource", {}).get(resource_type, {}).values())


def one(stack: dict, resource_type: str, **match) -> dict:
    found = [
        r for r in resources(stack, resource_type) if all(r.get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, f"expected one {resource_type} with {match}, found {len(found)}"
    return found[0]


def provider_role(stack: dict, resource: dict) -> str:
    """The Snowflake role a resource is created as (its provider alias's role)."""
    alias = resource["provider"].split(".", 1)[1]
    return next(p["role"] for p in stack["provider"]["snowflake"] if p["alias"] == alias)


def dependencies(stack: dict, resource: dict) -> list[tuple[str, dict]]:
    """``(type, config)`` of each resource named in ``resource``'s ``depends_on``."""
    found = []
    for reference in resource.get("depends_on", []):
        resource_type, logical_id = reference.split(".", 1)
        found.append((resource_type, stack["resource"][resource_type][logical_id]))
    return found


def reference_to(stack: dict, resource_type: str, **match) -> str:
    """The ``${type.logical_id`` prefix other resources use to refer to one resource."""
    found = [
        logical_id
        for logical_id, r in stack.get("resource", {}).get(resource_type, {}).items()
        if all(r.get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, f"expected one {resource_type} with {match}, found {len(found)}"
    return f"${{{resource_type}.{found[0]}"


def referenced(stack: dict, reference: str) -> dict:
    """The resource a ``${type.logical_id.attribute}`` reference points at."""
    resource_type, logical_id = reference.removeprefix("${").removesuffix("}").split(".")[:2]
    return stack["resource"][resource_type][logical_id]


def database_roles_of(stack: dict, account_role_name: str) -> set[str]:
    """Database-role references granted to an account role, following WRITE → READ."""
    role = reference_to(stack, "snowflake_account_role", name=account_role_name) + ".name}"
    closure = {
        g["database_role_name"]
        for g in resources(stack, "snowflake_grant_database_role")
        if g.get("parent_role_name") == role
    }
    changed = True
    while changed:
        changed = False
        for g in resources(stack, "snowflake_grant_database_role"):
            if (
                g.get("parent_database_role_name") in closure
                and g["database_role_name"] not in closure
            ):
                closure.add(g["database_role_name"])
                changed = True
    return closure
