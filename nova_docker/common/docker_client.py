"""Docker SDK clients whose own TLS CA wins over the environment's.

requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's CA whenever a request
does not name one, so an engine's CA configured in stackdock.conf (or heat.conf, or a bay's
CA) would silently lose to a machine-wide bundle and TLS to the engine would fail. These
classes keep the configured CA; everything else is the docker SDK's own behaviour.
"""

from __future__ import annotations

from typing import Any

import docker


class APIClient(docker.APIClient):
    def merge_environment_settings(
        self, url: str, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        if verify in (True, None) and self.verify not in (True, None):
            verify = self.verify
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


class DockerClient(docker.DockerClient):
    """docker.DockerClient over the APIClient above (same arguments)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.api = APIClient(*args, **kwargs)
