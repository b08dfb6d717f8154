"""The semantic model as staged for one environment: its own database, checked against the spec.

The committed ``toolkit/assistant/semantic_model.yaml`` names the dev database; copying it
from the git repository (``COPY FILES``) would hand prod a model over ``C360_DEV``. The
stack stages instead the model rendered for the environment
(``toolkit.assistant.model.for_database``), validated against Cortex Analyst's
specification (``toolkit.assistant.spec``) at synth time, so a model Cortex Analyst would
reject never reaches a stage. Snowflake SQL has no statement that writes a literal file
(``PUT`` is a client command), so the text is unloaded with ``COPY INTO @stage/<file>``
from a one-row query: one file (``SINGLE = TRUE`` names it by the path), no compression,
no field delimiter, no enclosing quotes and no escaping, so the file holds the text as is
(https://docs.snowflake.com/en/sql-reference/sql/copy-into-location: SINGLE, OVERWRITE,
HEADER; format options FIELD_DELIMITER, FIELD_OPTIONALLY_ENCLOSED_BY,
ESCAPE_UNENCLOSED_FIELD = NONE, COMPRESSION = NONE). The text is a ``$$``-quoted string
constant (https://docs.snowflake.com/en/sql-reference/data-types-text#dollar-quoted-string-constants).
"""

from __future__ import annotations

import yaml

from toolkit.assistant.model import for_database
from toolkit.assistant.spec import check

UNLOAD_FORMAT = (
    "TYPE = CSV COMPRESSION = NONE FIELD_DELIMITER = NONE "
    "FIELD_OPTIONALLY_ENCLOSED_BY = NONE ESCAPE_UNENCLOSED_FIELD = NONE"
)


def rendered_model(database: str) -> str:
    """The model's YAML for ``database``; raises C360Error when it breaks the spec."""
    text = for_database(database)
    check(yaml.safe_load(text), database=database)
    if "$$" in text:
        raise ValueError("the semantic model contains '$$', which ends a $$-quoted string")
    return text


def publish_statement(stage_path: str, file_name: str, database: str) -> str:
    """``COPY INTO @<stage_path>/<file_name>`` writing the model rendered for ``database``."""
    return (
        f"COPY INTO @{stage_path}/{file_name} "
        f"FROM (SELECT $${rendered_model(database)}$$) "
        f"FILE_FORMAT = ({UNLOAD_FORMAT}) SINGLE = TRUE OVERWRITE = TRUE HEADER = FALSE"
    )
