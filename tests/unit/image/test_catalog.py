"""The local image catalog on a temporary directory."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import stat

import pytest

from nova_docker import exception
from nova_docker.cmd import image as image_cmd
from nova_docker.image.api import LocalImageService


@pytest.fixture
def catalog(tmp_path, conf):
    conf.config(group="image", catalog_dir=str(tmp_path / "catalog"))
    return LocalImageService()


@pytest.fixture
def datafile(tmp_path):
    path = tmp_path / "disk.img"
    path.write_bytes(b"x" * 5000 + b"end")
    return str(path)


def test_create_with_data_is_active_with_checksum(catalog, datafile):
    meta = catalog.create("disk", "bare", "qcow2", properties={"a": "1"}, data_path=datafile)
    data = open(datafile, "rb").read()
    assert meta["status"] == "active"
    assert meta["size"] == len(data)
    assert meta["checksum"] == hashlib.sha256(data).hexdigest()
    assert catalog.show(meta["id"]) == meta
    assert open(catalog.path(meta["id"]), "rb").read() == data
    # QEMU runs as another user: the directory and the files must be world-readable.
    assert stat.S_IMODE(os.stat(catalog.catalog_dir).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(catalog.path(meta["id"])).st_mode) == 0o644
    assert set(meta) >= {
        "id",
        "name",
        "container_format",
        "disk_format",
        "size",
        "checksum",
        "status",
        "properties",
        "created_at",
    }


def test_create_without_data_is_queued_and_has_no_path(catalog):
    meta = catalog.create("empty", "bare", "raw")
    assert meta["status"] == "queued"
    with pytest.raises(exception.ImageUnacceptable):
        catalog.path(meta["id"])


def test_upload_activates_and_merges_properties(catalog, tmp_path):
    meta = catalog.create("snap", "docker", "raw", properties={"x": "1"})
    after = catalog.upload(meta["id"], io.BytesIO(b"tarball"), properties={"y": "2"})
    assert after["status"] == "active"
    assert after["size"] == 7
    assert after["properties"] == {"x": "1", "y": "2"}
    dest = tmp_path / "out.bin"
    catalog.download(meta["id"], str(dest))
    assert dest.read_bytes() == b"tarball"


def test_register_docker_image(catalog):
    meta = catalog.register_docker_image("stackdock/busybox:latest", properties={"k": "v"})
    assert meta["name"] == "stackdock/busybox:latest"
    assert meta["container_format"] == "docker"
    assert meta["disk_format"] == "raw"
    assert meta["status"] == "active"
    assert meta["properties"] == {"k": "v", "docker_image": "stackdock/busybox:latest"}
    image_meta = catalog.image_meta("stackdock/busybox:latest")
    assert image_meta.id == meta["id"]
    assert image_meta.properties.docker_image == "stackdock/busybox:latest"


def test_show_by_name_returns_newest(catalog):
    first = catalog.register_docker_image("a:1", name="same")
    second = catalog.register_docker_image("a:2", name="same")
    assert first["id"] != second["id"]
    assert catalog.show("same")["id"] == second["id"]


def test_list_and_delete(catalog, datafile):
    a = catalog.create("a", "bare", "raw", data_path=datafile)
    b = catalog.register_docker_image("b:1")
    assert [m["id"] for m in catalog.list()] == [a["id"], b["id"]]
    catalog.delete(a["id"])
    assert [m["id"] for m in catalog.list()] == [b["id"]]
    assert not [f for f in os.listdir(catalog.catalog_dir) if f.startswith(a["id"])]
    with pytest.raises(exception.ImageNotFound):
        catalog.delete(a["id"])


def test_empty_catalog_lists_nothing(catalog):
    assert catalog.list() == []
    with pytest.raises(exception.ImageNotFound):
        catalog.show("nothing")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "", "container_format": "bare", "disk_format": "raw"},
        {"name": "n", "container_format": "nope", "disk_format": "raw"},
        {"name": "n", "container_format": "bare", "disk_format": "nope"},
        {"name": "n", "container_format": "bare", "disk_format": "raw", "image_id": "../etc"},
        {"name": "n", "container_format": "bare", "disk_format": "raw", "data_path": "/nope"},
        {"name": "n", "container_format": "bare", "disk_format": "raw", "properties": [1]},
    ],
)
def test_bad_input_is_rejected_and_leaves_nothing(catalog, kwargs):
    with pytest.raises(exception.Invalid):
        catalog.create(**kwargs)
    assert catalog.list() == []


def test_duplicate_id_is_rejected(catalog):
    catalog.create("n", "bare", "raw", image_id="fixed-id")
    with pytest.raises(exception.Invalid):
        catalog.create("m", "bare", "raw", image_id="fixed-id")


def test_bad_docker_ref(catalog):
    with pytest.raises(exception.Invalid):
        catalog.register_docker_image("has space")


def _register_many(catalog_dir: str, n: int) -> None:
    service = LocalImageService(catalog_dir=catalog_dir)
    for i in range(n):
        service.register_docker_image(f"img:{os.getpid()}-{i}")


def test_concurrent_processes_do_not_lose_entries(catalog):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_register_many, args=(catalog.catalog_dir, 10)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(catalog.list()) == 30
    assert not [f for f in os.listdir(catalog.catalog_dir) if f.startswith(".tmp-")]


def test_cli_round_trip(tmp_path, datafile, capsys):
    cat = str(tmp_path / "cli")
    rc = image_cmd.main(
        ["--catalog-dir", cat, "register-file", "disk", datafile, "--disk-format", "qcow2"]
        + ["--property", "hw_machine=pc"]
    )
    assert rc == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["disk_format"] == "qcow2"
    assert meta["properties"] == {"hw_machine": "pc"}
    assert image_cmd.main(["--catalog-dir", cat, "register-docker", "x/y:1", "--name", "y"]) == 0
    capsys.readouterr()
    assert image_cmd.main(["--catalog-dir", cat, "list"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert image_cmd.main(["--catalog-dir", cat, "show", "y"]) == 0
    assert json.loads(capsys.readouterr().out)["properties"]["docker_image"] == "x/y:1"
    assert image_cmd.main(["--catalog-dir", cat, "delete", "disk"]) == 0
    capsys.readouterr()
    assert image_cmd.main(["--catalog-dir", cat, "show", "disk"]) == 1
    assert "could not be found" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["register-file", "n", "/does/not/exist"],
        ["register-file", "n", "{data}", "--property", "novalue"],
        ["register-docker", "bad ref"],
        ["delete", "missing"],
    ],
)
def test_cli_bad_input_exits_non_zero(tmp_path, datafile, capsys, argv):
    argv = [a.replace("{data}", datafile) for a in argv]
    rc = image_cmd.main(["--catalog-dir", str(tmp_path / "c")] + argv)
    assert rc == 1
    assert "stackdock-image: error:" in capsys.readouterr().err


def test_cli_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        image_cmd.main(["register-file", "n", "p", "--disk-format", "bogus"])
    assert info.value.code == 2


def test_update_fields_and_properties(catalog):
    meta = catalog.create("snap", "bare", "raw", image_id="snap-1")
    after = catalog.update(
        "snap-1", {"docker_image": "r:t"}, container_format="docker", status="active"
    )
    assert after["container_format"] == "docker"
    assert after["status"] == "active"
    assert after["properties"] == {"docker_image": "r:t"}
    assert catalog.show(meta["id"]) == after
    with pytest.raises(exception.Invalid):
        catalog.update("snap-1", size=5)
    with pytest.raises(exception.ImageNotFound):
        catalog.update("missing", {})
