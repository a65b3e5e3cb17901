"""The [x509] option group: bay CAs, node and client certificates, key encryption."""

from oslo_config import cfg

GROUP = cfg.OptGroup("x509", title="Certificate authority options")

opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "key_type",
        default="rsa",
        choices=[("rsa", "RSA keys of rsa_key_size bits"), ("ec", "EC keys on curve P-256")],
        help="Type of the private keys generated for CAs and certificates.",
    ),
    cfg.IntOpt(
        "rsa_key_size",
        default=2048,
        min=2048,
        help="Size in bits of generated RSA keys.",
    ),
    cfg.IntOpt(
        "ca_validity_days",
        default=1825,
        min=1,
        help="Days a bay CA certificate is valid.",
    ),
    cfg.IntOpt(
        "cert_validity_days",
        default=365,
        min=1,
        help="Days node server certificates and signed client certificates are valid.",
    ),
    cfg.StrOpt(
        "encryption_key",
        secret=True,
        help="Fernet key (32 url-safe base64 bytes) that encrypts private keys stored in the "
        "database. When unset, a key is generated on first use into key_file (mode 0600); "
        "every API and conductor sharing the database must then share that file.",
    ),
    cfg.StrOpt(
        "key_file",
        default="/var/lib/stackdock/magnum-lite-fernet.key",
        help="File holding the Fernet key used when encryption_key is unset; generated with "
        "mode 0600 on first use.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
