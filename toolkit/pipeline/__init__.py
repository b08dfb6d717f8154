"""The pipeline runtime: the DAG, its local and Snowflake step handlers, and what they run.

``dag`` declares the steps; ``runner`` executes them locally; ``local_steps`` and
``snowflake_steps`` are the handlers of each step on the two engines; ``load``/``bronze``
(landing files into bronze), ``dbt_runner`` (silver and gold), ``observability`` and
``layer_counts`` are the work they call. This module imports nothing on purpose: the
Snowflake procedures import one handler module without the local runner's dependencies.
"""
