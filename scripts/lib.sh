# Shared by the benchmark scripts.

# median_us CMD...: median wall time in microseconds of $RUNS runs of CMD
# (output discarded, failures ignored: some tools exit non-zero by design)
median_us() {
	local t=() s e
	for _ in $(seq "$RUNS"); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s%N)
		t+=($(( (e - s) / 1000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
