// SPDX-License-Identifier: GPL-2.0
/*
 * Checks the PKRS context semantics of the entry code: a value a kernel
 * context sets survives interrupts, NMIs, context switches and migration,
 * interrupt/NMI handlers and other tasks never see it, and it is gone once
 * the system call that set it (finit_module) returns.
 */
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/sched/task_stack.h>
#include <linux/ptrace.h>
#include <asm/nmi.h>
#include <asm/msr.h>
#include <asm/cpufeature.h>
#include <asm/pks.h>

#define TEST_PKRS 0xaaaaaaa8U	/* key 0 read/write, keys 1-15 write-disabled */

static inline u32 pkrs(void) { return (u32)__rdmsr(MSR_IA32_PKRS); }

static atomic_t irq_n, irq_bad, nmi_n, nmi_bad;
static u32 irq_badval, nmi_badval, work_val;
static struct hrtimer timer;
static DECLARE_COMPLETION(work_done);

static enum hrtimer_restart timer_fn(struct hrtimer *t)
{
	u32 v = pkrs();

	atomic_inc(&irq_n);
	if (v != PKS_INIT_VALUE) {
		atomic_inc(&irq_bad);
		irq_badval = v;
	}
	hrtimer_forward_now(t, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

static int nmi_fn(unsigned int type, struct pt_regs *regs)
{
	u32 v = pkrs();

	atomic_inc(&nmi_n);
	if (v != PKS_INIT_VALUE) {
		atomic_inc(&nmi_bad);
		nmi_badval = v;
	}
	return NMI_DONE;
}

static void work_fn(struct work_struct *w)
{
	work_val = pkrs();
	complete(&work_done);
}
static DECLARE_WORK(work, work_fn);

static int __init pkrs_test_init(void)
{
	unsigned long end, loops = 0, bad = 0, sleeps = 0, bad_sleep = 0;
	int cpu0, cpus = 0, lastcpu = -1, fail;
	u32 entry;
	unsigned long user;

	if (!cpu_feature_enabled(X86_FEATURE_PKS)) {
		pr_info("PKRSTEST SKIP no PKS\n");
		return -ENODEV;
	}
	entry = pkrs();
	user = current_pt_regs()->pkrs;
	register_nmi_handler(NMI_UNKNOWN, nmi_fn, 0, "pkrstest");
	hrtimer_init(&timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	timer.function = timer_fn;

	__wrmsr(MSR_IA32_PKRS, TEST_PKRS, 0);
	hrtimer_start(&timer, ms_to_ktime(1), HRTIMER_MODE_REL);

	/* busy phase: timer interrupts and NMIs hit this context */
	end = jiffies + msecs_to_jiffies(1500);
	while (time_before(jiffies, end)) {
		if (pkrs() != TEST_PKRS)
			bad++;
		loops++;
		cpu_relax();
	}
	/* another context on this CPU (a kworker) must see the default */
	cpu0 = raw_smp_processor_id();
	schedule_work_on(cpu0, &work);
	wait_for_completion(&work_done);
	/* sleeping phase: context switches and possibly migration */
	for (sleeps = 0; sleeps < 50; sleeps++) {
		int c;

		msleep(2);
		c = raw_smp_processor_id();
		if (c != lastcpu) {
			cpus++;
			lastcpu = c;
		}
		if (pkrs() != TEST_PKRS)
			bad_sleep++;
	}
	hrtimer_cancel(&timer);
	unregister_nmi_handler(NMI_UNKNOWN, "pkrstest");

	fail = bad || bad_sleep || atomic_read(&irq_bad) || atomic_read(&nmi_bad) ||
	       work_val != PKS_INIT_VALUE || entry != PKS_INIT_VALUE ||
	       !atomic_read(&irq_n) || user != PKS_INIT_VALUE;
	pr_info("PKRSTEST %s user=%#lx entry=%#x set=%#x busy_loops=%lu busy_bad=%lu timer_irqs=%d irq_bad=%d(%#x) nmis=%d nmi_bad=%d(%#x) kworker=%#x sleeps=%lu cpu_changes=%d sleep_bad=%lu now=%#x\n",
		fail ? "FAIL" : "PASS", user, entry, TEST_PKRS, loops, bad,
		atomic_read(&irq_n), atomic_read(&irq_bad), irq_badval,
		atomic_read(&nmi_n), atomic_read(&nmi_bad), nmi_badval,
		work_val, sleeps, cpus, bad_sleep, pkrs());
	/* Return with TEST_PKRS still loaded: the syscall exit must drop it. */
	return 0;
}

/* delete_module() entry saved the user-mode value left by the last exit */
static void __exit pkrs_test_exit(void)
{
	unsigned long user = current_pt_regs()->pkrs;

	pr_info("PKRSTEST-EXIT %s user=%#lx now=%#x\n",
		user == PKS_INIT_VALUE && pkrs() == PKS_INIT_VALUE ? "PASS" : "FAIL",
		user, pkrs());
}

module_init(pkrs_test_init);
module_exit(pkrs_test_exit);
MODULE_LICENSE("GPL");
