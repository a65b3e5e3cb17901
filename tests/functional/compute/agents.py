"""Run nova-docker-compute agents as real subprocesses for tests and benchmarks.

Each agent gets its own config file, state directory and log file under a work directory;
only the pids started here are ever signalled.
"""

from __future__ import annotations

import configparser
import os
import signal
import subprocess
import sys
import time
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging import conffixture

from nova_docker import conf as nd_conf
from nova_docker.common import rpc

#: The console script next to the interpreter running the tests (the project's venv).
AGENT_BIN = os.path.join(os.path.dirname(sys.executable), "nova-docker-compute")


class Agent:
    """One nova-docker-compute process with its own config file."""

    def __init__(
        self,
        workdir: str,
        transport_url: str,
        host: str,
        driver: str,
        options: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.host = host
        self.driver = driver
        self.dir = os.path.join(workdir, host)
        os.makedirs(self.dir, exist_ok=True)
        self.state_path = os.path.join(self.dir, "state")
        self.conf_path = os.path.join(self.dir, "stackdock.conf")
        self.log_path = os.path.join(self.dir, "agent.log")
        sections: dict[str, dict[str, Any]] = {
            "DEFAULT": {"transport_url": transport_url},
            "compute": {
                "host": host,
                "compute_driver": driver,
                "state_path": self.state_path,
                "report_interval": 1,
                "graceful_shutdown_timeout": 120,
            },
        }
        for group, values in (options or {}).items():
            sections.setdefault(group, {}).update(values)
        parser = configparser.ConfigParser(interpolation=None)
        for group, values in sections.items():
            if group != "DEFAULT":
                parser.add_section(group)
            for key, value in values.items():
                parser.set(group, key, str(value))
        with open(self.conf_path, "w") as f:
            parser.write(f)
        self.proc: subprocess.Popen | None = None

    def start(self) -> Agent:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it
        try:
            self.proc = subprocess.Popen(
                [AGENT_BIN, "--config-file", self.conf_path],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        return self

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 150.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit in time (teardown path)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        return self.proc.returncode

    def log(self) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-6000:]
        except FileNotFoundError:
            return ""

    def journal(self) -> list[str]:
        """Spawn intents on disk (temporary files being written are not intents yet)."""
        path = os.path.join(self.state_path, "journal")
        return (
            sorted(e for e in os.listdir(path) if e.endswith(".json") and not e.startswith("."))
            if os.path.isdir(path)
            else []
        )

    def records(self) -> list[str]:
        path = os.path.join(self.state_path, "instances")
        return (
            sorted(
                e[:-5] for e in os.listdir(path) if e.endswith(".json") and not e.startswith(".")
            )
            if os.path.isdir(path)
            else []
        )


def client_conf(**compute: Any) -> cfg.ConfigOpts:
    """A private ConfigOpts for test-side clients (never the global CONF)."""
    conf = cfg.ConfigOpts()
    nd_conf.register_all(conf)
    # oslo.messaging registers some of its options (tracing) only on the global CONF;
    # the fixture's constructor registers them all on this private ConfigOpts too.
    conffixture.ConfFixture(conf)
    conf([], project="stackdock-test", default_config_files=[], default_config_dirs=[])
    for key, value in compute.items():
        conf.set_override(key, value, group="compute")
    return conf


def transport(conf: cfg.ConfigOpts, url: str) -> messaging.Transport:
    """A transport of our own (closed by the caller; not the process-wide cache)."""
    return messaging.get_rpc_transport(conf, url=url, allowed_remote_exmods=rpc.ALLOWED_EXMODS)


def wait_for(predicate, timeout: float, what: str, agent: Agent | None = None, interval=0.2):
    """Poll predicate() until truthy; fail with the agent's log tail if it never is."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if agent is not None and agent.proc is not None and agent.proc.poll() is not None:
            raise AssertionError(
                f"agent {agent.host} exited ({agent.proc.returncode}) while waiting for "
                f"{what}:\n{agent.log()}"
            )
        if time.monotonic() > deadline:
            log = f":\n{agent.log()}" if agent is not None else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{log}")
        time.sleep(interval)
