"""Endpoints from configuration, the resolver seam, options and the installer."""

from __future__ import annotations

import importlib.util
import os

import pytest
from oslo_config import cfg

from heat_plugins import client, plugin
from heat_plugins import conf as plugin_conf
from heat_plugins.cmd import install


def test_default_endpoint(conf):
    endpoint = client.resolve(None)
    assert endpoint.name == "default"
    assert endpoint.url == "unix:///var/run/docker.sock"
    assert client.resolve("default") == endpoint
    assert not endpoint.uses_tls


def test_named_endpoint_with_tls(conf, tmp_path):
    files = {}
    for name in ("ca", "cert", "key"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text("placeholder")
    group = conf_mod_register("edge")
    conf.config(group="heat_docker", endpoints=["edge"])
    conf.config(group=group, url="tcp://127.0.0.1:2376", ca_file=str(files["ca"]),
                cert_file=str(files["cert"]), key_file=str(files["key"]))  # fmt: skip
    endpoint = client.resolve("edge")
    assert endpoint.uses_tls and endpoint.ca_file == str(files["ca"])
    assert client._base_url(endpoint) == "https://127.0.0.1:2376"
    tls = client._tls_config(endpoint)
    assert tls.cert == (str(files["cert"]), str(files["key"]))
    assert tls.verify == str(files["ca"])


def conf_mod_register(name: str) -> str:
    return plugin_conf.register_endpoint(cfg.CONF, name)


def test_unknown_endpoint_lists_known_names(conf):
    conf.config(group="heat_docker", endpoints=["edge"])
    with pytest.raises(client.EndpointNotFound, match="'nowhere' is not configured; known: "
                       "default, edge"):  # fmt: skip
        client.resolve("nowhere")


def test_resolver_seam_for_bays(conf):
    seen = []

    def bay_resolver(ref, context):
        seen.append((ref, context))
        return client.Endpoint(name=f"bay:{ref}", url="tcp://10.0.0.5:2376", ca_file="/ca")

    client.register_resolver("bay", bay_resolver)
    try:
        endpoint = client.resolve("bay:1234", context="ctx")
        assert endpoint.url == "tcp://10.0.0.5:2376" and seen == [("1234", "ctx")]
    finally:
        client._resolvers.pop("bay")
    with pytest.raises(client.EndpointNotFound, match="no resolver for Docker endpoint kind"):
        client.resolve("cluster:1")


def test_legacy_urls_must_be_configured(conf):
    assert client.resolve_legacy("unix:///var/run/docker.sock/").name == "default"
    assert client.resolve_legacy(None).name == "default"
    with pytest.raises(client.EndpointNotFound, match="URLs cannot come from templates"):
        client.resolve_legacy("tcp://203.0.113.9:2375")


def test_clients_are_cached_per_endpoint(conf):
    endpoint = client.Endpoint(name="x", url="unix:///tmp/none.sock", api_version="1.41")
    try:
        first = client.get_client(endpoint)
        assert client.get_client(endpoint) is first
    finally:
        client.reset_cache()
    assert client.get_client(endpoint) is not first
    client.reset_cache()


def test_options_coexist_with_nova_docker():
    import nova_docker.conf  # noqa: F401  (registers [docker] on the same CONF)

    plugin_conf.register_opts(cfg.CONF)  # twice is fine
    groups = dict(plugin_conf.list_opts())
    assert "heat_docker" in groups and "heat_docker_endpoint:<name>" in groups
    assert all(opt.help for opts in groups.values() for opt in opts)


def test_installer_writes_an_importable_loader(tmp_path, capsys):
    target = tmp_path / "heat-plugins"
    assert install.main(["--plugin-dir", os.fspath(target)]) == 0
    out = capsys.readouterr().out
    assert f"plugin_dirs = {target}" in out
    path = target / install.MODULE_NAME
    module_spec = importlib.util.spec_from_file_location("sd_loader", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert set(module.resource_mapping()) == set(plugin.resource_mapping())
    assert install.main(["--plugin-dir", os.fspath(target), "--uninstall"]) == 0
    assert not path.exists()


def test_plugin_mapping():
    assert set(plugin.available_resource_mapping()) == {
        "OS::Docker::Container",
        "DockerInc::Docker::Container",
        "OS::Docker::Network",
        "OS::Docker::Volume",
    }
