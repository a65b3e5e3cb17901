"""ping, heartbeats and certificate calls through RabbitMQ to a real conductor process."""

from __future__ import annotations

import pytest
from cryptography import x509 as cx509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from magnum_lite.common import exception
from magnum_lite.conductor import rpcapi
from nova_docker.common import context
from tests.functional.conductor.conftest import wait_for


@pytest.fixture(scope="module")
def conductor(env):
    proc = env.conductor().start()
    env.wait_up(proc)
    return proc


@pytest.fixture
def api(conf, env, module_transport):
    conf.config(group="conductor", topic=env.topic)
    return rpcapi.ConductorAPI(module_transport, timeout=60)


def _csr(cn: str = "admin") -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name(
        [
            cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
            cx509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )
    csr = cx509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def test_ping_round_trip(conductor, api):
    answer = api.ping(context.get_admin_context())
    assert answer["host"] == conductor.host
    assert answer["binary"] == "magnum-conductor"


def test_heartbeats_fill_mservices(conductor, env):
    first = env.heartbeats(conductor.host)
    wait_for("three more heartbeats", lambda: env.heartbeats(conductor.host) >= first + 3)
    (svc,) = [s for s in env.db.list_services() if s.host == conductor.host]
    assert svc.binary == "magnum-conductor"
    assert svc.last_seen_up is not None


def test_ca_and_signing_with_encrypted_key(conductor, api, env):
    cluster = env.seed_cluster("CREATE_COMPLETE")
    ctxt = context.get_admin_context()
    ca_pem = api.get_ca_certificate(ctxt, cluster.uuid)
    ca = cx509.load_pem_x509_certificate(ca_pem.encode())
    assert ca.extensions.get_extension_for_class(cx509.BasicConstraints).value.ca
    # Same CA on the next call: it is stored, not regenerated.
    assert api.get_ca_certificate(ctxt, cluster.uuid) == ca_pem

    row = env.db.get_certificate(cluster.uuid, "ca")
    assert row.cert_pem == ca_pem
    assert "PRIVATE KEY" not in row.encrypted_key and "-----BEGIN" not in row.encrypted_key
    key_pem = Fernet(env.key.encode()).decrypt(row.encrypted_key.encode())
    key = serialization.load_pem_private_key(key_pem, None)
    assert key.public_key().public_numbers() == ca.public_key().public_numbers()

    cert_pem = api.sign_certificate(ctxt, cluster.uuid, _csr("alice"))
    cert = cx509.load_pem_x509_certificate(cert_pem.encode())
    cert.verify_directly_issued_by(ca)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"


def test_bad_csr_is_invalid_over_rpc(conductor, api, env):
    cluster = env.seed_cluster("CREATE_COMPLETE")
    with pytest.raises(exception.Invalid) as info:
        api.sign_certificate(context.get_admin_context(), cluster.uuid, "not a csr")
    assert info.value.code == 400
    assert "CSR" in str(info.value)


def test_unknown_cluster_is_not_found_over_rpc(conductor, api):
    with pytest.raises(exception.ClusterNotFound):
        api.get_ca_certificate(context.get_admin_context(), "no-such-cluster")
    with pytest.raises(exception.ClusterNotFound):
        api.sign_certificate(context.get_admin_context(), "no-such-cluster", _csr())


def test_unknown_ca_cert_type_is_invalid(conductor, api, env):
    cluster = env.seed_cluster("CREATE_COMPLETE")
    with pytest.raises(exception.Invalid, match="etcd"):
        api.get_ca_certificate(context.get_admin_context(), cluster.uuid, ca_cert_type="etcd")


def test_rotate_refusals_reach_the_caller(conductor, api, env):
    ctxt = context.get_admin_context()
    plain = env.seed_cluster("CREATE_COMPLETE", template_values={"tls_disabled": True})
    with pytest.raises(exception.Invalid, match="TLS disabled") as info:
        api.rotate_ca_certificate(ctxt, plain.uuid)
    assert info.value.code == 400
    creating = env.seed_cluster("CREATE_IN_PROGRESS")
    with pytest.raises(exception.Invalid, match="while it is CREATE_IN_PROGRESS"):
        api.rotate_ca_certificate(ctxt, creating.uuid)
    with pytest.raises(exception.ClusterNotFound):
        api.rotate_ca_certificate(ctxt, "no-such-cluster")
    assert env.db.get_cluster_by_uuid(plain.uuid).status == "CREATE_COMPLETE"


def test_sigterm_stops_cleanly(env, api):
    proc = env.conductor().start()
    env.wait_up(proc)
    assert proc.terminate(timeout=60) == 0
    assert "stopped" in proc.log()


def test_unmigrated_database_is_a_clear_start_error(env):
    proc = env.conductor()
    with open(proc.config_file) as handle:
        text = handle.read()
    with open(proc.config_file, "w") as handle:
        handle.write(text.replace(env.db_url, f"sqlite:///{env.tmp}/never-upgraded.sqlite"))
    proc.start()
    assert proc.proc.wait(timeout=120) == 1
    assert "magnum-lite-db-manage" in proc.log() and "upgrade" in proc.log()
