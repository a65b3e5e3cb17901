"""The bay CA: generation, issued certificates, CSR signing and bad CSRs."""

from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from magnum_lite.common import exception, x509


def _verify(ca_pem: str, cert_pem: str) -> None:
    ca = cx509.load_pem_x509_certificate(ca_pem.encode())
    cert = cx509.load_pem_x509_certificate(cert_pem.encode())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)


@pytest.fixture(scope="module")
def ca() -> tuple[str, str]:
    return x509.generate_ca("bay-test-ca")


def _csr(cn: str = "admin", key=None, org: str | None = "system:masters") -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    attrs = [cx509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, cx509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    csr = cx509.CertificateSigningRequestBuilder().subject_name(cx509.Name(attrs))
    return csr.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_ca_is_self_signed_ca(ca):
    cert_pem, key_pem = ca
    cert = cx509.load_pem_x509_certificate(cert_pem.encode())
    assert cert.extensions.get_extension_for_class(cx509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(cert)
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
    assert 1825 <= days <= 1826


def test_ec_keys_and_validity_from_config(conf):
    conf.config(group="x509", key_type="ec", ca_validity_days=10)
    cert_pem, key_pem = x509.generate_ca("ec-ca")
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    cert = x509.load_certificate(cert_pem)
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 10


def test_issue_server_cert_with_sans(ca):
    cert_pem, key_pem = x509.issue_cert(
        *ca, "node-0", sans_ips=["10.0.0.5", "127.0.0.1"], sans_dns=["node-0"]
    )
    _verify(ca[0], cert_pem)
    cert = cx509.load_pem_x509_certificate(cert_pem.encode())
    san = cert.extensions.get_extension_for_class(cx509.SubjectAlternativeName).value
    assert ipaddress.ip_address("10.0.0.5") in san.get_values_for_type(cx509.IPAddress)
    assert san.get_values_for_type(cx509.DNSName) == ["node-0"]
    eku = cert.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert not cert.extensions.get_extension_for_class(cx509.BasicConstraints).value.ca
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


def test_issue_client_cert(ca):
    cert_pem, _ = x509.issue_cert(*ca, "admin", client=True, organization="system:masters")
    cert = cx509.load_pem_x509_certificate(cert_pem.encode())
    eku = cert.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "system:masters"
    )


def test_leaf_never_outlives_ca(conf):
    conf.config(group="x509", ca_validity_days=2, cert_validity_days=365)
    ca = x509.generate_ca("short-ca")
    cert_pem, _ = x509.issue_cert(*ca, "node")
    leaf = x509.load_certificate(cert_pem)
    assert leaf.not_valid_after_utc <= x509.load_certificate(ca[0]).not_valid_after_utc


def test_bad_san_ip(ca):
    with pytest.raises(exception.Invalid, match="not an IP address"):
        x509.issue_cert(*ca, "n", sans_ips=["not-an-ip"])


def test_sign_csr_keeps_subject_and_sans(ca):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        cx509.CertificateSigningRequestBuilder()
        .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "worker-1")]))
        .add_extension(cx509.SubjectAlternativeName([cx509.DNSName("worker-1")]), critical=False)
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    cert_pem = x509.sign_csr(*ca, csr)
    _verify(ca[0], cert_pem)
    cert = x509.load_certificate(cert_pem)
    assert cert.subject.rfc4514_string() == "CN=worker-1"
    san = cert.extensions.get_extension_for_class(cx509.SubjectAlternativeName).value
    assert san.get_values_for_type(cx509.DNSName) == ["worker-1"]
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    # The signature is really the CA's.
    ca_key = serialization.load_pem_private_key(ca[1].encode(), None)
    ca_key.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256()
    )


def test_sign_csr_never_makes_a_ca(ca):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        cx509.CertificateSigningRequestBuilder()
        .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "evil")]))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    cert = x509.load_certificate(x509.sign_csr(*ca, csr))
    assert not cert.extensions.get_extension_for_class(cx509.BasicConstraints).value.ca


@pytest.mark.parametrize(
    "csr, match",
    [
        ("", "empty"),
        ("hello", "not a PEM certificate request"),
        ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "PEM"),
        ("x" * (x509.MAX_CSR_BYTES + 1), "larger than"),
    ],
)
def test_bad_csr_is_invalid(ca, csr, match):
    with pytest.raises(exception.Invalid, match=match) as info:
        x509.sign_csr(*ca, csr)
    assert info.value.code == 400


def test_csr_with_forged_signature_is_invalid(ca):
    good = cx509.load_pem_x509_csr(_csr().encode())
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0xFF  # flip bits inside the signature
    forged = cx509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(exception.Invalid, match="signature"):
        x509.sign_csr(*ca, forged)


def test_csr_with_small_rsa_key_is_invalid(ca):
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(exception.Invalid, match="1024-bit"):
        x509.sign_csr(*ca, _csr(key=small))


def test_csr_without_cn_is_invalid(ca):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        cx509.CertificateSigningRequestBuilder()
        .subject_name(cx509.Name([cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "x")]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    with pytest.raises(exception.Invalid, match="common name"):
        x509.sign_csr(*ca, csr)


def test_garbage_ca_material_is_invalid():
    with pytest.raises(exception.Invalid, match="PEM certificate"):
        x509.issue_cert("junk", "junk", "n")


def test_not_before_is_in_the_past(ca):
    cert = x509.load_certificate(x509.issue_cert(*ca, "n")[0])
    assert cert.not_valid_before_utc < datetime.datetime.now(datetime.UTC)
