"""Server side of the nova-docker-compute RPC API: one endpoint around one driver.

The manager turns JSON arguments into the driver's Nova-shaped objects, keeps the small
per-host state that lets it rebuild an instance by uuid, journals spawns so that none is
left half-made, and maps driver errors to ``nova_docker.exception`` classes, which the RPC
layer re-raises with their own class on the client side.
"""

from __future__ import annotations

import collections
import functools
import threading
import time
from collections.abc import Callable
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging

from nova_docker import exception, objects
from nova_docker.common import context as context_module
from nova_docker.compute import journal, reports, rpcapi
from nova_docker.conf import CONF
from nova_docker.conf import compute as compute_conf
from nova_docker.virt import power_state

LOG = logging.getLogger(__name__)

REBOOT_TYPES = ("SOFT", "HARD")


def _wrap_errors(method: str, host: str, hypervisor: str, exc: Exception) -> Exception:
    """Errors the client can re-raise with their own class (nova_docker.exception)."""
    if isinstance(exc, exception.NovaDockerException):
        return exc
    if isinstance(exc, NotImplementedError):
        return exception.NotSupported(
            reason=f"{method} is not supported by the {hypervisor} driver of host {host}"
        )
    return exception.NovaDockerException(
        f"{method} failed on compute host {host}: {type(exc).__name__}: {exc}"
    )


def _endpoint(mutating: bool) -> Callable:
    """Count the call as in flight; refuse new orders while shutting down; map errors."""

    def decorator(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self: ComputeManager, ctxt: Any, **kwargs: Any) -> Any:
            with self._inflight_cond:
                if mutating and self._shutting_down:
                    raise exception.ShuttingDown(host=self.host)
                self._inflight += 1
            try:
                try:
                    return fn(self, ctxt, **kwargs)
                except Exception as exc:
                    wrapped = _wrap_errors(fn.__name__, self.host, self.hypervisor_type, exc)
                    if wrapped is exc:
                        raise
                    LOG.exception("%s failed", fn.__name__)
                    raise wrapped from exc
            except (exception.Invalid, exception.NotFound):
                # The caller's mistake (not found, bad input): answered without a traceback
                # in the agent's log when served over RPC.
                if self.rpc_expected_errors:
                    raise messaging.ExpectedException() from None
                raise
            finally:
                with self._inflight_cond:
                    self._inflight -= 1
                    self._inflight_cond.notify_all()

        return wrapper

    return decorator


class ComputeManager:
    """The RPC endpoint (API 1.0) of one compute agent."""

    target = messaging.Target(version=rpcapi.RPC_API_VERSION)

    def __init__(
        self,
        driver: Any,
        conf: cfg.ConfigOpts = CONF,
        host: str | None = None,
        image_api: Any = None,
        store: journal.StateStore | None = None,
    ) -> None:
        self.conf = conf
        self.driver = driver
        self.host = host or conf.compute.host
        if image_api is None:
            from nova_docker.image.api import LocalImageService

            image_api = LocalImageService(conf)
        self.image_api = image_api
        self.store = store or journal.StateStore(compute_conf.state_path(conf))
        self._shutting_down = False
        self._inflight = 0
        self._inflight_cond = threading.Condition()
        self._locks: dict[str, threading.Lock] = collections.defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()
        #: Set by the RPC service: client errors go back without a logged traceback.
        self.rpc_expected_errors = False
        #: What init_host found and cleaned up (half-made spawns, vanished instances).
        self.reconciled: list[dict[str, Any]] = []

    @property
    def hypervisor_type(self) -> str:
        return str(getattr(self.driver, "hypervisor_type", "unknown"))

    # -- life of the service -------------------------------------------------------
    def init_host(self) -> None:
        """Start the driver and reconcile the state files with the hypervisor."""
        self.store.ensure()
        self.store.remove_temporary()
        self.driver.init_host(self.host)
        ctxt = context_module.get_admin_context()
        for uuid, record in self.store.pending_spawns().items():
            done = self._undo_spawn(ctxt, uuid, record, why="left half-made by an earlier run")
            self.reconciled.append({"uuid": uuid, "action": "destroyed" if done else "failed"})
        for uuid, record in self.store.instances().items():
            instance = objects.Instance.from_dict(record["instance"])
            try:
                exists = self.driver.instance_exists(instance)
            except Exception:
                LOG.exception("Could not check instance %s at start; keeping its record", uuid)
                continue
            if not exists:
                LOG.warning("Instance %s is gone from the hypervisor; forgetting it", uuid)
                self.store.delete_instance(uuid)
                self.reconciled.append({"uuid": uuid, "action": "forgotten"})

    def _undo_spawn(self, ctxt: Any, uuid: str, record: dict[str, Any], why: str) -> bool:
        """Destroy a half-made instance; the journal entry stays if that fails."""
        instance = objects.Instance.from_dict(record["instance"])
        try:
            self.driver.destroy(ctxt, instance, record.get("network_info"))
        except exception.InstanceNotFound:
            pass
        except Exception:
            LOG.exception("Could not clean up instance %s (%s); retrying at next start", uuid, why)
            return False
        LOG.warning("Destroyed instance %s: %s", uuid, why)
        self.store.delete_instance(uuid)
        self.store.end_spawn(uuid)
        return True

    def begin_shutdown(self) -> None:
        """Refuse new orders from now on (queries and ping are still answered)."""
        with self._inflight_cond:
            self._shutting_down = True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no call is in flight; False if ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        with self._inflight_cond:
            while self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._inflight_cond.wait(left)
        return True

    @property
    def inflight(self) -> int:
        return self._inflight

    # -- helpers ---------------------------------------------------------------------
    def _lock(self, uuid: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks[uuid]

    def _record(self, uuid: str) -> dict[str, Any]:
        record = self.store.load_instance(journal.check_uuid(uuid))
        if record is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        return record

    def _instance(self, uuid: str) -> objects.Instance:
        return objects.Instance.from_dict(self._record(uuid)["instance"])

    def _hypervisor_for(self, instance: Any) -> str:
        hypervisor_for = getattr(self.driver, "hypervisor_for", None)
        if hypervisor_for is not None:
            return hypervisor_for(instance)
        return self.hypervisor_type

    def _driver_for_image(self, image_meta: objects.ImageMeta) -> Any:
        pick = getattr(self.driver, "driver_for_image", None)
        return pick(image_meta) if pick is not None else self.driver

    def _check_image(self, image_meta: objects.ImageMeta, target: Any) -> None:
        is_docker_host = str(getattr(target, "hypervisor_type", "")).lower() == "docker"
        is_docker_image = image_meta.container_format == "docker"
        if is_docker_host and not is_docker_image:
            raise exception.ImageUnacceptable(
                image_id=image_meta.id,
                reason=f"container_format {image_meta.container_format} cannot run on the "
                f"docker driver of host {self.host}; it needs a Docker image "
                "(container_format docker) or a libvirt/hybrid host",
            )
        if is_docker_image and not is_docker_host:
            raise exception.ImageUnacceptable(
                image_id=image_meta.id,
                reason=f"a Docker image cannot run on the {target.hypervisor_type} driver of "
                f"host {self.host}; use a docker or hybrid host",
            )

    def _check_flavor(self, flavor: objects.Flavor, target: Any) -> None:
        resources = target.get_available_resource(self.host)
        wanted = (
            ("vCPUs", flavor.vcpus, resources.get("vcpus")),
            ("MB of RAM", flavor.memory_mb, resources.get("memory_mb")),
            ("GB of disk", flavor.root_gb + flavor.ephemeral_gb, resources.get("local_gb")),
        )
        for what, asked, total in wanted:
            if total is not None and asked > total:
                raise exception.FlavorTooLarge(
                    reason=f"flavor {flavor.name} asks {asked} {what}; host {self.host} "
                    f"has {total} in all"
                )

    def _info(self, instance: Any, hypervisor: str | None = None) -> dict[str, Any]:
        info = self.driver.get_info(instance).to_dict()
        info["hypervisor"] = hypervisor or info.get("hypervisor") or self._hypervisor_for(instance)
        info["uuid"] = instance.uuid
        info["name"] = instance.name
        info["host"] = self.host
        info["state_name"] = power_state.STATE_MAP.get(info.get("state"), "unknown")
        return info

    @staticmethod
    def _parse_instance(instance: Any) -> objects.Instance:
        if not isinstance(instance, dict):
            raise exception.Invalid(reason="instance must be a dict (Instance.to_dict())")
        journal.check_uuid(instance.get("uuid"))
        flavor = instance.get("flavor", {})
        if not isinstance(flavor, dict | objects.Flavor):
            raise exception.Invalid(reason="instance flavor must be a dict (Flavor.to_dict())")
        try:
            parsed = objects.Instance.from_dict(instance)
        except (TypeError, ValueError) as exc:
            raise exception.Invalid(reason=f"bad instance: {exc}") from exc
        for field in ("memory_mb", "vcpus", "root_gb", "ephemeral_gb"):
            value = getattr(parsed.flavor, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise exception.Invalid(reason=f"flavor {field} must be an integer >= 0")
        if parsed.flavor.memory_mb < 1 or parsed.flavor.vcpus < 1:
            raise exception.Invalid(reason="flavor needs at least 1 vCPU and 1 MB of RAM")
        return parsed

    @staticmethod
    def _parse_files(injected_files: Any) -> list[tuple[str, str]]:
        files = []
        for item in injected_files or []:
            if (
                not isinstance(item, list | tuple)
                or len(item) != 2
                or not all(isinstance(v, str) for v in item)
            ):
                raise exception.Invalid(reason="injected_files must be a list of [path, content]")
            files.append((item[0], item[1]))
        return files

    # -- lifecycle -------------------------------------------------------------------
    @_endpoint(mutating=True)
    def spawn(
        self,
        ctxt: Any,
        instance: dict[str, Any],
        image_id: str,
        injected_files: list[list[str]] | None = None,
        network_info: list[dict[str, Any]] | None = None,
        power_on: bool = True,
    ) -> dict[str, Any]:
        inst = self._parse_instance(instance)
        files = self._parse_files(injected_files)
        if network_info is not None and not isinstance(network_info, list):
            raise exception.Invalid(reason="network_info must be a list of VIF dicts")
        if not image_id or not isinstance(image_id, str):
            raise exception.ImageNotFound(image_id=image_id)
        with self._lock(inst.uuid):
            if self.store.load_instance(inst.uuid) is not None:
                raise exception.InstanceExists(name=inst.uuid)
            image_meta = self.image_api.image_meta(image_id)
            target = self._driver_for_image(image_meta)
            self._check_image(image_meta, target)
            self._check_flavor(inst.flavor, target)
            inst.host = inst.node = self.host
            inst.image_ref = image_meta.id
            record = {
                "instance": inst.to_dict(),
                "image_id": image_meta.id,
                "network_info": network_info,
                "hypervisor": str(target.hypervisor_type),
                "created_at": time.time(),
            }
            # Intent first: if the agent dies inside driver.spawn, the next start cleans up.
            self.store.begin_spawn(inst.uuid, record)
            try:
                self.driver.spawn(
                    ctxt,
                    inst,
                    image_meta,
                    files,
                    None,
                    None,
                    network_info=network_info,
                    power_on=bool(power_on),
                )
                record["hypervisor"] = self._hypervisor_for(inst)
                self.store.save_instance(inst.uuid, record)
            except BaseException:
                self._undo_spawn(ctxt, inst.uuid, record, why="spawn failed")
                raise
            self.store.end_spawn(inst.uuid)
            LOG.info("Spawned instance %s on %s", inst.uuid, record["hypervisor"])
            return self._info(inst, record["hypervisor"])

    @_endpoint(mutating=True)
    def destroy(self, ctxt: Any, instance_uuid: str) -> None:
        with self._lock(instance_uuid):
            record = self._record(instance_uuid)
            instance = objects.Instance.from_dict(record["instance"])
            try:
                self.driver.destroy(ctxt, instance, record.get("network_info"))
            except exception.InstanceNotFound:
                LOG.warning("Instance %s was already gone from the hypervisor", instance_uuid)
            self.store.delete_instance(instance_uuid)

    @_endpoint(mutating=True)
    def reboot(self, ctxt: Any, instance_uuid: str, reboot_type: str = "SOFT") -> None:
        if reboot_type not in REBOOT_TYPES:
            raise exception.Invalid(reason=f"reboot_type must be SOFT or HARD, not {reboot_type!r}")
        with self._lock(instance_uuid):
            record = self._record(instance_uuid)
            instance = objects.Instance.from_dict(record["instance"])
            self.driver.reboot(ctxt, instance, record.get("network_info"), reboot_type)

    @_endpoint(mutating=True)
    def power_off(self, ctxt: Any, instance_uuid: str, timeout: int = 60) -> None:
        if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 0:
            raise exception.Invalid(reason="power_off timeout must be an integer >= 0")
        with self._lock(instance_uuid):
            self.driver.power_off(self._instance(instance_uuid), timeout=timeout, retry_interval=10)

    @_endpoint(mutating=True)
    def power_on(self, ctxt: Any, instance_uuid: str) -> None:
        with self._lock(instance_uuid):
            record = self._record(instance_uuid)
            instance = objects.Instance.from_dict(record["instance"])
            self.driver.power_on(ctxt, instance, record.get("network_info"))

    @_endpoint(mutating=True)
    def pause(self, ctxt: Any, instance_uuid: str) -> None:
        with self._lock(instance_uuid):
            self.driver.pause(self._instance(instance_uuid))

    @_endpoint(mutating=True)
    def unpause(self, ctxt: Any, instance_uuid: str) -> None:
        with self._lock(instance_uuid):
            self.driver.unpause(self._instance(instance_uuid))

    @_endpoint(mutating=True)
    def suspend(self, ctxt: Any, instance_uuid: str) -> None:
        with self._lock(instance_uuid):
            self.driver.suspend(ctxt, self._instance(instance_uuid))

    @_endpoint(mutating=True)
    def resume(self, ctxt: Any, instance_uuid: str) -> None:
        with self._lock(instance_uuid):
            record = self._record(instance_uuid)
            instance = objects.Instance.from_dict(record["instance"])
            self.driver.resume(ctxt, instance, record.get("network_info"))

    @_endpoint(mutating=True)
    def snapshot(self, ctxt: Any, instance_uuid: str, image_name: str) -> str:
        if not image_name or not isinstance(image_name, str):
            raise exception.Invalid(reason="a snapshot needs a non-empty image_name")
        with self._lock(instance_uuid):
            record = self._record(instance_uuid)
            instance = objects.Instance.from_dict(record["instance"])
            docker = str(record.get("hypervisor", "")).lower() == "docker"
            # Nova's order: the image record exists first, the driver fills it.
            image = self.image_api.create(
                name=image_name,
                container_format="docker" if docker else "bare",
                disk_format="raw" if docker else "qcow2",
                properties={"instance_uuid": instance_uuid, "image_type": "snapshot"},
            )
            try:
                self.driver.snapshot(ctxt, instance, image["id"], lambda *a, **kw: None)
            except BaseException:
                try:
                    self.image_api.delete(image["id"])
                except Exception:
                    LOG.exception("Could not remove the failed snapshot image %s", image["id"])
                raise
            return image["id"]

    # -- queries -----------------------------------------------------------------------
    @_endpoint(mutating=False)
    def get_info(self, ctxt: Any, instance_uuid: str) -> dict[str, Any]:
        record = self._record(instance_uuid)
        instance = objects.Instance.from_dict(record["instance"])
        return self._info(instance, record.get("hypervisor"))

    @_endpoint(mutating=False)
    def get_console_output(self, ctxt: Any, instance_uuid: str) -> str:
        output = self.driver.get_console_output(ctxt, self._instance(instance_uuid))
        if isinstance(output, bytes):
            output = output.decode("utf-8", errors="replace")
        return output

    @_endpoint(mutating=False)
    def list_instances(self, ctxt: Any) -> list[dict[str, Any]]:
        result = []
        for uuid, record in sorted(self.store.instances().items()):
            instance = objects.Instance.from_dict(record["instance"])
            try:
                state = self.driver.get_info(instance).state
            except exception.InstanceNotFound:
                state = power_state.NOSTATE
            result.append(
                {
                    "uuid": uuid,
                    "name": instance.name,
                    "display_name": instance.display_name,
                    "hypervisor": record.get("hypervisor", self.hypervisor_type),
                    "state": state,
                    "state_name": power_state.STATE_MAP.get(state, "unknown"),
                }
            )
        return result

    # -- networks (Docker side) ----------------------------------------------------------
    def _network_method(self, name: str) -> Callable:
        method = getattr(self.driver, name, None)
        if method is None:
            raise exception.NotSupported(
                reason=f"{name} needs a docker or hybrid host; host {self.host} runs "
                f"the {self.hypervisor_type} driver"
            )
        return method

    @_endpoint(mutating=False)
    def get_addresses(self, ctxt: Any, instance_uuid: str) -> dict[str, Any]:
        instance = self._instance(instance_uuid)
        return self._network_method("get_addresses")(instance)

    @_endpoint(mutating=True)
    def ensure_network(
        self, ctxt: Any, name: str, labels: dict[str, str] | None = None
    ) -> dict[str, Any]:
        if not name or not isinstance(name, str):
            raise exception.Invalid(reason="a network needs a non-empty name")
        if labels is not None and not isinstance(labels, dict):
            raise exception.Invalid(reason="network labels must be a mapping")
        return self._network_method("ensure_network")(name, labels=labels)

    @_endpoint(mutating=True)
    def delete_network(self, ctxt: Any, name: str) -> None:
        if not name or not isinstance(name, str):
            raise exception.Invalid(reason="a network needs a non-empty name")
        return self._network_method("delete_network")(name)

    # -- host --------------------------------------------------------------------------
    def host_report(self) -> dict[str, Any]:
        """Capacity from the driver, usage from the flavors of the instances held here.

        Usage counts allocations (as Nova's resource tracker does), not what the
        processes happen to use right now, so schedulers never overcommit by accident.
        """
        records = self.store.instances()
        flavors = [
            objects.Flavor.from_dict(r["instance"].get("flavor") or {}) for r in records.values()
        ]
        report: dict[str, Any] = {
            "host": self.host,
            "binary": reports.BINARY,
            "hypervisor_types": [t.strip() for t in self.hypervisor_type.split(",") if t.strip()],
            "vcpus": 0,
            "vcpus_used": sum(f.vcpus for f in flavors),
            "memory_mb": 0,
            "memory_mb_used": sum(f.memory_mb for f in flavors),
            "local_gb": 0,
            "local_gb_used": sum(f.root_gb + f.ephemeral_gb for f in flavors),
            "instances": len(records),
            "timestamp": time.time(),
            "version": rpcapi.RPC_API_VERSION,
            "shutting_down": self._shutting_down,
        }
        try:
            resources = self.driver.get_available_resource(self.host)
        except Exception as exc:
            # Still a heartbeat (the agent lives) but with no capacity to schedule onto.
            LOG.exception("Could not read host resources")
            report["error"] = f"{type(exc).__name__}: {exc}"
            return report
        for key in ("vcpus", "memory_mb", "local_gb"):
            report[key] = int(resources.get(key) or 0)
        hv_type = resources.get("hypervisor_type")
        if hv_type:
            report["hypervisor_types"] = [t.strip() for t in str(hv_type).split(",") if t.strip()]
        return report

    @_endpoint(mutating=False)
    def get_host_report(self, ctxt: Any) -> dict[str, Any]:
        return self.host_report()

    def ping(self, ctxt: Any) -> dict[str, Any]:
        # Deliberately bare: the cheapest possible round trip through the agent.
        return {
            "host": self.host,
            "version": rpcapi.RPC_API_VERSION,
            "time": time.time(),
            "shutting_down": self._shutting_down,
        }
