"""OS::Docker::Container: one container on a Docker engine chosen in heat.conf.

Create waits until the container runs (and is healthy when it has a healthcheck) and fails
with its last log lines if it exits. Live changes (name, restart policy, CPU and memory
limits, networks) are made in place, keeping the container id; anything else replaces it.

Replacement without collisions: Heat creates the new resource before deleting the old one,
so a fixed ``name`` or host port would clash. ``prepare_for_replace`` therefore stops the
old container (releasing its host ports) and renames it ``<name>-replaced-<id>``; it is
deleted once the new one is up. On rollback ``restore_prev_rsrc`` removes the new
container, renames the old one back and starts it again.
"""

from __future__ import annotations

from typing import Any

from docker import errors as docker_errors
from docker.utils import parse_repository_tag
from heat.common import exception
from heat.engine import resource
from oslo_config import cfg
from oslo_log import log as logging

from heat_plugins.resources.docker import base, live, spec
from heat_plugins.resources.docker import container_schema as cs

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

LIMIT_PROPS = (
    cs.CPU_SHARES, cs.CPU_PERIOD, cs.CPU_QUOTA, cs.CPUSET_CPUS, cs.MEMORY, cs.MEMORY_SWAP,
    cs.MEMORY_RESERVATION,
)  # fmt: skip


class DockerContainer(base.DockerResource):
    """A Docker container managed by Heat."""

    PROPERTIES = cs.PROPERTIES
    ATTRIBUTES = cs.ATTRIBUTES
    properties_schema = cs.properties_schema
    attributes_schema = cs.attributes_schema
    update_allowed_properties = cs.UPDATE_ALLOWED
    physical_resource_name_limit = 128

    # -- the normalized spec (legacy.py overrides this) -----------------------------------
    def container_spec(self, props: Any = None) -> dict:
        props = props if props is not None else self.properties
        return {key: props[key] for key in cs.PROPERTIES}

    def user_labels(self) -> dict:
        return dict(self.properties[cs.LABELS] or {})

    def validate(self) -> None:
        super().validate()
        try:
            spec.validate(
                self.container_spec(),
                CONF.heat_docker.allow_privileged,
                CONF.heat_docker.default_host_ip,
            )
        except ValueError as ex:
            raise exception.StackValidationFailed(message=str(ex), resource=self) from None

    # -- create ----------------------------------------------------------------------------
    def _ensure_image(self, api: Any, image: str, policy: str | None) -> None:
        policy = policy or CONF.heat_docker.default_pull_policy
        image = spec.image_with_tag(image)
        present = True
        try:
            api.inspect_image(image)
        except docker_errors.ImageNotFound:
            present = False
        if policy == "never" and not present:
            raise self.fail(f"image {image} is not present and image_pull_policy is never")
        if policy == "always" or not present:
            repo, tag = parse_repository_tag(image)
            try:
                output = api.pull(repo, tag=tag)
            except docker_errors.APIError as ex:
                raise self.fail(f"cannot pull image {image}: {base.explain(ex)}") from None
            try:
                api.inspect_image(image)
            except docker_errors.ImageNotFound:
                # Some errors arrive inside the pull's progress stream, not as HTTP errors.
                last = str(output).strip().splitlines()[-1:] or ["no output"]
                raise self.fail(f"pulling image {image} did not produce it: {last[0]}") from None

    def _networks(self, data: dict) -> list[dict]:
        return [n for n in (data.get(cs.NETWORKS) or []) if n and n.get("network")]

    def _endpoint_config(self, api: Any, net: dict) -> Any:
        return api.create_endpoint_config(
            aliases=net.get("aliases") or None,
            ipv4_address=net.get("ipv4_address") or None,
            ipv6_address=net.get("ipv6_address") or None,
        )

    def handle_create(self) -> str:
        data = self.container_spec()
        api = self.docker()
        self._ensure_image(api, data[cs.IMAGE], data.get(cs.IMAGE_PULL_POLICY))
        default_ip = CONF.heat_docker.default_host_ip
        networks = self._networks(data)
        host_config_args = spec.host_config(data, default_ip)
        networking = None
        if networks:
            first = networks[0]
            host_config_args["network_mode"] = first["network"]
            networking = api.create_networking_config(
                {first["network"]: self._endpoint_config(api, first)}
            )
        config = spec.container_config(
            data,
            self.docker_name(data.get(cs.NAME)),
            self.object_labels(self.user_labels()),
            default_ip,
        )
        try:
            created = api.create_container(
                host_config=api.create_host_config(**host_config_args),
                networking_config=networking,
                **config,
            )
        except docker_errors.APIError as ex:
            raise self.fail(f"cannot create container: {base.explain(ex)}") from None
        container_id = created["Id"]
        self.resource_id_set(container_id)
        try:
            for net in networks[1:]:
                api.connect_container_to_network(
                    container_id,
                    net["network"],
                    aliases=net.get("aliases") or None,
                    ipv4_address=net.get("ipv4_address") or None,
                    ipv6_address=net.get("ipv6_address") or None,
                )
            api.start(container_id)
        except docker_errors.APIError as ex:
            # Nothing half-made stays behind: the container never ran.
            self._ignore_not_found(api.remove_container, container_id, force=True, v=True)
            self.resource_id_set(None)
            raise self.fail(f"cannot start container: {base.explain(ex)}") from None
        return container_id

    def _last_logs(self, api: Any, container_id: str) -> str:
        try:
            raw = api.logs(container_id, tail=CONF.heat_docker.log_lines)
        except docker_errors.APIError:
            return ""
        return raw.decode("utf-8", "replace").strip()

    def _raise_exited(self, api: Any, info: dict) -> None:
        state = info["State"]
        logs = self._last_logs(api, info["Id"])
        raise exception.ResourceInError(
            resource_status=state.get("Status", "exited"),
            status_reason=(
                f"container {info['Name'].lstrip('/')} exited with code {state.get('ExitCode')}"
                f"{': ' + state['Error'] if state.get('Error') else ''}; last log lines:\n"
                f"{logs or '(no output)'}"
            ),
        )

    def _running_and_ready(self, container_id: str) -> bool:
        api = self.docker()
        info = api.inspect_container(container_id)
        state = info["State"]
        if state.get("Restarting") or not state.get("Running"):
            if state.get("Status") == "created":
                return False
            self._raise_exited(api, info)
        health = (state.get("Health") or {}).get("Status")
        if health == "unhealthy":
            log = (state["Health"].get("Log") or [{}])[-1].get("Output", "")
            raise exception.ResourceInError(
                resource_status="unhealthy",
                status_reason=f"healthcheck failed: {log.strip()}\n"
                f"{self._last_logs(api, container_id)}",
            )
        return health in (None, "healthy")

    def check_create_complete(self, container_id: str) -> bool:
        return self._running_and_ready(container_id)

    # -- delete ----------------------------------------------------------------------------
    def handle_delete(self) -> str | None:
        if not self.resource_id:
            return None
        try:
            self.docker().remove_container(self.resource_id, force=True, v=True)
        except docker_errors.NotFound:
            return None
        except docker_errors.APIError as ex:
            if not base.is_conflict(ex):  # 409: removal already in progress
                raise
        return self.resource_id

    def check_delete_complete(self, container_id: str | None) -> bool:
        if not container_id:
            return True
        try:
            self.docker().inspect_container(container_id)
        except docker_errors.NotFound:
            return True
        return False

    # -- suspend, resume, check ------------------------------------------------------------
    def handle_suspend(self) -> str | None:
        if not self.resource_id:
            return None
        self.docker().stop(self.resource_id, timeout=self._stop_timeout())
        return self.resource_id

    def _stop_timeout(self) -> int:
        value = self.container_spec().get(cs.STOP_TIMEOUT)
        return 10 if value is None else int(value)

    def check_suspend_complete(self, container_id: str | None) -> bool:
        if not container_id:
            return True
        return not self.docker().inspect_container(container_id)["State"]["Running"]

    def handle_resume(self) -> str | None:
        if not self.resource_id:
            return None
        self.docker().start(self.resource_id)
        return self.resource_id

    def check_resume_complete(self, container_id: str | None) -> bool:
        return not container_id or self._running_and_ready(container_id)

    def handle_check(self) -> None:
        try:
            info = self.docker().inspect_container(self.resource_id)
        except docker_errors.NotFound:
            raise self.fail(f"container {self.resource_id} does not exist") from None
        state = info["State"]
        checks = [{"attr": "status", "expected": "running", "current": state.get("Status")}]
        if state.get("Health"):
            checks.append(
                {"attr": "health", "expected": "healthy", "current": state["Health"]["Status"]}
            )
        self._verify_check_conditions(checks)

    # -- update in place -------------------------------------------------------------------
    def needs_replace_with_prop_diff(
        self, changed_properties_set: Any, after_props: Any, before_props: Any
    ) -> bool:
        # docker update cannot unset a limit; dropping one needs a fresh container.
        return any(
            before_props.get(key) and not after_props.get(key)
            for key in changed_properties_set
            if key in LIMIT_PROPS
        )

    def handle_update(self, json_snippet: Any, tmpl_diff: Any, prop_diff: dict) -> None:
        api = self.docker()
        if cs.NAME in prop_diff:
            new_name = self.docker_name(prop_diff[cs.NAME])
            current = api.inspect_container(self.resource_id)["Name"].lstrip("/")
            if new_name != current:
                api.rename(self.resource_id, new_name)
        after = json_snippet.properties(self.properties_schema, self.context)
        after_spec = self.container_spec(after)
        changes: dict[str, Any] = {}
        if any(key in prop_diff for key in LIMIT_PROPS):
            changes.update(spec.resource_limits(after_spec))
        if cs.RESTART_POLICY in prop_diff:
            changes["restart_policy"] = spec.build_restart_policy(
                after_spec.get(cs.RESTART_POLICY)
            ) or {"Name": "no", "MaximumRetryCount": 0}
        if changes:
            api.update_container(self.resource_id, **changes)
        if cs.NETWORKS in prop_diff:
            self._update_networks(api, self._networks(self.container_spec()),
                                  self._networks(after_spec))  # fmt: skip

    def _update_networks(self, api: Any, before: list[dict], after: list[dict]) -> None:
        def key(net: dict) -> tuple:
            return (
                net["network"],
                tuple(net.get("aliases") or ()),
                net.get("ipv4_address"),
                net.get("ipv6_address"),
            )

        old = {key(n): n for n in before}
        new = {key(n): n for n in after}
        # Networks left, or kept with new aliases/addresses (leave, then join again).
        for k, net in old.items():
            if k not in new:
                self._disconnect(api, net["network"])
        for k, net in new.items():
            if k not in old:
                api.connect_container_to_network(
                    self.resource_id,
                    net["network"],
                    aliases=net.get("aliases") or None,
                    ipv4_address=net.get("ipv4_address") or None,
                    ipv6_address=net.get("ipv6_address") or None,
                )

    def _disconnect(self, api: Any, network: str) -> None:
        try:
            api.disconnect_container_from_network(self.resource_id, network)
        except docker_errors.APIError as ex:
            # Not connected (or the network is gone): the goal is already met.
            if not (base.is_not_found(ex) or "is not connected" in base.explain(ex)):
                raise

    # -- replacement -----------------------------------------------------------------------
    def prepare_for_replace(self) -> None:
        if not self.resource_id:
            return
        api = self.docker()
        try:
            info = api.inspect_container(self.resource_id)
        except docker_errors.NotFound:
            return
        name = info["Name"].lstrip("/")
        self.data_set("replaced_name", name)
        self.data_set("was_running", "1" if info["State"]["Running"] else "")
        if info["State"]["Running"]:
            api.stop(self.resource_id, timeout=self._stop_timeout())
        if "-replaced-" not in name:
            api.rename(self.resource_id, f"{name}-replaced-{self.resource_id[:12]}")

    def restore_prev_rsrc(self, convergence: bool = False) -> None:
        if convergence:
            prev = self
            newer_id = None
            if self.replaced_by is not None:
                newer, _, _ = resource.Resource.load(
                    self.context,
                    self.replaced_by,
                    self.stack.current_traversal,
                    True,
                    self.stack.defn._resource_data,
                )
                newer_id = newer.resource_id
        else:
            prev = self.stack._backup_stack().resources.get(self.name)
            newer_id = self.resource_id
        api = self.docker()
        if newer_id:
            self._ignore_not_found(api.remove_container, newer_id, force=True, v=True)
        if prev is None:
            return
        data = prev.data()
        if not prev.resource_id or not data.get("replaced_name"):
            return
        api.rename(prev.resource_id, data["replaced_name"])
        if data.get("was_running"):
            api.start(prev.resource_id)

    # -- observed state ----------------------------------------------------------------------
    def _show_resource(self) -> dict:
        return self.docker().inspect_container(self.resource_id)

    def parse_live_resource_data(self, resource_properties: Any, resource_data: dict) -> dict:
        return live.container_properties(resource_properties, resource_data)

    # -- attributes --------------------------------------------------------------------------
    def resolve_docker_attribute(self, name: str) -> Any:
        api = self.docker()
        if name in (cs.LOGS, cs.LOGS_HEAD, cs.LOGS_TAIL):
            text = api.logs(self.resource_id).decode("utf-8", "replace")
            lines = text.rstrip("\n").split("\n")
            return {cs.LOGS: text, cs.LOGS_HEAD: lines[0], cs.LOGS_TAIL: lines[-1]}[name]
        info = api.inspect_container(self.resource_id)
        return live.container_attribute(name, info)
