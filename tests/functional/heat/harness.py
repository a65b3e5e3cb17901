"""A real Heat engine in the test process: Heat's Stack machinery on SQLite.

This is what heat-engine runs for each stack operation (legacy, non-convergence path),
without RPC or Keystone: ``deferred_auth_method = password`` keeps credentials in the DB,
oslo.messaging uses ``fake://`` for notifications, and the resource types come from a
plugin directory written by stackdock-heat-plugin-install, exactly as Heat loads them.

Heat's database factory can start only once per process, so the engine is set up once
(session fixture); configuration overrides are re-applied before every test because other
fixtures may reset the global CONF.
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from collections.abc import Callable
from typing import Any

import heat.common.config  # noqa: F401  (registers Heat's options)
import heat.engine.resources as heat_resources
from heat.common import context, messaging
from heat.db import api as db_api
from heat.db import models
from heat.engine import environment, stack, stack_lock, template
from oslo_config import cfg

from heat_plugins import client as docker_client
from heat_plugins import conf as plugin_conf
from heat_plugins.cmd import install

CONF = cfg.CONF
TYPES = ("OS::Docker::Container", "DockerInc::Docker::Container", "OS::Docker::Network",
         "OS::Docker::Volume")  # fmt: skip

STACK_TIMEOUT = 10  # minutes, per stack operation
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _start_once() -> str:
    """Database, messaging and plugin loading: once per process. Returns the work dir."""
    with _lock:
        if "dir" in _state:
            return _state["dir"]
        work = tempfile.mkdtemp(prefix="sd-heat-")
        plugin_dir = os.path.join(work, "plugins")
        install.install(plugin_dir)
        CONF.set_override("plugin_dirs", [plugin_dir])
        # Heat's own transaction factory: configure() supersedes [database], so the
        # global [database] connection other packages use is left untouched.
        db_api.context_manager.configure(connection=f"sqlite:///{work}/heat.sqlite")
        models.BASE.metadata.create_all(db_api.get_engine())
        messaging.setup("fake://")
        heat_resources.initialise()
        registry = heat_resources.global_env().registry
        missing = [t for t in TYPES if registry.get_resource_info(t) is None]
        if missing:
            raise RuntimeError(f"Heat did not load {missing} from plugin_dirs {plugin_dir}")
        _state["dir"] = work
        return work


class HeatEngine:
    """Drive stacks through Heat's engine; every call returns the reloaded stack."""

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.work_dir = _start_once()
        self.ctx = context.RequestContext.from_dict(
            {
                "tenant_id": "stackdock-test",
                "tenant": "stackdock-test",
                "username": "tester",
                "user_id": "tester",
                "password": "unused",
                "roles": ["admin", "member"],
                "is_admin": True,
                "auth_url": "http://127.0.0.1:1/v3",
                "auth_token": "unused",
            }
        )
        self.live: dict[str, str] = {}  # stack id -> name, for teardown
        self.engine_id = uuid.uuid4().hex

    def _locked(self, stk: stack.Stack, operation: Callable[[], None]) -> None:
        """Run one operation under the stack lock, as heat-engine's service does.

        The legacy path defers writing a final CREATE/SUSPEND/... state until the lock is
        released, so observers never see COMPLETE while an engine still works on it.
        """
        lock = stack_lock.StackLock(self.ctx, stk.id, self.engine_id)
        lock.acquire()
        try:
            operation()
        finally:
            if stk.defer_state_persist():
                stk.persist_state_and_release_lock(self.engine_id)
            else:
                lock.release()

    def apply_config(self, **overrides: Any) -> None:
        """The engine's settings plus ``overrides`` of [heat_docker]; earlier ones go."""
        for opt in plugin_conf.opts:
            CONF.clear_override(opt.dest, group="heat_docker")
        CONF.set_override("deferred_auth_method", "password")
        CONF.set_override("convergence_engine", False)
        # A failed create is final here: no delete-and-retry rounds with back-off.
        CONF.set_override("action_retry_limit", 0)
        CONF.set_override("extra_labels", self.labels, group="heat_docker")
        CONF.set_override("default_host_ip", "127.0.0.1", group="heat_docker")
        CONF.set_override("default_pull_policy", "never", group="heat_docker")
        for key, value in overrides.items():
            CONF.set_override(key, value, group="heat_docker")
        docker_client.reset_cache()

    def _template(self, tmpl: dict, params: dict | None = None) -> template.Template:
        return template.Template(tmpl, env=environment.Environment(params or {}))

    def validate(self, name: str, tmpl: dict, params: dict | None = None) -> None:
        stack.Stack(self.ctx, name, self._template(tmpl, params)).validate()

    def create(self, name: str, tmpl: dict, params: dict | None = None) -> stack.Stack:
        # A stack timeout turns a hang into a failed test instead of a stuck CI run.
        stk = stack.Stack(self.ctx, name, self._template(tmpl, params), timeout_mins=STACK_TIMEOUT)
        stk.validate()
        stk.store()
        self.live[stk.id] = name
        self._locked(stk, stk.create)
        return self.load(stk)

    def load(self, stk: stack.Stack) -> stack.Stack:
        return stack.Stack.load(self.ctx, stack_id=stk.id)

    def update(
        self, stk: stack.Stack, tmpl: dict, params: dict | None = None, rollback: bool = False
    ) -> stack.Stack:
        current = self.load(stk)
        new = stack.Stack(
            self.ctx,
            current.name,
            self._template(tmpl, params),
            disable_rollback=not rollback,
            timeout_mins=STACK_TIMEOUT,
        )
        new.validate()
        self._locked(current, lambda: current.update(new))
        return self.load(stk)

    def act(self, stk: stack.Stack, action: str) -> stack.Stack:
        current = self.load(stk)
        self._locked(current, getattr(current, action))
        return self.load(stk)

    def delete(self, stk: stack.Stack) -> stack.Stack:
        current = self.load(stk)
        self._locked(current, current.delete)
        self.live.pop(stk.id, None)
        return current

    def outputs(self, stk: stack.Stack) -> dict[str, Any]:
        """Resolved outputs, as heat-engine's show_stack computes them."""
        current = self.load(stk)
        current._update_all_resource_data(for_resources=False, for_outputs=True)
        return {key: out.get_value() for key, out in current.outputs.items()}

    def resource(self, stk: stack.Stack, name: str) -> Any:
        return self.load(stk)[name]

    def delete_all(self) -> None:
        for stack_id in list(self.live):
            try:
                current = stack.Stack.load(self.ctx, stack_id=stack_id)
                self._locked(current, current.delete)
            except Exception:  # teardown goes on; the label sweep catches what is left
                pass
            self.live.pop(stack_id, None)
