# Debian's own libbpf-tools against this kernel, from the host share: CO-RE
# programs whose pt_regs reads libbpf relocates against the running
# kernel's BTF, so they must see the right arguments on both layouts.
#
# shellcheck shell=dash disable=SC2154  # HOST: set by /init

# filelife: kprobes on vfs_open (second argument: the struct file, whose
# FMODE_CREATED marks a creation), security_inode_create and vfs_unlink
# (the dentry). A file created, kept 1 s and deleted must be reported with
# its name and an age of about a second; a wrong argument register would
# lose the creation or the name.
t_filelife() {
	if [ -z "$HOST" ]; then echo "detail: no host share (run.sh --host-share)"; return 77; fi
	if [ ! -x "$HOST/usr/sbin/filelife" ]; then echo "detail: no libbpf-tools on the host"; return 77; fi
	host_chroot true || { echo "detail: chroot into the host share failed"; return 1; }
	# shellcheck disable=SC2119  # no command: filelife itself
	cl_filelife
}

# cl_filelife [CMD ARGS... --]: the filelife check, with filelife run in
# the chroot by CMD when given (tests.d/shim.sh: through `ptregs run`)
# shellcheck disable=SC2120  # t_coreshim passes a command
cl_filelife() {
	local fl=/usr/sbin/filelife out=/tmp/filelife.out name i age
	name=ptregs-filelife-$$
	# filelife prints its header once its kprobes are attached, but with
	# stdout a file glibc holds every line until exit: stdbuf makes them
	# appear as printed, so the file is created only after the attach
	# (the header) and its report is seen at once. stdbuf adds its
	# library to LD_PRELOAD, after the one `ptregs run` sets. The last
	# run's output goes first: the background shell truncates $out only
	# when it gets to run, and a header left from t_filelife would end
	# the wait below at once (seen under the NMI storm of the amd boot).
	rm -f $out
	chroot "$HOST" "$@" stdbuf -oL $fl >$out 2>&1 &
	local pid=$!
	i=0
	# 150 s: within run.sh's 300 s per test, so that what was running
	# gets printed when filelife never gets there (seen through ptregs
	# run on the unpatched kernel, after the other shim tests)
	while ! grep -q 'AGE' $out 2>/dev/null && [ $i -lt 150 ]; do
		kill -0 $pid 2>/dev/null || break
		sleep 1; i=$((i + 1))
	done
	if ! grep -q 'AGE' $out; then
		echo "== filelife (pid $pid) after ${i}s: $(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null)"
		echo "state: $(grep -E '^(State|Threads)' /proc/$pid/status 2>/dev/null | tr '\n' ' ')"
		echo "wchan: $(cat /proc/$pid/wchan 2>/dev/null)"
		cat /proc/$pid/stack 2>/dev/null
		echo "== processes"
		ps
		kill -INT $pid 2>/dev/null
		sleep 2
		kill -KILL $pid 2>/dev/null
		wait $pid
		echo "exit status $?"
		cat $out
		echo "detail: filelife did not start tracing within ${i}s"; return 1
	fi
	# the file lives in the chroot's /tmp (a tmpfs of the guest)
	echo data >"$HOST/tmp/$name"
	sleep 1
	rm -f "$HOST/tmp/$name"
	i=0
	# up to a minute: the amd boot's NMI every 50 ms (run.sh --nmi) each print to
	# the serial console, which can hold the guest up for seconds at a time
	while ! grep -q "$name" $out && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
	kill -INT $pid 2>/dev/null
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill $pid 2>/dev/null
	cat $out
	age=$(awk -v n="$name" '$NF == n { print $(NF - 1) }' $out | head -n1)
	if [ -z "$age" ]; then
		echo "detail: filelife did not report $name"; return 1
	fi
	case $age in
	1.*|2.*|3.*) echo "detail: filelife reported $name, age ${age}s (kept 1 s)" ;;
	*) echo "detail: filelife reported $name with age $age, expected about 1 s"; return 1 ;;
	esac
}
