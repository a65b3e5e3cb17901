"""A private dockerd for tests that must stop and restart an engine.

The shared engine on /var/run/docker.sock is used by every other test and must never be
restarted, so restart tests run their own dockerd with everything private: socket, data
root, exec root (with its own managed containerd), pid file, containerd namespaces, an empty
daemon.json, a bridge interface of its own and no iptables/ip-forward changes to the host.
(Never ``--bridge none``: dockerd then deletes the host's docker0, which the shared engine
needs.) Everything it makes
is recognisable by one short id in its paths, which is how clean-up finds (and only finds)
what belongs to it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable

import docker
import docker.errors
import requests

MAIN_ENGINE_URL = "unix:///var/run/docker.sock"
DATA_ROOT_PARENT = "/var/lib/stackdock"


def dockerd_binary() -> str:
    for candidate in (shutil.which("dockerd"), "/usr/bin/dockerd", "/usr/sbin/dockerd"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError("no dockerd binary found (PATH, /usr/bin, /usr/sbin)")


def _wait(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def _unescape_mount_path(path: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        path = path.replace(code, char)
    return path


def mounts_under(*roots: str) -> list[str]:
    """Mount points at or below any of roots, deepest first."""
    found = []
    with open("/proc/mounts", encoding="utf-8") as fh:
        for line in fh:
            fields = line.split()
            if len(fields) < 2:
                continue
            point = _unescape_mount_path(fields[1])
            if any(point == r or point.startswith(r.rstrip("/") + "/") for r in roots):
                found.append(point)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def pids_mentioning(*needles: str) -> list[int]:
    """Processes whose command line contains one of needles (our unique paths)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if any(n in cmdline for n in needles):
            pids.append(int(entry))
    return pids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            # A zombie has exited; it only waits to be reaped by its parent.
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class PrivateEngine:
    """One private dockerd: start, stop (SIGTERM by pid), start again, clean up."""

    def __init__(self, live_restore: bool = False, storage_driver: str = "overlay2") -> None:
        self.id = secrets.token_hex(4)
        self.live_restore = live_restore
        self.storage_driver = storage_driver
        self.socket = f"/tmp/sd-{self.id}.sock"
        self.url = f"unix://{self.socket}"
        self.data_root = f"{DATA_ROOT_PARENT}/test-dockerd-{self.id}"
        self.exec_root = f"/tmp/sd-exec-{self.id}"
        self.pidfile = f"/tmp/sd-{self.id}.pid"
        self.bridge = f"sdbr{self.id}"  # at most 15 characters, as Linux requires
        self.work_dir = tempfile.mkdtemp(prefix=f"sd-dockerd-{self.id}-")
        self.log_path = os.path.join(self.work_dir, "dockerd.log")
        self.config_file = os.path.join(self.work_dir, "daemon.json")
        with open(self.config_file, "w", encoding="utf-8") as fh:
            fh.write("{}\n")  # never pick up the host's /etc/docker/daemon.json
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    # -- process ----------------------------------------------------------------------
    def argv(self) -> list[str]:
        argv = [
            dockerd_binary(),
            "-H",
            self.url,
            "--config-file",
            self.config_file,
            "--data-root",
            self.data_root,
            "--exec-root",
            self.exec_root,
            "--pidfile",
            self.pidfile,
            "--containerd-namespace",
            f"sd-test-{self.id}",
            "--containerd-plugins-namespace",
            f"sd-test-{self.id}-plugins",
            "--bridge",
            self.bridge,
            "--iptables=false",
            "--ip-forward=false",
            "--ip-masq=false",
            "--storage-driver",
            self.storage_driver,
            # Containers that ignore SIGTERM (sleep as PID 1) need not hold a stop up 15 s.
            "--shutdown-timeout",
            "3",
            "--log-level",
            "info",
        ]
        if self.live_restore:
            argv.append("--live-restore")
        return argv

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return ""

    def _answers(self) -> bool:
        try:
            api = docker.APIClient(base_url=self.url, version="1.41", timeout=5)
        except docker.errors.DockerException:
            return False
        try:
            return bool(api.ping())
        except (docker.errors.DockerException, requests.RequestException, OSError):
            return False
        finally:
            api.close()

    def start(self, timeout: float = 120.0) -> None:
        """Start dockerd and wait until it answers _ping (overlay2, else vfs the first time)."""
        assert not self.running(), "private dockerd already running"
        os.makedirs(DATA_ROOT_PARENT, exist_ok=True)
        self._ensure_bridge()
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.starts + 1}: {' '.join(self.argv())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.argv(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a terminal's Ctrl-C must not reach it; teardown stops it.
                start_new_session=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")},
            )
        self.starts += 1
        proc = self.proc
        _wait(lambda: proc.poll() is not None or self._answers(), timeout)
        if proc.poll() is not None:
            tail = self.log_tail()
            if self.starts == 1 and self.storage_driver == "overlay2" and "overlay" in tail.lower():
                # Some sandboxes (overlay on overlay) refuse overlay2; vfs works anywhere.
                self._kill_leftovers()
                self._remove_dirs()
                self.storage_driver = "vfs"
                self.starts = 0
                return self.start(timeout)
            raise AssertionError(f"private dockerd exited with {proc.returncode}:\n{tail}")
        if not self._answers():
            raise AssertionError(
                f"private dockerd did not answer _ping within {timeout} s:\n{self.log_tail()}"
            )

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM by pid, SIGKILL after timeout; wait for it. Returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(30)
        return proc.returncode

    # -- clients ----------------------------------------------------------------------
    def api(self) -> docker.APIClient:
        return docker.APIClient(base_url=self.url, version="auto", timeout=120)

    def load_image(self, ref: str, main_url: str = MAIN_ENGINE_URL) -> None:
        """Copy an image from the main engine: save there, load here."""
        main = docker.DockerClient(base_url=main_url, version="auto", timeout=300)
        mine = docker.DockerClient(base_url=self.url, version="auto", timeout=300)
        try:
            mine.images.load(b"".join(main.images.get(ref).save(named=True)))
            mine.images.get(ref)  # raises ImageNotFound if the load did not tag it
        finally:
            main.close()
            mine.close()

    # -- clean-up ---------------------------------------------------------------------
    def _remove_containers(self) -> None:
        if not self.running() or not self._answers():
            return
        api = self.api()
        try:
            for c in api.containers(all=True):
                try:
                    api.remove_container(c["Id"], force=True, v=True)
                except docker.errors.APIError:
                    pass
        except (docker.errors.DockerException, requests.RequestException):
            pass
        finally:
            api.close()

    def _container_ids(self) -> list[str]:
        try:
            return [d for d in os.listdir(f"{self.data_root}/containers") if len(d) == 64]
        except OSError:
            return []

    def _kill_container_processes(self, ids: list[str]) -> None:
        """Kill processes of our containers (left running if the engine died or live-restored)."""
        if not ids:
            return

        def pids() -> list[int]:
            found = []
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/cgroup", encoding="utf-8") as fh:
                        cgroups = fh.read()
                except OSError:
                    continue
                if any(cid in cgroups for cid in ids):
                    found.append(int(entry))
            return found

        for pid in pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _wait(lambda: not any(_alive(p) for p in pids()), 30)

    def _remove_cgroups(self, ids: list[str]) -> None:
        """Empty cgroups of our containers that no shim removed (it was killed)."""
        roots = []
        with open("/proc/mounts", encoding="utf-8") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) > 2 and fields[2] in ("cgroup", "cgroup2"):
                    roots.append(_unescape_mount_path(fields[1]))
        for root in roots:
            for cid in ids:
                for path in (f"{root}/docker/{cid}", f"{root}/system.slice/docker-{cid}.scope"):
                    try:
                        os.rmdir(path)
                    except OSError:
                        pass

    def _kill_leftovers(self) -> None:
        ids = self._container_ids()
        self._kill_container_processes(ids)
        # The managed containerd and its shims name our exec root on their command lines.
        for pid in pids_mentioning(self.exec_root, self.data_root, self.socket):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _wait(lambda: not any(_alive(p) for p in pids_mentioning(self.exec_root)), 30)
        self._remove_cgroups(ids)

    def _unmount(self) -> None:
        for point in mounts_under(self.data_root, self.exec_root):
            if subprocess.run(["umount", point], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", point], capture_output=True)

    def _ensure_bridge(self) -> None:
        """The engine's own bridge, on a link-local /24 no test network uses."""
        if os.path.exists(f"/sys/class/net/{self.bridge}"):
            return
        subnet = 10 + int(self.id, 16) % 200
        for cmd in (
            ["ip", "link", "add", "name", self.bridge, "type", "bridge"],
            ["ip", "addr", "add", f"169.254.{subnet}.1/24", "dev", self.bridge],
            ["ip", "link", "set", self.bridge, "up"],
        ):
            subprocess.run(cmd, check=True, capture_output=True, timeout=30)

    def _remove_bridge(self) -> None:
        if os.path.exists(f"/sys/class/net/{self.bridge}"):
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, timeout=30)

    def _remove_dirs(self) -> None:
        self._unmount()
        for path in (self.data_root, self.exec_root):
            shutil.rmtree(path, ignore_errors=True)
        for path in (self.socket, self.pidfile):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def cleanup(self) -> None:
        """Leave nothing behind: containers, processes, mounts, directories, files."""
        self._remove_containers()
        self.stop()
        self._kill_leftovers()
        self._remove_dirs()
        self._remove_bridge()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def leftovers(self) -> list[str]:
        """What of this engine still exists (empty after cleanup)."""
        left = [p for p in (self.data_root, self.exec_root, self.socket, self.pidfile)]
        left = [p for p in left if os.path.lexists(p)]
        if os.path.exists(f"/sys/class/net/{self.bridge}"):
            left.append(f"bridge {self.bridge}")
        left += [f"mount {m}" for m in mounts_under(self.data_root, self.exec_root)]
        left += [f"pid {p}" for p in pids_mentioning(self.exec_root, self.data_root)]
        return left
