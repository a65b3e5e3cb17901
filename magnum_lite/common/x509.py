"""Bay certificate authority: CA generation, node/client certificates and CSR signing.

One CA per bay. Keys are RSA (default 2048 bits) or EC P-256, chosen by ``[x509] key_type``;
validity comes from ``[x509] ca_validity_days`` / ``cert_validity_days``. All values cross
this module as PEM strings; encryption of private keys at rest is crypto.py's job.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from oslo_config import cfg

import magnum_lite.conf  # noqa: F401  (registers [x509])
from magnum_lite.common import exception

CONF = cfg.CONF

#: Largest CSR accepted, in bytes (a 4096-bit RSA CSR with SANs is ~2 KiB).
MAX_CSR_BYTES = 64 * 1024


def _now() -> datetime.datetime:
    # Back-date a little so a node whose clock lags slightly still accepts the certificate.
    return datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)


def generate_private_key(
    key_type: str | None = None,
) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    key_type = key_type or CONF.x509.key_type
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=CONF.x509.rsa_key_size)
    raise exception.Invalid(reason=f"unknown key type {key_type!r} (expected rsa or ec)")


def _key_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attrs = []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attrs)


def load_certificate(cert_pem: str | bytes) -> x509.Certificate:
    data = cert_pem.encode() if isinstance(cert_pem, str) else cert_pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise exception.Invalid(reason=f"not a PEM certificate: {exc}") from exc


def load_private_key(key_pem: str | bytes):
    data = key_pem.encode() if isinstance(key_pem, str) else key_pem
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise exception.Invalid(reason=f"not an unencrypted PEM private key: {exc}") from exc


def generate_ca(common_name: str, validity_days: int | None = None) -> tuple[str, str]:
    """A self-signed CA: (cert_pem, key_pem)."""
    key = generate_private_key()
    name = _name(common_name)
    start = _now()
    days = validity_days or CONF.x509.ca_validity_days
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return _cert_pem(cert), _key_pem(key)


def _san(sans_ips: Iterable[str], sans_dns: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for value in sans_dns:
        if value:
            names.append(x509.DNSName(value))
    for value in sans_ips:
        if not value:
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(value)))
        except ValueError as exc:
            raise exception.Invalid(reason=f"{value!r} is not an IP address") from exc
    return names


def _leaf(
    ca_cert: x509.Certificate,
    ca_key,
    subject: x509.Name,
    public_key,
    sans: list[x509.GeneralName],
    client: bool,
    validity_days: int | None,
) -> x509.Certificate:
    start = _now()
    days = validity_days or CONF.x509.cert_validity_days
    not_after = min(
        start + datetime.timedelta(days=days), ca_cert.not_valid_after_utc
    )  # a leaf never outlives its CA
    # Server certs also allow client auth: swarm managers talk to each other with them.
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
    if not client:
        usages.insert(0, ExtendedKeyUsageOID.SERVER_AUTH)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
                data_encipherment=False,
                key_agreement=isinstance(public_key, ec.EllipticCurvePublicKey),
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def issue_cert(
    ca_cert_pem: str,
    ca_key_pem: str,
    common_name: str,
    sans_ips: Iterable[str] = (),
    sans_dns: Iterable[str] = (),
    client: bool = False,
    validity_days: int | None = None,
    organization: str | None = None,
) -> tuple[str, str]:
    """A new key and a certificate for it signed by the CA: (cert_pem, key_pem)."""
    ca_cert = load_certificate(ca_cert_pem)
    ca_key = load_private_key(ca_key_pem)
    key = generate_private_key()
    cert = _leaf(
        ca_cert,
        ca_key,
        _name(common_name, organization),
        key.public_key(),
        _san(sans_ips, sans_dns),
        client,
        validity_days,
    )
    return _cert_pem(cert), _key_pem(key)


def load_csr(csr_pem: str | bytes) -> x509.CertificateSigningRequest:
    """Parse and verify a PEM CSR; anything wrong is Invalid (HTTP 400)."""
    if not csr_pem:
        raise exception.Invalid(reason="the CSR is empty")
    data = csr_pem.encode() if isinstance(csr_pem, str) else csr_pem
    if len(data) > MAX_CSR_BYTES:
        raise exception.Invalid(reason=f"the CSR is larger than {MAX_CSR_BYTES} bytes")
    try:
        csr = x509.load_pem_x509_csr(data)
    except ValueError as exc:
        raise exception.Invalid(reason=f"the CSR is not a PEM certificate request: {exc}") from exc
    try:
        valid = csr.is_signature_valid
    except (UnsupportedAlgorithm, InvalidSignature, ValueError) as exc:
        raise exception.Invalid(reason=f"the CSR signature cannot be checked: {exc}") from exc
    if not valid:
        raise exception.Invalid(reason="the CSR signature does not match its public key")
    try:
        public_key = csr.public_key()
    except (UnsupportedAlgorithm, ValueError) as exc:
        raise exception.Invalid(reason=f"the CSR key type is not supported: {exc}") from exc
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < 2048:
        raise exception.Invalid(
            reason=f"the CSR has a {public_key.key_size}-bit RSA key; at least 2048 is required"
        )
    if not isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise exception.Invalid(reason="the CSR key must be RSA or EC")
    return csr


def sign_csr(
    ca_cert_pem: str,
    ca_key_pem: str,
    csr_pem: str | bytes,
    client: bool = True,
    validity_days: int | None = None,
) -> str:
    """Sign a CSR with the CA and return the certificate PEM.

    The subject comes from the CSR (Magnum's clients send CN=admin, O=system:masters);
    subject alternative names are copied from a requested SAN extension. The CA never
    signs another CA: basic constraints are always ca=False.
    """
    csr = load_csr(csr_pem)
    ca_cert = load_certificate(ca_cert_pem)
    ca_key = load_private_key(ca_key_pem)
    subject = csr.subject
    if not subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        raise exception.Invalid(reason="the CSR subject has no common name (CN)")
    try:
        sans = list(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        sans = []
    cert = _leaf(ca_cert, ca_key, subject, csr.public_key(), sans, client, validity_days)
    return _cert_pem(cert)


def fingerprint(cert_pem: str) -> str:
    return load_certificate(cert_pem).fingerprint(hashes.SHA256()).hex()
