"""Fixtures for the C++ helper tests: the compiled module and seeded random jagged events."""

from __future__ import annotations

from types import ModuleType

import pytest
from cpp_helpers_events import Events, random_events
from higgshunt import native


@pytest.fixture(scope="session")
def core() -> ModuleType:
    return native.core()


@pytest.fixture(scope="session")
def events() -> Events:
    return random_events(n_events=4000, max_objects=6, seed=20260124)
