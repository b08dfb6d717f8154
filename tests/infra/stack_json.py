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
