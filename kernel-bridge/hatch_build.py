"""Hatch build hook: the wheel's tag says whether it carries the native GPU addon.

Without ``napari_cuda/_daemon/native/build/napari_cuda_gpu.node`` the wheel is pure Python
(``py3-none-any``; the daemon renders on the CPU). With it, the wheel holds platform code and is tagged
``py3-none-manylinux_2_<N>_<arch>``, where N is the newest glibc symbol version the addon needs and arch
its ELF machine, both read from the addon itself. The addon may need only libraries every manylinux
system has (glibc's and libgcc_s); anything else (CUDA toolkit, libstdc++, EGL) must be linked in
statically or loaded with dlopen (scripts/build-native.mjs does both), else the build fails here rather
than ship a wheel that cannot load.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ADDON = "napari_cuda/_daemon/native/build/napari_cuda_gpu.node"
# The oldest manylinux tag pip knows for x86_64/aarch64 (manylinux2014).
GLIBC_FLOOR = 17
SYSTEM_LIBS = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "libpthread.so.0",
        "librt.so.1",
        "libgcc_s.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
    }
)
MACHINES = {62: "x86_64", 183: "aarch64"}
_DT_NEEDED, _DT_STRTAB, _DT_VERNEED, _DT_VERNEEDNUM = 1, 5, 0x6FFFFFFE, 0x6FFFFFFF


def read_dynamic(data: bytes) -> tuple[str, list[str], set[str]]:
    """The ELF machine, the NEEDED libraries and the needed symbol versions of a 64-bit little-endian ELF."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    machine = struct.unpack_from("<H", data, 18)[0]
    if machine not in MACHINES:
        raise ValueError(f"unsupported ELF machine {machine}")
    phoff, phentsize, phnum = struct.unpack_from("<Q", data, 32)[0], *struct.unpack_from("<HH", data, 54)
    loads, dynamic = [], None
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == 2:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        raise ValueError("no dynamic section")

    def offset(vaddr: int) -> int:
        for start, file_off, size in loads:
            if start <= vaddr < start + size:
                return file_off + vaddr - start
        raise ValueError(f"address {vaddr:#x} outside every loaded segment")

    entries = [struct.unpack_from("<qQ", data, dynamic[0] + k) for k in range(0, dynamic[1], 16)]
    tags = {tag: value for tag, value in entries}
    strtab = offset(tags[_DT_STRTAB])

    def string(at: int) -> str:
        return data[strtab + at : data.index(b"\0", strtab + at)].decode()

    needed = [string(value) for tag, value in entries if tag == _DT_NEEDED]
    versions: set[str] = set()
    if _DT_VERNEED in tags:
        vn = offset(tags[_DT_VERNEED])
        for _ in range(tags.get(_DT_VERNEEDNUM, 0)):
            _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, vn)
            vna = vn + aux
            for _ in range(cnt):
                _, _, _, name, vna_next = struct.unpack_from("<IHHII", data, vna)
                versions.add(string(name))
                vna += vna_next
            vn += nxt
    return MACHINES[machine], needed, versions


def platform_tag(addon: Path) -> str:
    """The manylinux platform tag the addon at `addon` honestly fits (raises ValueError when none does)."""
    arch, needed, versions = read_dynamic(addon.read_bytes())
    foreign = sorted(set(needed) - SYSTEM_LIBS)
    if foreign:
        raise ValueError(
            f"{addon} needs {', '.join(foreign)}; the wheel's tag vouches only for glibc's libraries and "
            "libgcc_s: link the others statically or dlopen them (scripts/build-native.mjs)"
        )
    glibc = [int(m.group(1)) for v in versions if (m := re.fullmatch(r"GLIBC_2\.(\d+)(?:\.\d+)?", v))]
    return f"manylinux_2_{max([GLIBC_FLOOR, *glibc])}_{arch}"


class CustomBuildHook(BuildHookInterface):
    """Tags the wheel from the native addon it ships, if any."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Make the wheel a platform wheel when the addon is in it; leave it pure otherwise."""
        if self.target_name != "wheel" or version != "standard":
            return
        addon = Path(self.root) / ADDON
        if not addon.is_file():
            return
        try:
            tag = platform_tag(addon)
        except ValueError as err:
            raise RuntimeError(f"native GPU addon: {err}") from err
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{tag}"
