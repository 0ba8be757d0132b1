#!/usr/bin/env python3
"""Corrupt one field of a BPF ELF object, for the bad-input tests.

elfpatch.py IN OUT shrink-section NAME BYTES   section NAME loses BYTES
elfpatch.py IN OUT btf-ext-line-len VALUE       .BTF.ext line_info_len := VALUE
elfpatch.py IN OUT btf-ext-core-orphan          the first core_relo block names a
                                                section without line_info
"""
import struct
import sys


def sections(data):
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    strtab_off, = struct.unpack_from('<Q', data, shoff + shstrndx * shentsize + 0x18)
    for i in range(shnum):
        hdr = shoff + i * shentsize
        name_off, = struct.unpack_from('<I', data, hdr)
        end = data.index(b'\0', strtab_off + name_off)
        name = data[strtab_off + name_off:end].decode()
        off, size = struct.unpack_from('<QQ', data, hdr + 0x18)
        yield name, hdr, off, size


def main():
    src, dst, what = sys.argv[1:4]
    data = bytearray(open(src, 'rb').read())
    secs = {n: (h, o, s) for n, h, o, s in sections(data)}
    if what == 'shrink-section':
        hdr, off, size = secs[sys.argv[4]]
        struct.pack_into('<Q', data, hdr + 0x20, size - int(sys.argv[5]))
    elif what == 'btf-ext-line-len':
        hdr, off, size = secs['.BTF.ext']
        struct.pack_into('<I', data, off + 20, int(sys.argv[4]))
    elif what == 'btf-ext-core-orphan':
        hdr, off, size = secs['.BTF.ext']
        hdr_len, = struct.unpack_from('<I', data, off + 4)
        core_off, core_len = struct.unpack_from('<II', data, off + 24)
        if hdr_len < 32 or core_len < 12:
            sys.exit('no core_relo info in ' + src)
        block = off + hdr_len + core_off + 4
        name_off, = struct.unpack_from('<I', data, block)
        # one character further into the string table: the section name
        # minus its first letter, a valid string no line_info block names
        struct.pack_into('<I', data, block, name_off + 1)
    else:
        sys.exit('unknown patch ' + what)
    open(dst, 'wb').write(data)


main()
