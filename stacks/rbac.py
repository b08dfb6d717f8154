"""RBAC: access roles per schema, functional roles per job, all rolled up to the deployer.

Access roles are database roles (``<SCHEMA>_READ``, ``<SCHEMA>_WRITE``) holding the
object privileges, current *and future*, on one schema; WRITE inherits READ. Functional
roles are account roles (``<PREFIX>_LOADER`` …) that receive access roles and warehouse
usage, and are granted to the environment's deployer role (``C360_<ENV>_DEPLOYER``), which
the bootstrap grants to SYSADMIN: the hierarchy never ends at ACCOUNTADMIN, and a deployer
holds only its own environment's roles (issue 13).

| functional role | gets |
|---|---|
| loader      | BRONZE write, OBSERVABILITY write, load warehouse |
| transformer | BRONZE read, SILVER/GOLD/OBSERVABILITY write, transform warehouse |
| analyst     | GOLD read only, app warehouse (usage) |
| app         | GOLD + OBSERVABILITY read, INSERT on OBSERVABILITY.ASSISTANT_FEEDBACK only    |
|             | (granted by PlatformStack once the table exists), SELECT on BRONZE's          |
|             | REJECTED_ROWS alone (Pipeline Health), app warehouse; PII masked              |
| viewer      | USAGE on the database, PLATFORM and the Streamlit app: nothing else           |

OBSERVABILITY is append-only for its writers (INSERT, no UPDATE/DELETE/TRUNCATE).
| pipeline    | loader + transformer; owns the tasks DAG and procedures; EXECUTE TASK |

Everything here is created and granted by the deployer, without MANAGE GRANTS, because it
owns what it grants on: the database and its database roles, the managed-access schemas
(whose owner may grant on their objects, future grants included —
https://docs.snowflake.com/en/user-guide/security-access-control-configure, "Creating managed
access schemas"), the warehouses, and the account roles (the role's owner may grant it —
https://docs.snowflake.com/en/sql-reference/sql/grant-role). The one global privilege a
functional role needs, EXECUTE TASK for the pipeline role, would need MANAGE GRANTS to grant,
so ``sql/setup/account_admin_bootstrap.sql`` grants it.
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.account_role import AccountRole
from cdktn_provider_snowflake.database_role import DatabaseRole
from cdktn_provider_snowflake.grant_account_role import GrantAccountRole
from cdktn_provider_snowflake.grant_database_role import GrantDatabaseRole
from cdktn_provider_snowflake.grant_privileges_to_account_role import (
    GrantPrivilegesToAccountRole,
)
from cdktn_provider_snowflake.grant_privileges_to_database_role import (
    GrantPrivilegesToDatabaseRole,
)
from constructs import Construct

from stacks.naming import DATA_SCHEMAS, FUNCTIONAL_ROLES, PLATFORM_SCHEMA, Names, fq
from toolkit.config import Environment

READ_PRIVILEGES = {"TABLES": ["SELECT", "REFERENCES"], "VIEWS": ["SELECT", "REFERENCES"]}
WRITE_PRIVILEGES = {"TABLES": ["INSERT", "UPDATE", "DELETE", "TRUNCATE"]}
# OBSERVABILITY holds the audit trail (pipeline runs, load batches, model metrics, layer
# counts, feedback): its writers may add rows, never change or remove them.
APPEND_ONLY_SCHEMAS = {"OBSERVABILITY"}
APPEND_ONLY_PRIVILEGES = {"TABLES": ["INSERT"]}
# App viewers: a role that can open the Streamlit app and nothing else (no warehouse, no
# table). A Streamlit in Snowflake app runs with its owner's rights, so a viewer needs
# only USAGE on the database, the schema and the Streamlit object
# (https://docs.snowflake.com/en/developer-guide/streamlit/object-management/privileges).
VIEWER = "viewer"
WRITE_SCHEMA_PRIVILEGES = ["CREATE TABLE", "CREATE VIEW", "CREATE TEMPORARY TABLE"]

# functional role → access roles (database roles) it receives
ACCESS = {
    "loader": ("BRONZE_WRITE", "OBSERVABILITY_WRITE"),
    "transformer": ("BRONZE_READ", "SILVER_WRITE", "GOLD_WRITE", "OBSERVABILITY_WRITE"),
    "analyst": ("GOLD_READ",),
    "app": ("GOLD_READ", "OBSERVABILITY_READ"),
    "pipeline": (),
}
WAREHOUSE_OF = {"loader": "load", "transformer": "transform", "analyst": "app", "app": "app"}
# pipeline inherits both jobs it orchestrates
INHERITS = {"pipeline": ("loader", "transformer")}
# where each functional role may create objects in PLATFORM
PLATFORM_CREATE = {
    # CREATE DBT PROJECT: the pipeline role creates the dbt project object (stacks/dbt_project.py)
    # (https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-access-control:
    # GRANT CREATE DBT PROJECT ON SCHEMA … TO ROLE …)
    "pipeline": [
        "CREATE TASK",
        "CREATE PROCEDURE",
        "CREATE STAGE",
        "CREATE STREAM",
        "CREATE DBT PROJECT",
    ],
    "app": ["CREATE STREAMLIT"],
}


class Rbac(Construct):
    """Roles and grants. Exposes ``functional`` (name → AccountRole) and ``role_name(x)``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        names: Names,
        database: str,
        schemas: dict,
        warehouses: dict,
        deployer: TerraformProvider,
    ):
        super().__init__(scope, id_)
        self.names = names
        self._deployer = deployer
        # grants a role needs before objects can be created as that role
        self.ready_for: dict[str, list] = {name: [] for name in FUNCTIONAL_ROLES}
        db_fq = fq(names.database)

        # ---- access roles: one READ and one WRITE database role per data schema
        self.access: dict[str, DatabaseRole] = {}
        for schema in DATA_SCHEMAS:
            schema_fq = fq(names.database, schema)
            for level in ("READ", "WRITE"):
                key = f"{schema}_{level}"
                self.access[key] = DatabaseRole(
                    self,
                    f"db_role_{key.lower()}",
                    provider=deployer,
                    database=database,
                    name=key,
                    comment=f"{level.lower()} access to {schema}",
                    depends_on=[schemas[schema]],
                )
            read_role, write_role = self.access[f"{schema}_READ"], self.access[f"{schema}_WRITE"]
            GrantDatabaseRole(
                self,
                f"{schema.lower()}_write_inherits_read",
                provider=deployer,
                database_role_name=read_role.fully_qualified_name,
                parent_database_role_name=write_role.fully_qualified_name,
            )
            GrantPrivilegesToDatabaseRole(
                self,
                f"{schema.lower()}_read_database_usage",
                provider=deployer,
                database_role_name=read_role.fully_qualified_name,
                privileges=["USAGE"],
                on_database=db_fq,
            )
            GrantPrivilegesToDatabaseRole(
                self,
                f"{schema.lower()}_read_schema_usage",
                provider=deployer,
                database_role_name=read_role.fully_qualified_name,
                privileges=["USAGE"],
                on_schema={"schema_name": schema_fq},
                depends_on=[schemas[schema]],
            )
            GrantPrivilegesToDatabaseRole(
                self,
                f"{schema.lower()}_write_schema_create",
                provider=deployer,
                database_role_name=write_role.fully_qualified_name,
                privileges=WRITE_SCHEMA_PRIVILEGES,
                on_schema={"schema_name": schema_fq},
                depends_on=[schemas[schema]],
            )
            write_privileges = (
                APPEND_ONLY_PRIVILEGES if schema in APPEND_ONLY_SCHEMAS else WRITE_PRIVILEGES
            )
            for level, role, privileges in (
                ("read", read_role, READ_PRIVILEGES),
                ("write", write_role, write_privileges),
            ):
                for plural, granted in privileges.items():
                    for scope_kind in ("all", "future"):
                        GrantPrivilegesToDatabaseRole(
                            self,
                            f"{schema.lower()}_{level}_{scope_kind}_{plural.lower()}",
                            provider=deployer,
                            database_role_name=role.fully_qualified_name,
                            privileges=granted,
                            on_schema_object={
                                scope_kind: {"object_type_plural": plural, "in_schema": schema_fq}
                            },
                            depends_on=[schemas[schema]],
                        )

        # ---- functional roles
        self.functional: dict[str, AccountRole] = {}
        for functional in FUNCTIONAL_ROLES:
            self.functional[functional] = AccountRole(
                self,
                f"role_{functional}",
                provider=deployer,
                name=names.role(functional),
                comment=f"c360 {env.name} {functional} (functional role)",
            )
        for functional, role in self.functional.items():
            to_deployer = GrantAccountRole(
                self,
                f"{functional}_to_deployer",
                provider=deployer,
                role_name=role.name,
                parent_role_name=names.deployer,
            )
            # the Terraform user acts as a functional role through the deployer's hierarchy
            self.ready_for[functional].append(to_deployer)
            for access_role in ACCESS[functional]:
                GrantDatabaseRole(
                    self,
                    f"{access_role.lower()}_to_{functional}",
                    provider=deployer,
                    database_role_name=self.access[access_role].fully_qualified_name,
                    parent_role_name=role.name,
                )
            for child in INHERITS.get(functional, ()):
                inherit = GrantAccountRole(
                    self,
                    f"{child}_to_{functional}",
                    provider=deployer,
                    role_name=self.functional[child].name,
                    parent_role_name=role.name,
                )
                # the inherited job's grants (its warehouses) are this role's too
                self.ready_for[functional] += [inherit, *self.ready_for[child]]
            if functional in WAREHOUSE_OF:
                warehouse = warehouses[WAREHOUSE_OF[functional]]
                warehouse_usage = GrantPrivilegesToAccountRole(
                    self,
                    f"{functional}_warehouse_usage",
                    provider=deployer,
                    account_role_name=role.name,
                    privileges=["USAGE"],
                    on_account_object={"object_type": "WAREHOUSE", "object_name": warehouse.name},
                )
                # tasks and the app name their warehouse as a string: wait for it and its grant
                self.ready_for[functional] += [warehouse, warehouse_usage]

        # ---- PLATFORM schema: usage for the roles that run or serve things, create rights
        platform_fq = fq(names.database, PLATFORM_SCHEMA)
        for functional in ("loader", "transformer", "app", "pipeline"):
            usage = GrantPrivilegesToAccountRole(
                self,
                f"{functional}_platform_usage",
                provider=deployer,
                account_role_name=self.functional[functional].name,
                privileges=["USAGE"],
                on_schema={"schema_name": platform_fq},
                depends_on=[schemas[PLATFORM_SCHEMA]],
            )
            self.ready_for[functional].append(usage)
        for functional, privileges in PLATFORM_CREATE.items():
            create = GrantPrivilegesToAccountRole(
                self,
                f"{functional}_platform_create",
                provider=deployer,
                account_role_name=self.functional[functional].name,
                privileges=privileges,
                on_schema={"schema_name": platform_fq},
                depends_on=[schemas[PLATFORM_SCHEMA]],
            )
            self.ready_for[functional].append(create)
        # EXECUTE TASK (global) for the pipeline role: granted by the bootstrap, see above
        for functional in ("pipeline", "app"):
            database_usage = GrantPrivilegesToAccountRole(
                self,
                f"{functional}_database_usage",
                provider=deployer,
                account_role_name=self.functional[functional].name,
                privileges=["USAGE"],
                on_account_object={"object_type": "DATABASE", "object_name": db_fq},
            )
            self.ready_for[functional].append(database_usage)
        for functional, role in self.functional.items():
            self.ready_for[functional].append(role)

        # ---- app viewers: USAGE on the database and PLATFORM; the app itself via grant_app
        self.viewer = AccountRole(
            self,
            "role_viewer",
            provider=deployer,
            name=names.role(VIEWER),
            comment=f"c360 {env.name} app viewer: opens the app, reads nothing else",
        )
        GrantAccountRole(
            self,
            "viewer_to_deployer",
            provider=deployer,
            role_name=self.viewer.name,
            parent_role_name=names.deployer,
        )
        GrantPrivilegesToAccountRole(
            self,
            "viewer_database_usage",
            provider=deployer,
            account_role_name=self.viewer.name,
            privileges=["USAGE"],
            on_account_object={"object_type": "DATABASE", "object_name": db_fq},
        )
        GrantPrivilegesToAccountRole(
            self,
            "viewer_platform_usage",
            provider=deployer,
            account_role_name=self.viewer.name,
            privileges=["USAGE"],
            on_schema={"schema_name": platform_fq},
            depends_on=[schemas[PLATFORM_SCHEMA]],
        )

    def grant_app(self, streamlit_fq: str, *, depends_on: list) -> GrantPrivilegesToAccountRole:
        """USAGE on the Streamlit app for the viewer role: its one grant on an object."""
        return GrantPrivilegesToAccountRole(
            self,
            "viewer_app_usage",
            provider=self._deployer,
            account_role_name=self.viewer.name,
            privileges=["USAGE"],
            on_schema_object={"object_type": "STREAMLIT", "object_name": streamlit_fq},
            depends_on=depends_on,
        )

    def grant_schema_usage(
        self, id_: str, functional: str, schema_fq: str, *, depends_on: list
    ) -> GrantPrivilegesToAccountRole:
        """USAGE on one schema for a functional role, without any privilege on its objects
        (those come one table at a time, through grant_on_object)."""
        return GrantPrivilegesToAccountRole(
            self,
            id_,
            provider=self._deployer,
            account_role_name=self.functional[functional].name,
            privileges=["USAGE"],
            on_schema={"schema_name": schema_fq},
            depends_on=depends_on,
        )

    def role_name(self, functional: str) -> str:
        return self.functional[functional].name

    def grant_on_object(
        self,
        id_: str,
        functional: str,
        *,
        object_type: str,
        object_name: str,
        privileges: list[str],
        depends_on: list | None = None,
    ) -> GrantPrivilegesToAccountRole:
        """Grant privileges on one schema object to a functional role (used by other constructs)."""
        return GrantPrivilegesToAccountRole(
            self,
            id_,
            provider=self._deployer,
            account_role_name=self.functional[functional].name,
            privileges=privileges,
            on_schema_object={"object_type": object_type, "object_name": object_name},
            depends_on=depends_on,
        )
