"""The agent's small per-host state: the instances it serves and its spawn journal.

One JSON file per instance under ``<state_path>/instances`` lets the agent rebuild an
instance object by uuid for later orders, across restarts. A spawn first writes an intent
under ``<state_path>/journal`` and clears it once the instance is complete (or cleaned up),
so an agent killed mid-spawn finds the half-made instance at its next start and removes it.
Writes are atomic (temporary file, fsync, rename): a crash never leaves half a record.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
from typing import Any

from nova_docker import exception

_UUID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_uuid(value: Any) -> str:
    """An instance uuid safe to use as a file name (Nova's are RFC 4122 uuids)."""
    if not isinstance(value, str) or not _UUID_RE.match(value):
        raise exception.Invalid(
            reason=f"instance uuid {value!r} must be 1-128 letters, digits, '.', '_' or '-'"
        )
    return value


class StateStore:
    """Instance records and spawn intents of one agent, as files under ``path``."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self._instances = os.path.join(self.path, "instances")
        self._journal = os.path.join(self.path, "journal")
        self._lock = threading.Lock()

    def ensure(self) -> None:
        """Create the directories (0700: records hold user data and key material)."""
        for directory in (self.path, self._instances, self._journal):
            try:
                os.makedirs(directory, mode=0o700, exist_ok=True)
            except OSError as exc:
                raise exception.Invalid(
                    reason=f"cannot create compute state directory {directory}: {exc}"
                ) from exc

    def remove_temporary(self) -> None:
        """Remove temporary files a killed agent left half-written (at start only)."""
        for directory in (self._instances, self._journal):
            if not os.path.isdir(directory):
                continue
            for entry in os.listdir(directory):
                if entry.startswith(".tmp-"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(directory, entry))

    # -- files -----------------------------------------------------------------
    def _write(self, directory: str, uuid: str, record: dict[str, Any]) -> None:
        check_uuid(uuid)
        self.ensure()
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(record, f, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, os.path.join(directory, f"{uuid}.json"))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @staticmethod
    def _read(directory: str, uuid: str) -> dict[str, Any] | None:
        try:
            with open(os.path.join(directory, f"{uuid}.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    @staticmethod
    def _remove(directory: str, uuid: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(directory, f"{check_uuid(uuid)}.json"))

    def _all(self, directory: str) -> dict[str, dict[str, Any]]:
        if not os.path.isdir(directory):
            return {}
        records = {}
        for entry in sorted(os.listdir(directory)):
            if entry.startswith(".") or not entry.endswith(".json"):
                continue
            uuid = entry[: -len(".json")]
            try:
                record = self._read(directory, uuid)
            except ValueError:
                # Renames are atomic, so this is damage from outside; skip, don't crash.
                continue
            if record is not None:
                records[uuid] = record
        return records

    # -- instances ---------------------------------------------------------------
    def save_instance(self, uuid: str, record: dict[str, Any]) -> None:
        with self._lock:
            self._write(self._instances, uuid, record)

    def load_instance(self, uuid: str) -> dict[str, Any] | None:
        return self._read(self._instances, check_uuid(uuid))

    def delete_instance(self, uuid: str) -> None:
        with self._lock:
            self._remove(self._instances, uuid)

    def instances(self) -> dict[str, dict[str, Any]]:
        return self._all(self._instances)

    # -- spawn journal -------------------------------------------------------------
    def begin_spawn(self, uuid: str, record: dict[str, Any]) -> None:
        with self._lock:
            self._write(self._journal, uuid, record)

    def end_spawn(self, uuid: str) -> None:
        with self._lock:
            self._remove(self._journal, uuid)

    def pending_spawns(self) -> dict[str, dict[str, Any]]:
        return self._all(self._journal)
