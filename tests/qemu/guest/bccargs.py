# bccargs.py: Debian's BCC (python3-bpfcc) compiles a kprobe on
# ksys_mmap_pgoff against the running kernel's headers
# (/sys/kernel/kheaders.tar.xz); its C arguments become pt_regs reads by
# the kernel's member names. This process then calls mmap() with six known
# arguments and prints what was passed and what the program read
# (tests.d/consumers.sh).
import ctypes
import os

from bcc import BPF

ADDR, LEN, PROT, FLAGS, FD, OFF = 0x7C7C7C000, 0x6000, 3, 0x100022, 11, 0xD000

text = r"""
#include <uapi/linux/ptrace.h>
struct args_t { u64 a[6]; };
BPF_ARRAY(out, struct args_t, 1);
int kprobe__ksys_mmap_pgoff(struct pt_regs *ctx, unsigned long addr, unsigned long len,
                            unsigned long prot, unsigned long flags, unsigned long fd,
                            unsigned long pgoff)
{
    int k = 0;
    struct args_t v = { { addr, len, prot, flags, fd, pgoff } };

    if ((bpf_get_current_pid_tgid() >> 32) != PID)
        return 0;
    out.update(&k, &v);
    return 0;
}
""".replace("PID", str(os.getpid()))
b = BPF(text=text)
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
libc.mmap(ADDR, LEN, PROT, FLAGS, FD, OFF)
want = (ADDR, LEN, PROT, FLAGS, FD, OFF // 4096)
got = tuple(b["out"][ctypes.c_int(0)].a)
print("mmap " + " ".join("arg%d=%d" % (i, v) for i, v in enumerate(want)))
print("bcc " + " ".join("arg%d=%d" % (i, v) for i, v in enumerate(got)))
