from __future__ import annotations

import json

from magnum_lite.api import errors


def test_error_body_shape():
    body = errors.body(400, "Invalid input for field/attribute coe. Value: 'x'. Supported: a.")
    (err,) = body["errors"]
    assert err["status"] == 400 and err["code"] == "client" and err["links"] == []
    assert err["title"] == "Invalid input for field/attribute coe."
    assert err["detail"].endswith("Supported: a.")
    assert errors.body(503, "down")["errors"][0]["code"] == "server"


def test_title_without_sentence_end_is_whole_message():
    assert errors.title_of("no full stop here") == "no full stop here"
    assert errors.title_of("Version 1.2 is ok. More.") == "Version 1.2 is ok."


def test_406_body_names_the_range():
    resp = errors.error_response(406, "Version 9.9 was requested.")
    (err,) = json.loads(resp.body)["errors"]
    assert err["code"] == "magnum.microversion-unsupported"
    assert (err["min_version"], err["max_version"]) == ("1.1", "1.14")
    assert "status" not in err and "detail" not in err
    assert resp.status_int == 406 and resp.content_type == "application/json"


def test_empty_message_uses_status_title():
    assert errors.body(404, "")["errors"][0]["title"] == "Not Found"
