"""One real bay stack (api + conductor + compute agent) for the bay tests of a session."""

from __future__ import annotations

import pytest

from tests.functional.bay.stack import BayStack
from tests.functional.conftest import TEST_LABEL


@pytest.fixture(scope="package")
def stack(transport_url: str, run_id: str):
    s = BayStack(transport_url, TEST_LABEL, run_id)
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
