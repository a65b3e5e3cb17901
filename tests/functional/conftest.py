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


def pytest_collection_modifyitems(config, items):
    """Functional tests get one rerun (pytest-rerunfailures).

    They share real engines on a small machine (dockerd, libvirtd, RabbitMQ, databases), where
    a rare transient engine error is not the code under test. A test that fails twice still
    fails the run, and every rerun is listed in the summary (-ra) so it is never silent.
    """
    for item in items:
        if item.get_closest_marker("flaky") is None:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))
