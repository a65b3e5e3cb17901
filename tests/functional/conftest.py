"""Shared fixtures of the functional tests: a broker vhost and a run id for labels."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.functional import rabbit

#: Every Docker object a test creates carries this label, so leaks are traceable to a run.
TEST_LABEL = "stackdock.test"


@pytest.fixture(scope="session", autouse=True)
def rabbit_vhost():
    """One RabbitMQ vhost for the whole session; gone, with all its queues, at the end."""
    name = rabbit.create_vhost()
    os.environ["STACKDOCK_TEST_VHOST"] = name
    yield name
    rabbit.delete_vhost(name)


@pytest.fixture(scope="session")
def transport_url(rabbit_vhost: str) -> str:
    return rabbit.transport_url(rabbit_vhost)


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def test_labels(run_id: str) -> dict[str, str]:
    return {TEST_LABEL: run_id}
