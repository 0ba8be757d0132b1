# drgnregs.py PID VMLINUX: what Debian's drgn makes of the entry registers
# of task PID (blocked in a system call) on the running kernel, through
# /proc/kcore with VMCOREINFO and VMLINUX's DWARF (tests.d/consumers.sh).
#   regs  the struct pt_regs at the top of its kernel stack, read by member
#         name (the DWARF's own layout): ip, sp, orig_ax
#   drgn  the first frame of drgn's stack trace from that pt_regs object
#         (drgn reads registers from it at fixed offsets)
#   trace the program counters of drgn's stack trace of the task, which
#         goes through the entry frame into user space
import sys

import drgn
from drgn import Object
from drgn.helpers.linux.pid import find_task

THREAD_SIZE = 16384  # x86_64 without KASAN: 4 pages

pid, vmlinux = int(sys.argv[1]), sys.argv[2]
prog = drgn.Program()
prog.set_kernel()
prog.load_debug_info([vmlinux], default=False)
task = find_task(prog, pid)
size = prog.type("struct pt_regs").size
regs = Object(prog, "struct pt_regs", address=task.stack.value_() + THREAD_SIZE - size)
print("regs size=%d ip=%#x sp=%#x orig_ax=%#x flags=%#x" % (
    size, regs.ip.value_(), regs.sp.value_(), regs.orig_ax.value_() & (2**64 - 1),
    regs.flags.value_()))
frame = prog.stack_trace(regs)[0]
print("drgn pc=%#x sp=%#x" % (frame.pc, frame.register("rsp")))
pcs, names = [], []
for f in prog.stack_trace(task):
    pcs.append("%#x" % f.pc)
    try:
        names.append(f.symbol().name)
    except LookupError:
        names.append("?")
print("trace " + " ".join(pcs))
print("names " + " ".join(names))
