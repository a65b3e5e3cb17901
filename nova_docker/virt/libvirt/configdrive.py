"""NoCloud config drive: an ISO 9660 image labelled ``cidata`` with meta-data and user-data.

cloud-init's NoCloud datasource (and the test guest's /init) read ``user-data`` and
``meta-data`` from a filesystem with that label. meta-data is written as JSON, which is
valid YAML, so it can carry the instance metadata and public key unambiguously.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import subprocess
import tempfile
from typing import Any

from nova_docker import exception

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


def make_drive(instance: Any, dest: str) -> None:
    """Write the config drive ISO for instance to dest (0644)."""
    user_data = decode_user_data(instance)
    tool = _iso_tool()
    with tempfile.TemporaryDirectory(prefix="cidata-") as tree:
        with open(os.path.join(tree, "meta-data"), "w") as f:
            json.dump(meta_data(instance), f, indent=1, sort_keys=True)
            f.write("\n")
        with open(os.path.join(tree, "user-data"), "wb") as f:
            f.write(user_data)
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
    os.chmod(dest, 0o644)
