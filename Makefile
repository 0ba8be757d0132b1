# ptregs: the one entry point. 'make help' lists the targets.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC       ?= gcc
CLANG    ?= clang
BUILD    ?= build
SAN      ?=
VERSION  := 0.2.0
SOVER    := 1

WARN     := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers -Wno-format-truncation
CFLAGS   ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -Iinclude -I$(BUILD)/btf-tools -fvisibility=hidden -fPIC
LDLIBS   := -lbpf -ldw -lelf -lz -llzma -lzstd -llz4 -lbz2
# The preload goes into other people's processes, which ASan cannot be
# preloaded into: its objects never carry the sanitizers (PRELOAD_CFLAGS is
# taken before SAN adds them); the ASan-built tests still run through it.
# No jump tables either: under QEMU's TCG each load flushes the guest's TLB
# and QEMU's jump cache, and an indirect jump to a block is a lookup, where
# a chain of direct branches is not (the analysis after a load: 19 us
# instead of 24 in the guest). For the same reason string functions are
# inlined as plain loops: a call into the C library is a PLT lookup and
# another code page, and a rep-prefixed instruction runs one iteration per
# block under TCG.
PRELOAD_CFLAGS := $(CFLAGS) -fno-jump-tables -minline-all-stringops -mstringop-strategy=unrolled_loop
ifneq ($(SAN),)
override CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRCS := $(wildcard shim/*.c)
CMD_SRCS := $(wildcard btf-tools/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/%.o)
HDRS     := $(wildcard include/ptregs/*.h shim/*.h btf-tools/*.h)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
FIXTURES   := $(BUILD)/fixtures/regs_dwarf $(BUILD)/fixtures/regs_bpf.o \
              $(BUILD)/fixtures/nodebug.o $(BUILD)/fixtures/loadable.bpf.o \
              $(BUILD)/fixtures/regs_bpfeb.o \
              $(BUILD)/fixtures/regs_dwarf_rel.o \
              $(BUILD)/fixtures/many_structs.o $(BUILD)/fixtures/regs_stripped

.PHONY: kernel kernel-compile-check check-qemu check-kimage fuzz fuzz-run all deps lint check check-unit check-san check-cli check-bpf check-run check-install test demo bench install mutation \
        uninstall clean help

PRELOAD_SRCS := $(wildcard shim/preload/*.c)
PRELOAD_OBJS := $(PRELOAD_SRCS:%.c=$(BUILD)/nosan/%.o) $(LIB_SRCS:%.c=$(BUILD)/nosan/%.o)

all: $(BUILD)/ptregs $(BUILD)/libptregs.a $(BUILD)/libptregs.so $(BUILD)/libptregs-preload.so

help:
	@echo "make deps     install the Debian packages (scripts/install-deps.sh)"
	@echo "make          build libptregs and the ptregs command into $(BUILD)/"
	@echo "make check    fast userspace tests, plain and with ASan+UBSan"
	@echo "make test     check, a bounded fuzz run, make kernel and make check-qemu"
	@echo "make mutation the mutants of tests/mutation/mutants.txt, each against the fast tests"
	@echo "make demo     pt_regs layouts and what the PKRS change does to them"
	@echo "make bench    diff --all against pahole + diff; scan against llvm-objdump;"
	@echo "              syscall() and BPF_PROG_LOAD with and without the preload;"
	@echo "              fix of the UAPI test objects against recompiling them"
	@echo "make kernel   build the unpatched and patched 6.1 kernels (kernel-patch/)"
	@echo "make kernel-compile-check  arch/x86 of both with Debian's config, warnings compared"
	@echo "make check-qemu  boot both in QEMU: every guest test, selftests, soak"
	@echo "make install  PREFIX=$(PREFIX) DESTDIR=..."

deps:
	@./scripts/install-deps.sh

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/nosan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PRELOAD_CFLAGS) -c -o $@ $<

# libptregs inside, hidden: the only export is syscall().
$(BUILD)/libptregs-preload.so: $(PRELOAD_OBJS) shim/preload/preload.map
	$(CC) -shared -Wl,--version-script=shim/preload/preload.map -Wl,-z,defs \
		-o $@ $(PRELOAD_OBJS) $(LDLIBS)

$(BUILD)/btf-tools/cmd_run.o: override CFLAGS += -DPTREGS_LIBDIR='"$(LIBDIR)"'

$(BUILD)/libptregs.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libptregs.so: $(LIB_OBJS) shim/libptregs.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libptregs.so.$(SOVER) \
		-Wl,--version-script=shim/libptregs.map -o $@ $(LIB_OBJS) $(LDLIBS)

$(BUILD)/ptregs: $(CMD_OBJS) $(BUILD)/libptregs.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(BUILD)/libptregs.a $(LDLIBS)

# Test fixtures: DWARF from gcc -g, BTF+DWARF from clang -target bpf -g.
$(BUILD)/fixtures/regs_dwarf: tests/unit/fixtures/regs_dwarf.c
	@mkdir -p $(dir $@)
	gcc -g -O0 -o $@ $<
$(BUILD)/fixtures/regs_bpf.o: tests/unit/fixtures/regs_bpf.c
	@mkdir -p $(dir $@)
	$(CLANG) -target bpf -g -O2 -c -o $@ $<
$(BUILD)/fixtures/regs_bpfeb.o: tests/unit/fixtures/regs_bpf.c
	@mkdir -p $(dir $@)
	$(CLANG) -target bpfeb -g -O2 -c -o $@ $<
$(BUILD)/fixtures/loadable.bpf.o: $(BUILD)/bpf/uapi/loadable.bpf.o
	@mkdir -p $(dir $@)
	cp $< $@
$(BUILD)/fixtures/nodebug.o: tests/unit/fixtures/regs_dwarf.c
	@mkdir -p $(dir $@)
	gcc -O0 -g0 -c -o $@ $<
# Relocatable objects: their DWARF is only right once .rela.debug_* is applied.
$(BUILD)/fixtures/regs_dwarf_rel.o: tests/unit/fixtures/regs_dwarf.c
	@mkdir -p $(dir $@)
	gcc -g -O0 -c -o $@ $<
$(BUILD)/fixtures/many_structs.c: tests/unit/fixtures/many_structs.sh
	@mkdir -p $(dir $@)
	tests/unit/fixtures/many_structs.sh 60 >$@
$(BUILD)/fixtures/many_structs.o: $(BUILD)/fixtures/many_structs.c
	gcc -g -O0 -c -o $@ $<
# DWARF only in a separate file, found through .gnu_debuglink.
$(BUILD)/fixtures/regs_stripped: $(BUILD)/fixtures/regs_dwarf
	objcopy --only-keep-debug $< $@.debug
	objcopy --strip-debug --add-gnu-debuglink=$@.debug $< $@

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/fixtures.c tests/unit/fixtures.h \
		tests/unit/insns.h $(BUILD)/libptregs.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -Ishim $(LDFLAGS) -o $@ $< tests/unit/fixtures.c \
		$(BUILD)/libptregs.a $(LDLIBS) -lcmocka

# BPF test programs, each built with CO-RE (vmlinux.h from the running
# kernel's BTF, by bpftool) and against the UAPI headers.
KERNEL_BTF  ?= /sys/kernel/btf/vmlinux
MULTIARCH   := $(shell gcc -print-multiarch)
BPF_CFLAGS  := -target bpf -mcpu=v3 -O2 -g -D__TARGET_ARCH_x86 \
               -I/usr/include/$(MULTIARCH) -I$(BUILD)/bpf -Wall -Werror
BPF_SRCS    := $(wildcard tests/bpf/progs/*.bpf.c)
BPF_UAPI    := $(BPF_SRCS:tests/bpf/progs/%.c=$(BUILD)/bpf/uapi/%.o)
BPF_CORE    := $(if $(wildcard $(KERNEL_BTF)),$(BPF_SRCS:tests/bpf/progs/%.c=$(BUILD)/bpf/core/%.o))

$(BUILD)/bpf/vmlinux.h:
	@mkdir -p $(dir $@)
	bpftool btf dump file $(KERNEL_BTF) format c > $@.tmp && mv $@.tmp $@
$(BUILD)/bpf/core/%.o: tests/bpf/progs/%.c tests/bpf/progs/common.h $(BUILD)/bpf/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -DPTREGS_CORE -c -o $@ $<
$(BUILD)/bpf/uapi/%.o: tests/bpf/progs/%.c tests/bpf/progs/common.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

# A real light skeleton: a loader program that carries the BPF instructions
# without an ELF object.
$(BUILD)/fixtures/lskel: tests/cli/lskel_host.c $(BUILD)/bpf/uapi/handwritten.bpf.o
	@mkdir -p $(dir $@)
	bpftool gen skeleton -L $(BUILD)/bpf/uapi/handwritten.bpf.o name lskel > $@.skel.h.tmp
	mv $@.skel.h.tmp $(dir $@)lskel.skel.h
	$(CC) -O2 -I$(dir $@) -o $@ $<

# include/ptregs/compat.bpf.h, used by a program built against the UAPI headers.
$(BUILD)/bpf/compat/compat.bpf.o: tests/bpf/compat/compat.bpf.c include/ptregs/compat.bpf.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -Iinclude -c -o $@ $<

# A real skeleton of a UAPI-built object, embedded in an executable, for ptregs fix --to.
$(BUILD)/fixtures/skel_host: tests/cli/skel_host.c $(BUILD)/bpf/uapi/handwritten.bpf.o
	@mkdir -p $(dir $@)
	bpftool gen skeleton $(BUILD)/bpf/uapi/handwritten.bpf.o name skel > $@.skel.h.tmp
	mv $@.skel.h.tmp $(dir $@)skel.skel.h
	$(CC) -O2 -I$(dir $@) -o $@ $< -lbpf

# ptregs fix: loads fixed objects with libbpf and reads back what the kernel holds.
$(BUILD)/tests/bpf/fix_load: tests/bpf/fix_load.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lbpf

check-bpf: all $(BPF_UAPI) $(BPF_CORE) $(FIXTURES) $(BUILD)/fixtures/lskel \
		$(BUILD)/tests/bpf/fix_load $(BUILD)/bench/mkbtf $(BUILD)/bpf/compat/compat.bpf.o \
		$(BUILD)/fixtures/skel_host
	@PTREGS=$(BUILD)/ptregs BPF_OBJS=$(BUILD)/bpf tests/bpf/run.sh
	@PTREGS=$(BUILD)/ptregs BPF_OBJS=$(BUILD)/bpf PTREGS_FIXTURES=$(BUILD)/fixtures \
		tests/cli/scan.sh
	@PTREGS=$(BUILD)/ptregs BPF_OBJS=$(BUILD)/bpf PTREGS_FIXTURES=$(BUILD)/fixtures \
		tests/cli/reader.sh
	@PTREGS=$(BUILD)/ptregs tests/bpf/libbpf_tools.sh
	@PTREGS=$(BUILD)/ptregs BPF_OBJS=$(BUILD)/bpf PTREGS_FIXTURES=$(BUILD)/fixtures \
		tests/cli/fix.sh
	@PTREGS=$(BUILD)/ptregs BPF_OBJS=$(BUILD)/bpf PTREGS_FIXTURES=$(BUILD)/fixtures \
		tests/cli/check.sh
	@PTREGS=$(BUILD)/ptregs BPF_OBJS=$(BUILD)/bpf FIX_LOAD=$(BUILD)/tests/bpf/fix_load \
		MKBTF=$(BUILD)/bench/mkbtf COMPAT_OBJ=$(BUILD)/bpf/compat/compat.bpf.o tests/bpf/fix.sh

# ptregs run and the preload: a host program issuing bpf() through
# syscall(), translated to builtin:pkrs on this machine's kernel.
$(BUILD)/tests/run/loader: tests/run/loader.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lbpf -lelf -ldl
$(BUILD)/tests/run/static: tests/run/static.c
	@mkdir -p $(dir $@)
	gcc -O2 -static -o $@ $<

check-run: all $(BUILD)/tests/run/loader $(BUILD)/tests/run/static
	@PTREGS=$(BUILD)/ptregs LOADER=$(BUILD)/tests/run/loader STATIC=$(BUILD)/tests/run/static \
		tests/run/run.sh

check-unit: all $(UNIT_TESTS) $(FIXTURES)
	@set -e; for t in $(UNIT_TESTS); do \
		echo "== $$t"; \
		PTREGS_FIXTURES=$(BUILD)/fixtures $$t; \
	done

check-cli: all $(FIXTURES)
	@PTREGS=$(BUILD)/ptregs PTREGS_FIXTURES=$(BUILD)/fixtures tests/cli/run.sh

# libFuzzer over the object reader and the analysis (ASan+UBSan), seeded
# with the test objects. make test runs it reproducibly: a fixed seed, a
# fixed number of inputs and a fresh corpus, so the gate does not depend on
# luck or machine speed. make fuzz explores: random seed, FUZZ_TIME seconds,
# a corpus kept between runs. Crashes found by either become seeds in
# tests/fuzz/seeds or tests in tests/cli.
FUZZ_TIME ?= 600
FUZZ_SEED ?= 1
FUZZ_RUNS ?= 60000
FUZZ_DIR  := build/fuzz
FUZZ_SRCS := tests/fuzz/fuzz_scan.c btf-tools/fix_plan.c btf-tools/fix_write.c $(LIB_SRCS)
$(FUZZ_DIR)/fuzz_scan: $(FUZZ_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -std=gnu11 -Iinclude -Ishim -Ibtf-tools \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $(FUZZ_SRCS) $(LDLIBS)

fuzz-run: $(FUZZ_DIR)/fuzz_scan $(BPF_UAPI) $(BPF_CORE)
	@rm -rf $(FUZZ_DIR)/corpus-seed$(FUZZ_SEED) && mkdir -p $(FUZZ_DIR)/corpus-seed$(FUZZ_SEED)
	@for f in $(BPF_UAPI) $(BPF_CORE); do \
		cp $$f $(FUZZ_DIR)/corpus-seed$(FUZZ_SEED)/$$(basename $$(dirname $$f))-$$(basename $$f); \
	done
	@echo "== fuzz: seed $(FUZZ_SEED), $(FUZZ_RUNS) inputs"
	@$(FUZZ_DIR)/fuzz_scan -seed=$(FUZZ_SEED) -runs=$(FUZZ_RUNS) -max_total_time=600 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_DIR)/ \
		-print_final_stats=1 $(FUZZ_DIR)/corpus-seed$(FUZZ_SEED) tests/fuzz/seeds \
		>$(FUZZ_DIR)/fuzz.log 2>&1 || { tail -40 $(FUZZ_DIR)/fuzz.log; exit 1; }
	@echo "fuzz: 1 passed, 0 failed ($$(grep -o 'stat::number_of_executed_units: *[0-9]*' \
		$(FUZZ_DIR)/fuzz.log | grep -o '[0-9]*$$') inputs, seed $(FUZZ_SEED), no crash)"

fuzz: $(FUZZ_DIR)/fuzz_scan $(BPF_UAPI) $(BPF_CORE)
	@mkdir -p $(FUZZ_DIR)/corpus
	@for f in $(BPF_UAPI) $(BPF_CORE); do \
		cp $$f $(FUZZ_DIR)/corpus/$$(basename $$(dirname $$f))-$$(basename $$f); \
	done
	@echo "== fuzz: $(FUZZ_TIME) s, random seed"
	@$(FUZZ_DIR)/fuzz_scan -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_DIR)/ -print_final_stats=1 \
		$(FUZZ_DIR)/corpus tests/fuzz/seeds

# The kernels: unpatched and patched 6.1 from Debian's linux-source-6.1,
# built under $(PTREGS_CACHE) (default /var/cache/ptregs) with ccache, and
# the QEMU tests on both; both are part of 'make test'.
PTREGS_CACHE ?= /var/cache/ptregs
export PTREGS_CACHE
KVER_GLOB    := $(PTREGS_CACHE)/build/linux-*
kernel: deps
	@kernel-patch/scripts/build.sh

# arch/x86 of both trees compiled with Debian's own configuration (Xen PV,
# KVM, SEV, IBT, PTI...): no new compiler or objtool warnings. Not in
# make test (about half an hour more on 2 cores).
kernel-compile-check: deps
	@kernel-patch/scripts/build.sh --debian-config

# The QEMU part of make test (tests/qemu/check.sh): every guest test on both
# kernels across CPU models and boot variants, the upstream x86,
# protection_keys and rseq selftests compared, a soak on 2 vCPUs, and the
# side-by-side table.
check-qemu: all kernel check-kimage
	@tests/qemu/check.sh --base $$(ls $(KVER_GLOB)-base/arch/x86/boot/bzImage | head -1) \
		--patched $$(ls $(KVER_GLOB)-ptregs/arch/x86/boot/bzImage | head -1)

# Each built kernel's bzImage read as a layout source: exactly its vmlinux's BTF.
check-kimage: all kernel $(BUILD)/tests/test_kimage $(FIXTURES)
	@b=$$(ls $(KVER_GLOB)-base/arch/x86/boot/bzImage | head -1); \
	p=$$(ls $(KVER_GLOB)-ptregs/arch/x86/boot/bzImage | head -1); \
	PTREGS_FIXTURES=$(BUILD)/fixtures \
		PTREGS_KIMAGE_BUILDS=$${b%/arch/x86/boot/bzImage}:$${p%/arch/x86/boot/bzImage} \
		$(BUILD)/tests/test_kimage >$(BUILD)/tests/test_kimage.log 2>&1; st=$$?; \
		grep -E '^kimage:|PASSED|FAILED|SKIPPED|ERROR|LINE' $(BUILD)/tests/test_kimage.log; exit $$st

# Install into a staging tree and build a consumer against it with pkg-config.
check-install:
	@rm -rf $(BUILD)/destdir
	@$(MAKE) --no-print-directory -s install DESTDIR=$(CURDIR)/$(BUILD)/destdir PREFIX=/usr
	@test -x $(BUILD)/destdir/usr/bin/ptregs
	@test -f $(BUILD)/destdir/usr/share/man/man1/ptregs.1
	@test -f $(BUILD)/destdir/usr/include/ptregs/compat.bpf.h
	@test -f $(BUILD)/destdir/usr/lib/ptregs/libptregs-preload.so
	@test -x $(BUILD)/destdir/etc/kernel/postinst.d/ptregs-check
	@test -f $(BUILD)/destdir/usr/share/ptregs/known-consumers
	@$(BUILD)/destdir/usr/bin/ptregs run -- /usr/bin/env | \
		grep -qx 'LD_PRELOAD=$(CURDIR)/$(BUILD)/destdir/usr/lib/ptregs/libptregs-preload.so' || \
		{ echo "install: the installed ptregs run does not find its preload"; exit 1; }
	@PKG_CONFIG_SYSROOT_DIR=$(CURDIR)/$(BUILD)/destdir \
	 PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/destdir/usr/lib/pkgconfig \
	 sh -c '$(CC) -o $(BUILD)/consumer tests/install/consumer.c \
		$$(pkg-config --cflags libptregs) $$(pkg-config --libs libptregs) \
		-Wl,-rpath,$(CURDIR)/$(BUILD)/destdir/usr/lib'
	@$(BUILD)/consumer
	@tests/install/abi.sh $(BUILD)/libptregs.so
	@echo "install: staged install and pkg-config consumer OK"

check-san:
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 check-unit check-cli check-bpf check-run

# Library and command sources; cmocka's asserts are opaque to the analyzer.
LINT_SRCS := $(LIB_SRCS) $(CMD_SRCS) $(PRELOAD_SRCS)
lint:
	@echo "== lint: clang-tidy, cppcheck"
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory $(BUILD)/btf-tools/known_consumers.h
	@clang-tidy --quiet $(LINT_SRCS) -- -std=gnu11 -Iinclude -Ishim -I$(BUILD)/btf-tools \
		>$(BUILD)/clang-tidy.log 2>&1 || true
	@if grep -E "(warning|error):" $(BUILD)/clang-tidy.log; then exit 1; fi
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--std=c11 -Iinclude -Ishim -I$(BUILD)/btf-tools shim btf-tools

check: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory check-unit check-cli check-bpf check-run check-install
	@$(MAKE) --no-print-directory check-san

# make test is the gate: deps installs libbpf-tools, and it needs the running
# kernel's BTF anyway (the CO-RE objects); a check that would skip for want
# of either fails there instead. make check alone still skips them, saying
# so, on hosts without kernel BTF.
test: export PTREGS_REQUIRE_ALL := 1
test: check
	@$(MAKE) --no-print-directory fuzz-run
	@$(MAKE) --no-print-directory check-qemu

# Each mutant of tests/mutation/mutants.txt in a scratch copy of the tree,
# against check-unit check-cli check-bpf: fails on a survivor. Not in make test.
mutation:
	@tests/mutation/run.sh

demo: deps all $(BPF_UAPI) $(BPF_CORE)
	@./scripts/demo.sh $(BUILD)/ptregs $(BUILD)/bpf

$(BUILD)/bench/mkbtf: tests/bench/mkbtf.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

bench: deps all $(BUILD)/bench/mkbtf $(BUILD)/tests/run/loader $(BPF_UAPI)
	@echo "== diff --all: ptregs against pahole + diff"
	@MKBTF=$(BUILD)/bench/mkbtf ./scripts/bench-diff.sh $(BUILD)/ptregs
	@echo "== scan: ptregs against llvm-objdump on libbpf-tools"
	@./scripts/bench-scan.sh $(BUILD)/ptregs
	@echo "== ptregs run: syscall() and BPF_PROG_LOAD with and without the preload"
	@./scripts/bench-run.sh $(BUILD)/ptregs $(BUILD)/tests/run/loader
	@echo "== fix: ptregs fix of every UAPI-built test object against recompiling them"
	@CLANG=$(CLANG) BPF_CFLAGS="$(BPF_CFLAGS)" ./scripts/bench-fix.sh $(BUILD)/ptregs $(BUILD)/bpf/uapi tests/bpf/progs
	@echo "== check: ptregs check of /usr and /opt against reading them with cat"
	@./scripts/bench-check.sh $(BUILD)/ptregs
	@echo "== kernel: the series' cost on the system call path, unpatched against patched, in QEMU"
	@./scripts/bench-kernel.sh $(BUILD)

# The known-consumer list, built into ptregs check (and installed beside it).
$(BUILD)/btf-tools/known_consumers.h: btf-tools/known-consumers
	@mkdir -p $(dir $@)
	{ echo 'static const char known_consumers_text[] ='; \
	  sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$$/\\n"/' $<; echo ';'; } > $@.tmp
	mv $@.tmp $@
$(BUILD)/btf-tools/cmd_check.o: $(BUILD)/btf-tools/known_consumers.h

$(BUILD)/libptregs.pc: scripts/libptregs.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

install: all $(BUILD)/libptregs.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/ptregs \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(BUILD)/ptregs $(DESTDIR)$(BINDIR)/ptregs
	install -m 0644 $(BUILD)/libptregs.a $(DESTDIR)$(LIBDIR)/libptregs.a
	install -m 0755 $(BUILD)/libptregs.so $(DESTDIR)$(LIBDIR)/libptregs.so.$(VERSION)
	install -d $(DESTDIR)$(LIBDIR)/ptregs
	install -m 0755 $(BUILD)/libptregs-preload.so $(DESTDIR)$(LIBDIR)/ptregs/libptregs-preload.so
	ln -sf libptregs.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libptregs.so.$(SOVER)
	ln -sf libptregs.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libptregs.so
	install -m 0644 include/ptregs/*.h $(DESTDIR)$(INCDIR)/ptregs/
	install -m 0644 $(BUILD)/libptregs.pc $(DESTDIR)$(PKGCONFIGDIR)/libptregs.pc
	install -m 0644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -d $(DESTDIR)$(DATADIR)/ptregs $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d
	install -m 0644 btf-tools/known-consumers $(DESTDIR)$(DATADIR)/ptregs/known-consumers
	install -m 0755 btf-tools/kernel-postinst \
		$(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/ptregs-check

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ptregs $(DESTDIR)$(LIBDIR)/libptregs.* \
		$(DESTDIR)$(PKGCONFIGDIR)/libptregs.pc $(DESTDIR)$(MANDIR)/man1/ptregs*.1
	rm -rf $(DESTDIR)$(INCDIR)/ptregs $(DESTDIR)$(LIBDIR)/ptregs $(DESTDIR)$(DATADIR)/ptregs
	rm -f $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/ptregs-check

clean:
	rm -rf build
