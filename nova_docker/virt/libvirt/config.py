"""Domain XML built from small objects (each renders its own element with xml.etree).

Only what the driver needs: a persistent domain with direct kernel boot or BIOS boot,
file-backed disks (qcow2 overlay, config-drive ISO), a serial console logged to a file and
a metadata element in stackdock's own namespace that names the instance, so the driver can
tell its domains from anybody else's and rebuild its view after a restart.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

#: Namespace of the instance metadata element (libvirt keys custom metadata by URI).
METADATA_NS = "https://stackdock.dev/xmlns/libvirt/instance/1.0"
METADATA_PREFIX = "stackdock"

_NS = "{" + METADATA_NS + "}"

ET.register_namespace(METADATA_PREFIX, METADATA_NS)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        child.text = text
    return child


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: ET.Element, name: str) -> ET.Element | None:
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


@dataclasses.dataclass
class GuestDisk:
    """A file-backed disk or CD-ROM."""

    source_path: str
    target_dev: str
    target_bus: str = "virtio"
    driver_format: str = "qcow2"
    device: str = "disk"  # or cdrom
    readonly: bool = False
    cache: str | None = None

    def to_element(self) -> ET.Element:
        disk = ET.Element("disk", {"type": "file", "device": self.device})
        driver = _sub(disk, "driver", name="qemu", type=self.driver_format)
        if self.cache and self.cache != "default":
            driver.set("cache", self.cache)
        _sub(disk, "source", file=self.source_path)
        _sub(disk, "target", dev=self.target_dev, bus=self.target_bus)
        if self.readonly:
            _sub(disk, "readonly")
        return disk


@dataclasses.dataclass
class GuestSerialLog:
    """Serial port 0 written to a file (appended to across restarts of the domain)."""

    path: str

    def to_element(self) -> ET.Element:
        serial = ET.Element("serial", {"type": "file"})
        _sub(serial, "source", path=self.path, append="on")
        _sub(serial, "target", port="0")
        return serial


@dataclasses.dataclass
class GuestCPU:
    """The <cpu> element; mode None or "none" means no element (hypervisor default)."""

    mode: str | None = None
    model: str | None = None

    def to_element(self) -> ET.Element | None:
        if not self.mode or self.mode == "none":
            return None
        if self.mode == "custom":
            cpu = ET.Element("cpu", {"mode": "custom", "match": "exact"})
            _sub(cpu, "model", self.model or "qemu64", fallback="allow")
            return cpu
        return ET.Element("cpu", {"mode": self.mode})


@dataclasses.dataclass
class InstanceMetadata:
    """<stackdock:instance uuid= name=>: marks a domain as one of ours."""

    uuid: str
    name: str
    display_name: str = ""
    #: [compute] host of the agent that owns the domain (agents may share one libvirtd).
    host: str = ""
    image_id: str = ""
    kernel_id: str = ""
    ramdisk_id: str = ""
    flavor_name: str = ""
    memory_mb: int = 0
    vcpus: int = 0
    root_gb: int = 0

    def to_element(self) -> ET.Element:
        ns = _NS
        inst = ET.Element(ns + "instance", {"uuid": self.uuid, "name": self.name})
        if self.display_name:
            inst.set("display-name", self.display_name)
        if self.host:
            inst.set("host", self.host)
        _sub(
            inst,
            ns + "flavor",
            name=self.flavor_name,
            memory_mb=str(self.memory_mb),
            vcpus=str(self.vcpus),
            root_gb=str(self.root_gb),
        )
        if self.image_id:
            image = _sub(inst, ns + "image", id=self.image_id)
            if self.kernel_id:
                image.set("kernel_id", self.kernel_id)
            if self.ramdisk_id:
                image.set("ramdisk_id", self.ramdisk_id)
        return inst

    @classmethod
    def from_xml(cls, xml: str) -> InstanceMetadata:
        """Parse the element as virDomainGetMetadata returns it.

        libvirt hands the element back without its namespace (the namespace was the lookup
        key), so both the bare and the qualified tag are accepted.
        """
        root = ET.fromstring(xml)
        if _local(root.tag) != "instance" or root.tag not in ("instance", _NS + "instance"):
            raise ValueError(f"not a stackdock instance element: {root.tag}")
        flavor = _child(root, "flavor")
        image = _child(root, "image")

        def num(key: str) -> int:
            return int(flavor.get(key) or 0) if flavor is not None else 0

        return cls(
            uuid=root.get("uuid", ""),
            name=root.get("name", ""),
            display_name=root.get("display-name", ""),
            host=root.get("host", ""),
            image_id=image.get("id", "") if image is not None else "",
            kernel_id=image.get("kernel_id", "") if image is not None else "",
            ramdisk_id=image.get("ramdisk_id", "") if image is not None else "",
            flavor_name=flavor.get("name", "") if flavor is not None else "",
            memory_mb=num("memory_mb"),
            vcpus=num("vcpus"),
            root_gb=num("root_gb"),
        )

    def to_xml(self) -> str:
        return ET.tostring(self.to_element(), encoding="unicode")


@dataclasses.dataclass
class GuestConfig:
    """A whole domain."""

    name: str
    uuid: str
    virt_type: str
    memory_mb: int
    vcpus: int
    metadata: InstanceMetadata
    kernel: str | None = None
    ramdisk: str | None = None
    cmdline: str | None = None
    cpu: GuestCPU = dataclasses.field(default_factory=GuestCPU)
    disks: list[GuestDisk] = dataclasses.field(default_factory=list)
    serial_log: GuestSerialLog | None = None
    arch: str = "x86_64"

    def to_element(self) -> ET.Element:
        dom = ET.Element("domain", {"type": self.virt_type})
        _sub(dom, "name", self.name)
        _sub(dom, "uuid", self.uuid)
        meta = _sub(dom, "metadata")
        meta.append(self.metadata.to_element())
        _sub(dom, "memory", str(self.memory_mb * 1024), unit="KiB")
        _sub(dom, "vcpu", str(self.vcpus))
        os_el = _sub(dom, "os")
        _sub(os_el, "type", "hvm", arch=self.arch)
        if self.kernel:
            _sub(os_el, "kernel", self.kernel)
            if self.ramdisk:
                _sub(os_el, "initrd", self.ramdisk)
            if self.cmdline:
                _sub(os_el, "cmdline", self.cmdline)
        else:
            _sub(os_el, "boot", dev="hd")
        features = _sub(dom, "features")
        _sub(features, "acpi")  # the ACPI power button is how soft reboot/power off work
        _sub(features, "apic")
        cpu = self.cpu.to_element()
        if cpu is not None:
            dom.append(cpu)
        _sub(dom, "clock", offset="utc")
        _sub(dom, "on_poweroff", "destroy")
        _sub(dom, "on_reboot", "restart")
        _sub(dom, "on_crash", "destroy")
        devices = _sub(dom, "devices")
        for disk in self.disks:
            devices.append(disk.to_element())
        if self.serial_log is not None:
            devices.append(self.serial_log.to_element())
        # No USB, graphics or balloon: nothing uses them and each costs boot time under TCG.
        _sub(devices, "controller", type="usb", model="none")
        _sub(devices, "memballoon", model="none")
        return dom

    def to_xml(self) -> str:
        return ET.tostring(self.to_element(), encoding="unicode")


def find_disk(domain_xml: str, target_dev: str) -> tuple[str, str] | None:
    """(source file, driver format) of the disk with this target in a domain's XML."""
    root = ET.fromstring(domain_xml)
    for disk in root.findall("./devices/disk"):
        target = disk.find("target")
        if target is None or target.get("dev") != target_dev:
            continue
        source = disk.find("source")
        driver = disk.find("driver")
        if source is None or not source.get("file"):
            return None
        fmt = driver.get("type", "raw") if driver is not None else "raw"
        return source.get("file"), fmt
    return None
