"""stackdock-aio's choice of transport and the arguments its API child gets."""

from __future__ import annotations

from oslo_config import cfg

from magnum_lite.cmd import aio


def _conf(tmp_path, text: str) -> cfg.ConfigOpts:
    path = tmp_path / "stackdock.conf"
    path.write_text(text)
    conf = cfg.ConfigOpts()
    conf(["--config-file", str(path)], project="stackdock")
    return conf


def test_oslo_messaging_default_is_not_a_user_choice(tmp_path):
    conf = _conf(tmp_path, "[DEFAULT]\n")
    assert aio.configured_transport_url(conf) is None


def test_configured_transport_url_is_used(tmp_path):
    url = "rabbit://guest:guest@127.0.0.1:5672/v"
    conf = _conf(tmp_path, f"[DEFAULT]\ntransport_url = {url}\n")
    assert aio.configured_transport_url(conf) == url


def test_api_child_gets_config_arguments_only():
    child = aio.ChildAPI(["--config-file", "a.conf", "--nocompute", "--noapi", "--debug"])
    assert child.argv == ["--config-file", "a.conf", "--debug"]
