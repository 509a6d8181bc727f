# aobj: top-level Makefile.  The real work is in scripts/; see README.md.
#
#   make [all]        modules for KDIR + userspace tools
#   make modules      aobj.ko for KDIR (default: the running kernel's headers,
#                     else the stock Debian 6.12 kernel), into out/host/ or out/stock/
#   make tools        tools/*.c and tools/tests/*.c -> out/tools/
#   make check        full test suite in debug + stock 6.12 VMs (scripts/check.sh)
#   make demo         demo in a small stock-kernel VM (scripts/demo.sh)
#   make vm           interactive shell in a VM with aobj loaded (KERNEL=stock|debug)
#   make lint         checkpatch --strict + sparse (scripts/lint.sh)
#   make clean        remove out/ and in-tree build objects (the debug kernel
#                     cache in ~/.cache/aobj stays)

HOST_KDIR := /lib/modules/$(shell uname -r)/build
KDIR ?= $(if $(wildcard $(HOST_KDIR)/Makefile),$(HOST_KDIR))
KERNEL ?= stock

OUT := out
CC := gcc
TOOLS_CFLAGS := -O2 -Wall -Wextra -Werror -I module/uapi -I tools -static -pthread
TOOL_SRCS := $(wildcard tools/*.c tools/tests/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(OUT)/tools/%,$(TOOL_SRCS))
TOOL_HDRS := $(wildcard tools/*.h tools/tests/*.h module/uapi/linux/*.h)

.PHONY: all modules tools check demo vm lint clean

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

demo:
	scripts/demo.sh

vm:
	scripts/vm.sh $(KERNEL)

lint:
	scripts/lint.sh

# Also objects of in-tree `make -C $KDIR M=$PWD` builds.
clean:
	rm -rf $(OUT)
	find . -path ./.git -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name modules.order \
		-o -name Module.symvers \) -type f -print -exec rm -f {} +
