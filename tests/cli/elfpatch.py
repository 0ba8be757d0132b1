#!/usr/bin/env python3
"""Corrupt one field of a BPF ELF object, for the bad-input tests.

elfpatch.py IN OUT shrink-section NAME BYTES   section NAME loses BYTES
elfpatch.py IN OUT btf-ext-line-len VALUE       .BTF.ext line_info_len := VALUE
elfpatch.py IN OUT btf-ext-core-orphan          the first core_relo block names a
                                                section without line_info
elfpatch.py IN OUT btf-ext-rec-size LINE CORE   .BTF.ext rewritten with line_info
                                                records of LINE bytes and core_relo
                                                ones of CORE bytes: zero-padded past
                                                the fields the format defines (valid,
                                                for forward compatibility), or cut
                                                short (a lie)
elfpatch.py IN OUT btf-ext-count-past           the last line_info block claims one
                                                record more than its subsection holds
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


def ext_subsection(data, start, length):
    """An info subsection as (rec_size, [(sec_name_off, [record bytes])])."""
    if length == 0:
        return 0, []
    rec_size, = struct.unpack_from('<I', data, start)
    blocks, pos = [], 4
    while pos < length:
        name_off, num = struct.unpack_from('<II', data, start + pos)
        pos += 8
        recs = [bytes(data[start + pos + i * rec_size:start + pos + (i + 1) * rec_size])
                for i in range(num)]
        pos += num * rec_size
        blocks.append((name_off, recs))
    return rec_size, blocks


def ext_encode(blocks, rec_size, count_extra=0):
    if not blocks:
        return b''
    out = struct.pack('<I', rec_size)
    for i, (name_off, recs) in enumerate(blocks):
        extra = count_extra if i == len(blocks) - 1 else 0
        out += struct.pack('<II', name_off, len(recs) + extra)
        for r in recs:
            out += r[:rec_size].ljust(rec_size, b'\0')
    return out


def ext_rewrite(data, secs, line_size=None, core_size=None, count_extra=0):
    """.BTF.ext re-encoded, appended to the file, its section header pointed at it."""
    hdr, off, size = secs['.BTF.ext']
    hdr_len, = struct.unpack_from('<I', data, off + 4)
    func_off, func_len, line_off, line_len = struct.unpack_from('<IIII', data, off + 8)
    core_off, core_len = struct.unpack_from('<II', data, off + 24) if hdr_len >= 32 else (0, 0)
    base = off + hdr_len
    line_rs, lines = ext_subsection(data, base + line_off, line_len)
    core_rs, cores = ext_subsection(data, base + core_off, core_len)
    func = bytes(data[base + func_off:base + func_off + func_len])
    line = ext_encode(lines, line_size or line_rs, count_extra)
    core = ext_encode(cores, core_size or core_rs)
    head = bytearray(data[off:off + hdr_len])
    struct.pack_into('<IIII', head, 8, 0, len(func), len(func), len(line))
    if hdr_len >= 32:
        struct.pack_into('<II', head, 24, len(func) + len(line), len(core))
    elif core:
        sys.exit('no core_relo subsection in the header')
    ext = bytes(head) + func + line + core
    new_off = (len(data) + 7) & ~7
    data += b'\0' * (new_off - len(data)) + ext
    struct.pack_into('<QQ', data, hdr + 0x18, new_off, len(ext))


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
    elif what == 'btf-ext-rec-size':
        ext_rewrite(data, secs, int(sys.argv[4]), int(sys.argv[5]))
    elif what == 'btf-ext-count-past':
        ext_rewrite(data, secs, count_extra=1)
    else:
        sys.exit('unknown patch ' + what)
    open(dst, 'wb').write(data)


main()
