# ecsim -- build, dependencies, tests, the default run, benchmarks, sanitizers.
#
#   make run     install what is missing, build, run scenarios/quickstart.yaml
#   make test    install what is missing (Open MPI included), build, run every
#                test, then the MPI build's sweep and plan under mpirun
#   make check   the same tests built with AddressSanitizer + UBSan
#   make VIZ=0   any target, without the SDL2 visualiser (view, render, plot), in build-noviz/
#   make bench   the speed benchmark against ../shared/bench's reference loop,
#                the sweep pool's speed-up and overhead, a 50,000-task run
#   make test-long   long statistical studies (not in CI)
#   make fuzz    libFuzzer on the scenario loader and the trace readers, FUZZ_RUNS inputs each
#   make MPI=1   install Open MPI if missing, build ecsim with it into build-mpi/
#   make test-mpi  only the MPI build's sweep and plan under mpirun against the local pool
#
# `run`, `test`, `check` and `bench` first run `deps` and then re-invoke make,
# so pkg-config is read after the packages are installed.

MPI      ?= 0
VIZ      ?= 1
ifeq ($(MPI),1)
BUILD    ?= build-mpi
endif
ifeq ($(VIZ),0)
BUILD    ?= build-noviz
endif
BUILD    ?= build
SAN      ?= 0
CC       ?= gcc
Q        ?= @

DEBS := build-essential pkg-config libgsl-dev libcsv-dev libfyaml-dev libcmocka-dev zlib1g-dev
PKGS := gsl libfyaml zlib
ifeq ($(MPI),1)
DEBS += libopenmpi-dev openmpi-bin
PKGS += ompi-c
endif
# the visualiser (viz/): window, text, PNG; xvfb runs its window tests
ifeq ($(VIZ),1)
DEBS += libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core libfontconfig-dev \
        xvfb xauth
PKGS += sdl2 SDL2_ttf SDL2_image fontconfig
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wformat=2 -Wvla
CFLAGS   := -std=c11 -D_GNU_SOURCE -O2 -g -ffp-contract=off $(WARN) -I. -I$(BUILD) -MMD -MP
LDLIBS   := -lcsv -lm
ifeq ($(MPI),1)
CFLAGS   += -DECSIM_MPI
endif
ifeq ($(VIZ),1)
CFLAGS   += -DECSIM_VIZ
endif
ifeq ($(SAN),1)
CFLAGS   += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(SAN),fuzz)
CFLAGS   += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=fuzzer,address,undefined
endif
FUZZ_RUNS ?= 200000

# pkg-config is only asked when a build target needs it (after `deps`);
# -isystem keeps the library headers out of our warnings.
PKG_CFLAGS = $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null)

ENGINE_SRC := $(sort $(wildcard sim/engine/*.c))
MODEL_SRC  := $(sort $(wildcard models/*.c))
# sim/sweep_mpi.c needs <mpi.h>: only the MPI build compiles it
EXPER_SRC  := $(sort $(filter-out sim/main.c $(if $(filter 1,$(MPI)),,sim/sweep_mpi.c),$(wildcard sim/*.c)))
VIZ_SRC    := $(if $(filter 1,$(VIZ)),$(sort $(wildcard viz/*.c)))
LIB_SRC    := $(ENGINE_SRC) $(MODEL_SRC) $(EXPER_SRC) $(VIZ_SRC)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC   := $(sort $(wildcard tests/test_*.c))
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TESTSUP_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard tests/support/*.c)))

.SECONDARY:

.PHONY: all deps run test check bench test-long build-all test-run clean fuzz format lint test-mpi FORCE

ifeq ($(MPI),1)
all: deps
	$(Q)$(MAKE) --no-print-directory build-all
else
all: build-all
endif

deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing >/dev/null \
	  || { echo "deps: apt-get failed for$$missing" >&2; exit 1; }; \
	fi

run: deps
	$(Q)$(MAKE) --no-print-directory build-all
	./$(BUILD)/ecsim run scenarios/quickstart.yaml
ifeq ($(VIZ),1)
	./$(BUILD)/ecsim plot results/quickstart
endif

test: deps
	$(Q)$(MAKE) --no-print-directory test-run
	$(Q)$(MAKE) --no-print-directory test-mpi

check: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-san SAN=1 test-run

test-long: deps
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)ECSIM_LONG=1 $(MAKE) --no-print-directory test-run

bench: deps
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)sh tests/bench.sh $(BUILD)
	$(Q)sh tests/bench_trace.sh $(BUILD)
	$(Q)sh tests/bench_sweep.sh $(BUILD)
ifeq ($(VIZ),1)
	$(Q)sh tests/bench_viz.sh $(BUILD)
endif

# Open MPI is installed (if missing) here, so that `make test` runs the MPI
# test wherever it runs (CI included); `make run` and `make check` need none.
test-mpi:
	$(Q)$(MAKE) --no-print-directory MPI=0 BUILD=build deps
	$(Q)$(MAKE) --no-print-directory MPI=0 BUILD=build build/ecsim
	$(Q)$(MAKE) --no-print-directory MPI=1 BUILD=build-mpi deps
	$(Q)$(MAKE) --no-print-directory MPI=1 BUILD=build-mpi build-mpi/ecsim
	$(Q)sh tests/mpi.sh build-mpi/ecsim build/ecsim

build-all: $(BUILD)/ecsim $(TEST_BIN)

# LeakSanitizer: suppressions for third-party frames only (tests/lsan.supp:
# SDL and the libraries it loads, fontconfig)
test-run: build-all
	$(Q)ECSIM_BIN=$(BUILD)/ecsim \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  sh tests/run.sh $(TEST_BIN)

$(BUILD)/ecsim: $(BUILD)/sim/main.o $(BUILD)/libecsim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/libecsim.a: $(LIB_OBJ)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TESTSUP_OBJ) $(BUILD)/libecsim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS) $(LDLIBS)

$(BUILD)/tests/%.o: tests/%.c | $(BUILD)/ecsim_commit.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CMOCKA_CFLAGS) -Itests -c -o $@ $<

$(BUILD)/%.o: %.c | $(BUILD)/ecsim_commit.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# The instance catalogue is compiled into the binary (see models/catalogue_data.c).
$(BUILD)/models/catalogue_data.o: models/instances.csv
# The price list likewise (see models/prices_data.c).
$(BUILD)/models/prices_data.o: models/prices.csv

# ecsim_commit.h changes only when the commit does, so a rebuild is not forced.
$(BUILD)/ecsim_commit.h: FORCE
	@mkdir -p $(BUILD)
	@c=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	 if ! git diff --quiet HEAD -- sim models 2>/dev/null; then c="$$c-dirty"; fi; \
	 printf '#define ECSIM_COMMIT "%s"\n' "$$c" > $@.tmp; \
	 cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

fuzz: deps
	@dpkg -s clang libclang-rt-14-dev >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -q --no-install-recommends clang libclang-rt-14-dev >/dev/null; }
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz SAN=fuzz CC=clang \
	  build-fuzz/fuzz_scenario build-fuzz/fuzz_trace
	@rm -rf build-fuzz/corpus-scenario build-fuzz/corpus-trace
	@mkdir -p build-fuzz/corpus-scenario build-fuzz/corpus-trace
	@cp scenarios/*.yaml build-fuzz/corpus-scenario/
	@cp scenarios/traces/* tests/data/traces_bad/* build-fuzz/corpus-trace/
	./build-fuzz/fuzz_scenario -runs=$(FUZZ_RUNS) -max_len=4096 -timeout=10 \
	  -artifact_prefix=build-fuzz/scenario- build-fuzz/corpus-scenario
	./build-fuzz/fuzz_trace -runs=$(FUZZ_RUNS) -max_len=4096 -timeout=10 \
	  -artifact_prefix=build-fuzz/trace- build-fuzz/corpus-trace

$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz_%.o $(BUILD)/libecsim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	  --suppress=missingIncludeSystem -I. $(LIB_SRC) sim/main.c

clean:
	rm -rf build build-san build-fuzz build-mpi build-noviz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
