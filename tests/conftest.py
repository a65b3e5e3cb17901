"""Process-wide test set-up.

The oslo.service threading backend is selected once, before anything imports
oslo.messaging's executors. Tests change configuration only through the ``conf`` fixture,
which undoes every override afterwards, so no test leaks settings into the next.
"""

from __future__ import annotations

import pytest
from oslo_config import cfg
from oslo_config import fixture as config_fixture

from nova_docker.common import service

service.init_threading_backend()


@pytest.fixture
def conf():
    """The global CONF with overrides that are reset when the test ends."""
    fixture = config_fixture.Config(cfg.CONF)
    fixture.setUp()
    try:
        yield fixture
    finally:
        fixture.cleanUp()
