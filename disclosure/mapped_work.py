"""How far the DAGs may map one task over a list of work (parse and validate batches)."""

from __future__ import annotations


def max_map_length() -> int:
    """Airflow's core.max_map_length (1024 by default): a list longer than that fails the run, so
    the batches grow instead (pipeline.batches)."""
    from airflow.configuration import conf

    return conf.getint("core", "max_map_length")
