"""The stackdock-image command as a user runs it (a separate process, JSON on stdout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def cli(catalog_dir: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nova_docker.cmd.image", "--catalog-dir", catalog_dir, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_register_list_show_delete(tmp_path):
    catalog_dir = str(tmp_path / "catalog")
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\x00" * 4096)

    out = cli(catalog_dir, "register-file", "disk", str(disk), "--property", "os_type=linux")
    assert out.returncode == 0, out.stderr
    file_image = json.loads(out.stdout)
    assert file_image["status"] == "active"
    assert file_image["size"] == 4096
    assert os.path.isfile(os.path.join(catalog_dir, f"{file_image['id']}.data"))

    out = cli(catalog_dir, "register-docker", "stackdock/busybox:latest", "--name", "busybox")
    assert out.returncode == 0, out.stderr
    docker_image = json.loads(out.stdout)
    assert docker_image["properties"]["docker_image"] == "stackdock/busybox:latest"

    listed = json.loads(cli(catalog_dir, "list").stdout)
    assert [i["id"] for i in listed] == [file_image["id"], docker_image["id"]]
    shown = json.loads(cli(catalog_dir, "show", "busybox").stdout)
    assert shown["id"] == docker_image["id"]

    assert cli(catalog_dir, "delete", file_image["id"]).returncode == 0
    missing = cli(catalog_dir, "show", file_image["id"])
    assert missing.returncode == 1
    assert "could not be found" in missing.stderr
    assert missing.stdout == ""


def test_bad_input_exits_non_zero(tmp_path):
    catalog_dir = str(tmp_path / "catalog")
    out = cli(catalog_dir, "register-file", "disk", str(tmp_path / "absent.img"))
    assert out.returncode == 1
    assert "does not exist" in out.stderr
    out = cli(catalog_dir, "register-file", "disk", "x", "--container-format", "zip")
    assert out.returncode == 2
    assert "invalid choice" in out.stderr
    out = cli(catalog_dir, "register-docker", "has space")
    assert out.returncode == 1
    assert "not a Docker image reference" in out.stderr
