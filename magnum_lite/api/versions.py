"""API microversions: container-infra 1.1 to 1.14, negotiated by request header."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from magnum_lite.common import exception

HEADER = "OpenStack-API-Version"
MIN_HEADER = "OpenStack-API-Minimum-Version"
MAX_HEADER = "OpenStack-API-Maximum-Version"
#: Old header, still read when the new one is absent.
LEGACY_HEADER = "X-OpenStack-Magnum-API-Version"
#: Service names accepted in the header; responses use the first one.
SERVICE_NAMES = (
    "container-infrastructure-management",
    "container-infra",
    "container-infrastructure",
)
RESPONSE_SERVICE = SERVICE_NAMES[0]


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


MIN_VERSION = Version(1, 1)
MAX_VERSION = Version(1, 14)
#: Without a header the server answers at 1.1, as Magnum does.
DEFAULT_VERSION = MIN_VERSION

# Behaviour switches by microversion (Magnum's history).
ASYNC_CLUSTER = Version(1, 2)  # 202 for create/update/delete
ROLLBACK = Version(1, 3)
STATS = Version(1, 4)
CA_ROTATE = Version(1, 5)
QUOTAS = Version(1, 6)
RESIZE = Version(1, 7)
UPGRADE = Version(1, 8)
NODEGROUPS = Version(1, 9)
ZERO_NODES = Version(1, 10)
NO_BAYS = Version(1, 11)  # bays and baymodels gone from here on
CREDENTIALS = Version(1, 12)
CLUSTER_ID = Version(1, 13)  # cluster_id replaces stack_id in views
NODE_LABELS = Version(1, 14)

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")


def parse(text: str) -> Version:
    """``"1.4"`` or ``"latest"`` → Version; anything else → 400."""
    text = text.strip()
    if text.lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(text)
    if not match:
        raise exception.InvalidParameterValue(
            err=f"Invalid value for {HEADER} header: '{text}'. Expected 'container-infra "
            "<major>.<minor>' or 'container-infra latest'."
        )
    return Version(int(match.group(1)), int(match.group(2)))


def requested(headers: Mapping[str, str]) -> Version:
    """The version a request asks for (1.1 without a header naming our service)."""
    raw = headers.get(HEADER)
    if raw:
        # Several services may share the header: "compute 2.1, container-infra 1.4".
        for part in raw.split(","):
            words = part.strip().split(None, 1)
            if len(words) == 2 and words[0].lower() in SERVICE_NAMES:
                return parse(words[1])
    legacy = headers.get(LEGACY_HEADER)
    if legacy:
        return parse(legacy)
    return DEFAULT_VERSION


def check(version: Version) -> None:
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise exception.MicroversionUnsupported(version=str(version))


def response_headers(version: Version | None) -> dict[str, str]:
    headers = {
        MIN_HEADER: f"{RESPONSE_SERVICE} {MIN_VERSION}",
        MAX_HEADER: f"{RESPONSE_SERVICE} {MAX_VERSION}",
        "Vary": HEADER,
    }
    if version is not None:
        headers[HEADER] = f"{RESPONSE_SERVICE} {version}"
    return headers
