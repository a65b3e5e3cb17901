"""Pure logic of the light Nova objects, the exceptions and the RPC context serializer."""

from __future__ import annotations

import pytest

from nova_docker import exception, objects
from nova_docker.common import context, rpc


def test_instance_round_trips_through_a_dict():
    inst = objects.Instance(
        display_name="web",
        flavor=objects.Flavor(memory_mb=256, vcpus=2, extra_specs={"a": "b"}),
        metadata={"role": "db"},
    )
    again = objects.Instance.from_dict(inst.to_dict())
    assert again == inst
    assert again.flavor.memory_mb == 256
    assert again.name == f"instance-{inst.uuid}"


def test_instance_from_dict_ignores_unknown_keys():
    inst = objects.Instance.from_dict({"uuid": "u1", "no_such_field": 1})
    assert inst.uuid == "u1"


def test_image_meta_properties_read_like_nova():
    meta = objects.ImageMeta.from_dict(
        {"id": "i", "container_format": "docker", "properties": {"os_command_line": "sleep 1"}}
    )
    assert meta.properties.os_command_line == "sleep 1"
    assert meta.properties.get("missing", "d") == "d"
    assert not meta.properties.obj_attr_is_set("missing")
    with pytest.raises(AttributeError):
        _ = meta.properties.missing
    assert objects.ImageMeta.from_dict(meta.to_dict()).to_dict() == meta.to_dict()


def test_exception_formats_message_from_kwargs():
    err = exception.InstanceNotFound(instance_id="abc")
    assert str(err) == "Instance abc could not be found."
    assert err.code == 404
    assert err.kwargs == {"instance_id": "abc"}


def test_exception_with_missing_kwargs_still_has_a_message():
    err = exception.InstanceDeployFailure()
    assert str(err) == exception.InstanceDeployFailure.msg_fmt


def test_context_serializer_round_trip():
    ser = rpc.RequestContextSerializer()
    ctxt = context.RequestContext(project_id="p1", user_id="u1", roles=["member"])
    again = ser.deserialize_context(ser.serialize_context(ctxt))
    assert (again.project_id, again.user_id, again.roles) == ("p1", "u1", ["member"])
    assert ser.serialize_entity(ctxt, {"x": 1}) == {"x": 1}
    assert ser.serialize_context(None) == {}
