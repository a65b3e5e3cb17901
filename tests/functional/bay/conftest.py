"""One real bay stack (api + conductor + compute agent) for the bay tests of a session.

The stack gets a RabbitMQ vhost of its own: compute agents of other test modules on the
session vhost (some stopped only seconds ago) must never be chosen to host bay nodes.
"""

from __future__ import annotations

import pytest

from tests.functional import rabbit
from tests.functional.bay.stack import BayStack
from tests.functional.conftest import TEST_LABEL


@pytest.fixture(scope="package")
def stack(run_id: str):
    vhost = rabbit.create_vhost()
    try:
        s = BayStack(rabbit.transport_url(vhost), TEST_LABEL, run_id)
        try:
            s.start()
        except BaseException:
            print(s.logs())
            s.close()
            raise
        try:
            yield s
        finally:
            left = s.close()
            # Teardown removed these; a test that passed must not have left any.
            assert not left, f"bay tests left Docker objects behind (removed now): {left}"
    finally:
        rabbit.delete_vhost(vhost)
