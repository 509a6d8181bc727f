# aobj: top-level Makefile.  The real work is in scripts/; see README.md.
#
#   make [all]        modules for KDIR + userspace tools
#   make modules      aobj.ko for KDIR (default: the running kernel's headers,
#                     else the stock Debian 6.12 kernel), into out/host/ or out/stock/
#   make tools        tools/*.c and tools/tests/*.c -> out/tools/
#   make check        full test suite in debug + stock 6.12 VMs (scripts/check.sh)
#   make check-harness  canaries (planted WARN, KASAN, leak, failing KUnit case,
#                     missing test module, skip, console noise) that `make check`
#                     must catch (scripts/check-harness.sh; CANARIES="warn kasan")
#   make demo         demo in a small stock-kernel VM (scripts/demo.sh)
#   make demo-remote  the same with swap on NBD exports served by the host
#                     (scripts/demo-remote.sh; see "Far memory" in README.md)
#   make vm           interactive shell in a VM with aobj loaded (KERNEL=stock|debug)
#   make lint         checkpatch --strict + sparse (scripts/lint.sh)
#   make bench        aobj vs memfd + Linux swap in a stock VM (scripts/bench.sh);
#                     REMOTE=1: both swap on NBD exports served by the host;
#                     RESULTS=file.json (default out/bench/results.json); the
#                     table goes into BENCHMARKS.md (MD=file.md for another),
#                     SVG plots into bench/ beside it
#   make stress       aobj-stress + aobj-fuzz in a debug-kernel VM, kernel report
#                     and kmemleak scan (scripts/stress.sh); DURATION=seconds (600)
#   make install      aobj.ko for the running kernel into /lib/modules/$(uname -r)/updates,
#                     aobjctl into /usr/local/bin, scripts/99-aobj.rules into
#                     /etc/udev/rules.d (DESTDIR=... to stage; see README.md)
#   make clean        remove out/ and in-tree build objects (the debug kernel
#                     cache in ~/.cache/aobj stays)

HOST_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(HOST_KDIR)/Makefile),$(HOST_KDIR))
KERNEL ?= stock

OUT := $(or $(AOBJ_OUT),out)
CC := gcc
TOOLS_CFLAGS := -O2 -Wall -Wextra -Werror -I module/uapi -I tools -static -pthread
TOOL_SRCS := $(wildcard tools/*.c tools/tests/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(OUT)/tools/%,$(TOOL_SRCS))
TOOL_HDRS := $(wildcard tools/*.h tools/tests/*.h module/uapi/linux/*.h)

.PHONY: all modules tools check check-harness demo demo-remote vm lint bench stress install clean

all: modules tools

modules:
ifeq ($(KDIR),)
	scripts/build-module.sh stock
else
	scripts/build-module.sh --kdir $(KDIR) --name host
endif

# One static binary per source file.  Binaries whose source is gone are
# removed, so the VM never runs a stale test.
tools: $(TOOL_BINS)
	@mkdir -p $(OUT)/tools
	@for f in $$(find $(OUT)/tools -type f); do \
		src=tools/$${f#$(OUT)/tools/}.c; \
		[ -f "$$src" ] || { echo "rm $$f"; rm -f "$$f"; }; \
	done

$(OUT)/tools/%: tools/%.c $(TOOL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $<

check:
	scripts/check.sh

# Not part of `make check` or .ci/run: a debug-kernel VM run per canary.
check-harness:
	scripts/check-harness.sh $(CANARIES)

demo:
	scripts/demo.sh

demo-remote:
	scripts/demo-remote.sh

vm:
	scripts/vm.sh $(KERNEL)

lint:
	scripts/lint.sh

# aobj vs memfd + Linux swap in one stock-kernel VM; RESULTS=file.json, MD=BENCHMARKS.md
# REMOTE=1: the swap devices are NBD exports of the host (README "Far memory").
bench:
	scripts/bench.sh $(if $(REMOTE),--remote) --out $(or $(RESULTS),out/bench/$(if $(REMOTE),remote,results).json) --md $(or $(MD),BENCHMARKS.md)

# aobj-stress for DURATION seconds, then aobj-fuzz, in a debug-kernel VM.
DURATION ?= 600
stress:
	scripts/stress.sh $(DURATION)

# For the running kernel only: its headers must be installed (KDIR).
INSTALL_KVER := $(shell uname -r)
install: $(OUT)/tools/aobjctl
	@[ -f "$(HOST_KDIR)/Makefile" ] || { echo "install: no headers for the running kernel $(INSTALL_KVER) ($(HOST_KDIR)); install them, or use dkms (README.md)" >&2; exit 1; }
	scripts/build-module.sh --kdir $(HOST_KDIR) --name host
	install -D -m 644 $(OUT)/host/aobj.ko $(DESTDIR)/lib/modules/$(INSTALL_KVER)/updates/aobj.ko
	install -D -m 755 $(OUT)/tools/aobjctl $(DESTDIR)/usr/local/bin/aobjctl
	install -D -m 644 scripts/99-aobj.rules $(DESTDIR)/etc/udev/rules.d/99-aobj.rules
	$(if $(DESTDIR),depmod -a -b $(DESTDIR) $(INSTALL_KVER),depmod -a $(INSTALL_KVER))

# Also objects of in-tree `make -C $KDIR M=$PWD` builds.
clean:
	rm -rf $(OUT)
	find . -path ./.git -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name modules.order \
		-o -name Module.symvers \) -type f -print -exec rm -f {} +
