"""The [libvirt] option group: the LibvirtDriver (KVM or QEMU through libvirt-python)."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    "libvirt",
    title="libvirt options",
    help="The libvirt compute driver: connection, guest CPU, image cache and instance files.",
)

opts: list[cfg.Opt] = [
    cfg.StrOpt(
        "connection_uri",
        default="qemu:///system",
        help="libvirt connection URI of the hypervisor this driver manages.",
    ),
    cfg.StrOpt(
        "virt_type",
        default="kvm",
        choices=[
            ("kvm", "hardware virtualization (production default)"),
            ("qemu", "software emulation (TCG); for machines without usable KVM, e.g. CI"),
        ],
        help="Domain type of the guests. hypervisor_type is reported as KVM or QEMU to match.",
    ),
    cfg.StrOpt(
        "cpu_mode",
        choices=[
            ("host-model", "a CPU model close to the host's (kvm default)"),
            ("host-passthrough", "the host CPU as is (kvm only)"),
            ("custom", "the model named by cpu_models"),
            ("none", "no CPU element: the hypervisor default (qemu default)"),
        ],
        help="Guest CPU mode. Default: host-model with kvm, none with qemu.",
    ),
    cfg.ListOpt(
        "cpu_models",
        default=[],
        help="CPU model names for cpu_mode=custom; the first one is used (e.g. qemu64).",
    ),
    cfg.StrOpt(
        "images_path",
        default="/var/lib/stackdock/libvirt/_base",
        help="Directory of the base image cache: one file per image id and checksum, shared "
        "read-only by the qcow2 overlays of all instances booted from that image.",
    ),
    cfg.StrOpt(
        "instances_path",
        default="/var/lib/stackdock/libvirt/instances",
        help="Directory holding one sub-directory per instance (its disk overlay, config "
        "drive and, by default, its console log). QEMU must be able to read it.",
    ),
    cfg.StrOpt(
        "images_type",
        default="qcow2",
        choices=[
            ("qcow2", "a qcow2 overlay backed by the cached base (fast, thin)"),
            ("raw", "a full raw copy of the base (no backing chain)"),
        ],
        help="How each instance's root disk is made from the cached base image.",
    ),
    cfg.StrOpt(
        "console_log_dir",
        help="Directory of the serial console logs (<instance name>.log). Default: the "
        "console.log file inside each instance's directory.",
    ),
    cfg.IntOpt(
        "shutdown_timeout",
        default=60,
        min=0,
        help="Seconds a soft reboot waits for the guest to power off after the ACPI power "
        "button before falling back to a hard reboot. power_off(timeout) uses its own timeout "
        "argument (0 means power off at once), as in Nova.",
    ),
    cfg.FloatOpt(
        "cpu_allocation_ratio",
        default=16.0,
        min=0.0,
        help="Virtual CPUs per physical CPU reported to placement.",
    ),
    cfg.FloatOpt(
        "ram_allocation_ratio",
        default=1.5,
        min=0.0,
        help="Virtual RAM per physical RAM reported to placement.",
    ),
    cfg.FloatOpt(
        "disk_allocation_ratio",
        default=1.0,
        min=0.0,
        help="Virtual disk per physical disk of instances_path reported to placement.",
    ),
    cfg.IntOpt(
        "reserved_host_memory_mb",
        default=512,
        min=0,
        help="Host memory (MiB) kept for the host itself: reported as reserved and never "
        "given to one flavor.",
    ),
    cfg.IntOpt(
        "reserved_host_disk_mb",
        default=0,
        min=0,
        help="Disk (MiB) of instances_path kept for the host itself, reported as reserved.",
    ),
    cfg.StrOpt(
        "disk_cachemode",
        choices=["none", "writethrough", "writeback", "directsync", "unsafe", "default"],
        default="default",
        help="QEMU cache mode of the instance disks; 'default' leaves it to libvirt.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
