"""Benchmarks set the environment the pipeline reads (as a DAG task would) and put it back."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def environment(set_: dict[str, str], unset: tuple[str, ...] = ()) -> Iterator[None]:
    keys = set(set_) | set(unset)
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(set_)
    for key in unset:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
