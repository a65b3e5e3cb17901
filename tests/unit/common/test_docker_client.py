"""The configured TLS CA of a Docker client wins over REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import docker.tls

from nova_docker.common import docker_client


def _client(tmp_path, **kwargs) -> docker_client.APIClient:
    # A fixed version: no engine is contacted while the client is built.
    return docker_client.APIClient(base_url="https://127.0.0.1:1", version="1.41", **kwargs)


def test_configured_ca_wins_over_environment(tmp_path, monkeypatch):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    api = _client(tmp_path, tls=docker.tls.TLSConfig(ca_cert=str(ca), verify=True))
    settings = api.merge_environment_settings("https://127.0.0.1:1/x", {}, False, None, None)
    assert settings["verify"] == str(ca)


def test_without_tls_the_environment_still_applies(tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/some/bundle.pem")
    api = _client(tmp_path)
    settings = api.merge_environment_settings("https://127.0.0.1:1/x", {}, False, None, None)
    assert settings["verify"] == "/some/bundle.pem"


def test_docker_client_uses_the_same_api_client():
    cli = docker_client.DockerClient(base_url="unix:///nonexistent.sock", version="1.41")
    assert isinstance(cli.api, docker_client.APIClient)
