"""What the Python procedures run on in Snowflake: runtime, Snowpark, Anaconda packages.

A light module (no CDK import) so tools that only need the lists — ``c360 preflight``
checks every package in ``INFORMATION_SCHEMA.PACKAGES`` — import them in milliseconds;
``stacks.procedures`` declares the procedures with them (and re-exports them).
"""

from __future__ import annotations

PYTHON_RUNTIME = "3.11"
SNOWPARK_VERSION = "1.39.0"

PROCEDURE_PACKAGES = (
    "pandas",
    "numpy",
    "pyarrow",
    "faker",
    "scikit-learn",
    "scipy",
    "lightgbm",
)
"""Anaconda-channel packages the handlers import in Snowflake (``PACKAGES``), besides
``snowflake-snowpark-python`` (``SNOWPARK_VERSION``, the provider's ``snowpark_package``).

The one list: the stacks and ``c360 preflight`` (which checks each against
``INFORMATION_SCHEMA.PACKAGES`` in the account) import it from here. Evidence that each is in
Snowflake's Anaconda channel (https://repo.anaconda.com/pkgs/snowflake/, the channel
https://docs.snowflake.com/developer-guide/udf/python/udf-python-packages points to):

- ``snowflake-snowpark-python`` (every handler): required by Python procedures
  (https://docs.snowflake.com/en/sql-reference/sql/create-procedure, PACKAGES).
- ``pandas``, ``numpy``, ``pyarrow`` (steps, churn, generate): Snowpark's local setup
  builds its environment from that channel alone:
  ``conda create --override-channels -c https://repo.anaconda.com/pkgs/snowflake
  python=3.12 numpy pandas pyarrow`` (repo iqchowdhury/snowparkdev, code_setup.py).
- ``scikit-learn``, ``scipy`` (churn, clv): a Snowflake ML estimator procedure declares
  ``PACKAGES = ('snowflake-snowpark-python', 'numpy', 'pandas', 'scikit-learn', 'scipy',
  'xgboost')``; Snowflake's sklearn quickstart (sfguide getting_started_with_snowpark_
  python_scikit) trains scikit-learn in a stored procedure.
- ``faker`` (generate): ``packages = ('faker==18.9.0', 'snowflake-snowpark-python==*')``,
  "already included in Anaconda" (repo cristiscu/programming-in-snowflake,
  sections/14-snowpark-api/13-python-worksheet-custom.sql).
- ``lightgbm`` (churn): Snowflake ML's ``snowflake.ml.modeling.lightgbm.LGBMClassifier``
  fits lightgbm inside Snowflake (https://docs.snowflake.com/en/developer-guide/
  snowpark-ml/reference/latest/api/modeling/snowflake.ml.modeling.lightgbm.LGBMClassifier).

Not listed, on purpose: ``duckdb`` (the Snowflake load handler is SQL, issue 12; no
evidence it is in the channel), ``pyyaml`` (no handler imports it), ``sqlglot`` and
``rich`` (no evidence either is in the channel; both are pure Python, so they ship
inside the toolkit zip instead: ``VENDORED_PACKAGES``; Snowflake: "You can only upload
pure Python packages through a Snowflake stage").
"""

# pure-Python packages the handlers import that are not taken from the Anaconda channel
VENDORED_PACKAGES = ("sqlglot", "rich")
