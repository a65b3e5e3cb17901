"""NoCloud config drive: an ISO 9660 image labelled ``cidata`` with meta-data and user-data.

cloud-init's NoCloud datasource (and the test guest's /init) read ``user-data`` and
``meta-data`` from a filesystem with that label. meta-data is written as JSON, which is
valid YAML, so it can carry the instance metadata and public key unambiguously.

The ISO is written in-process with pycdlib (Rock Ridge and Joliet names, so the hyphenated
file names survive); genisoimage/mkisofs/xorrisofs are the fallback when pycdlib is absent.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import shutil
import subprocess
import tempfile
from typing import Any

from nova_docker import exception

try:
    import pycdlib
except ImportError:  # the external tools below do the same job
    pycdlib = None

VOLUME_LABEL = "cidata"
ISO_TOOLS = ("genisoimage", "mkisofs", "xorrisofs")
TIMEOUT = 120


def wants_config_drive(instance: Any, image_props: Any) -> bool:
    """The image requires one (img_config_drive=mandatory) or the instance asks for one."""
    mandatory = image_props is not None and image_props.get("img_config_drive") == "mandatory"
    return bool(mandatory or getattr(instance, "config_drive", None))


def decode_user_data(instance: Any) -> bytes:
    """instance.user_data is base64 text, as Nova stores it."""
    raw = getattr(instance, "user_data", None)
    if not raw:
        return b""
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise exception.Invalid(
            reason=f"user_data of instance {instance.uuid} is not valid base64: {exc}"
        ) from exc


def meta_data(instance: Any) -> dict[str, Any]:
    hostname = getattr(instance, "hostname", "") or getattr(instance, "display_name", "")
    data: dict[str, Any] = {
        "instance-id": instance.uuid,
        "uuid": instance.uuid,
        "name": getattr(instance, "display_name", "") or instance.name,
        "local-hostname": hostname or instance.name,
        "meta": dict(getattr(instance, "metadata", None) or {}),
    }
    key = getattr(instance, "key_data", None)
    if key:
        data["public-keys"] = [key]
    return data


def _iso_tool() -> str:
    for tool in ISO_TOOLS:
        path = shutil.which(tool)
        if path:
            return path
    raise exception.InstanceDeployFailure(
        reason="a config drive needs genisoimage (or mkisofs/xorrisofs); none is installed"
    )


def _files(instance: Any) -> dict[str, bytes]:
    meta = json.dumps(meta_data(instance), indent=1, sort_keys=True) + "\n"
    return {"meta-data": meta.encode(), "user-data": decode_user_data(instance)}


def _write_pycdlib(files: dict[str, bytes], dest: str) -> None:
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident=VOLUME_LABEL)
    try:
        for i, (name, data) in enumerate(sorted(files.items())):
            iso.add_fp(
                io.BytesIO(data),
                len(data),
                f"/FILE{i}.;1",  # plain ISO 9660 name; readers use the RR/Joliet one
                rr_name=name,
                joliet_path=f"/{name}",
            )
        iso.write(dest)
    finally:
        iso.close()


def _write_tool(files: dict[str, bytes], dest: str) -> None:
    tool = _iso_tool()
    with tempfile.TemporaryDirectory(prefix="cidata-") as tree:
        for name, data in files.items():
            with open(os.path.join(tree, name), "wb") as f:
                f.write(data)
        cmd = [tool, "-o", dest, "-V", VOLUME_LABEL, "-J", "-r", "-quiet"]
        cmd += ["-input-charset", "utf-8", tree]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise exception.InstanceDeployFailure(reason=f"{tool}: {exc}") from exc
        if proc.returncode != 0:
            raise exception.InstanceDeployFailure(
                reason=f"{tool} could not build the config drive: {proc.stderr.strip()}"
            )


def make_drive(instance: Any, dest: str, use_pycdlib: bool = True) -> None:
    """Write the config drive ISO for instance to dest (0644)."""
    files = _files(instance)  # invalid user data fails here, before anything is written
    if use_pycdlib and pycdlib is not None:
        _write_pycdlib(files, dest)
    else:
        _write_tool(files, dest)
    os.chmod(dest, 0o644)
