# mldeck - plain Makefile with pkg-config. `make help` lists the targets.

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
O        ?= build
BIN      ?= mldeck
VENV     ?= .venv
PYTHON   ?= python3

CORE_PKGS := libcurl libcjson yaml-0.1 sqlite3 inih
TUI_PKGS  := ncursesw
PKG_CFLAGS_CORE := $(shell pkg-config --cflags $(CORE_PKGS) 2>/dev/null)
PKG_LIBS_CORE   := $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null)
PKG_CFLAGS_TUI  := $(shell pkg-config --cflags $(TUI_PKGS) 2>/dev/null)
PKG_LIBS_TUI    := $(shell pkg-config --libs $(TUI_PKGS) 2>/dev/null)
CMOCKA_LIBS     := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wcast-qual -Wwrite-strings -Wundef -Wpointer-arith -Wvla
# Messages are cut to their fixed buffers on purpose (struct md_err.msg).
WARN += -Wno-format-truncation
ifdef CI
WARN += -Werror
endif
OPT      ?= -O2 -g
SAN      ?=
CFLAGS   ?=
override CFLAGS += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SAN) -Iinclude -MMD -MP \
                   -DMD_THEMES_DIR='"$(PREFIX)/share/mldeck/themes"'
LDFLAGS  ?=
override LDFLAGS += $(SAN) -pthread

CORE_SRC := $(sort $(wildcard core/*/*.c core/backends/*/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TUI_SRC  := $(sort $(wildcard tui/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(O)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(O)/%.o)
TUI_OBJ  := $(TUI_SRC:%.c=$(O)/%.o)
LIBCORE  := $(O)/libcore.a

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
UNIT_HELPERS := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
UNIT_HDRS := $(wildcard tests/unit/*.h)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all help deps venv run test unit asan valgrind fuzz fuzz-build fuzz-long bench bench-build \
        lint install clean

all: $(BIN)

help:
	@echo "make            build ./mldeck"
	@echo "make run        install what is missing, start the local sandbox, open mldeck on it"
	@echo "make test       lint, then every test tier (unit, pytest, fuzz); ends 'N passed, N failed'"
	@echo "make deps       Debian -dev packages (apt-get) and the test virtualenv $(VENV)"
	@echo "make bench      benchmarks against the MLflow Python client and raw curl"
	@echo "make asan       the test suite under AddressSanitizer + UBSan"
	@echo "make valgrind   unit tests and headless runs under valgrind"
	@echo "make fuzz       run every libFuzzer target for FUZZ_SECONDS (default 30)"
	@echo "make fuzz-long  the same for FUZZ_LONG_SECONDS (default 300) each"
	@echo "make lint       include allow-list, banned calls, mutation call sites, headers, clang-format"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"

$(O)/core/%.o: core/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icore $(PKG_CFLAGS_CORE) -c -o $@ $<

# The headless command line sees only include/mldeck, like the console.
$(O)/cli/%.o: cli/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(O)/tui/%.o: tui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icli $(PKG_CFLAGS_TUI) -c -o $@ $<

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# The binary is ./mldeck; a sanitizer build (make asan) names its own, beside its objects.
$(BIN): $(TUI_OBJ) $(CLI_OBJ) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(TUI_OBJ) $(CLI_OBJ) $(LIBCORE) $(LDFLAGS) $(PKG_LIBS_TUI) $(PKG_LIBS_CORE) -lm

$(O)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(UNIT_HDRS) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS_CORE) -Icore -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LIBCORE) \
	    $(LDFLAGS) $(PKG_LIBS_CORE) $(CMOCKA_LIBS) -lm

unit: $(UNIT_BIN)

# --- set-up -------------------------------------------------------------------------------

DEB_PKGS := build-essential pkg-config libncurses-dev libcurl4-openssl-dev libcjson-dev \
            libyaml-dev libsqlite3-dev libcmocka-dev libinih-dev tmux python3-venv clang libclang-rt-dev clang-format valgrind \
            curl

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

deps: .deps-stamp venv

.deps-stamp:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

venv: $(VENV)/.stamp

$(VENV)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	@touch $@

# --- running --------------------------------------------------------------------------------

run: deps mldeck
	@tests/sandbox/run.sh

test: deps lint mldeck unit fuzz-build
	@FUZZ_BINS="$(FUZZ_BIN)" tests/run_all.sh

# The parser alone on a 10,000-run page, with (bench_parse) and without (bench_parse_nocheck:
# mlflow_check.c stubbed out at link time) the field validation.
BENCH_O := $(O)/bench
bench-build: $(BENCH_O)/bench_parse $(BENCH_O)/bench_parse_nocheck

$(BENCH_O)/bench_parse: tests/bench/bench_parse.c $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBCORE) $(LDFLAGS) $(PKG_LIBS_CORE) -lm

$(BENCH_O)/bench_parse_nocheck: tests/bench/bench_parse.c tests/bench/bench_nocheck.c $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icore $(PKG_CFLAGS_CORE) -o $@ $< tests/bench/bench_nocheck.c $(LIBCORE) \
	    $(LDFLAGS) $(PKG_LIBS_CORE) -lm

bench: deps mldeck bench-build
	@$(VENV)/bin/python tests/bench/bench_runs.py
	@$(VENV)/bin/python tests/bench/bench_drift.py
	@BENCH_BIN=$(BENCH_O) $(VENV)/bin/python tests/bench/bench_parse.py

# Its own objects and binary (build-asan/mldeck): ./mldeck stays the plain build, and an
# ASan binary is never taken for it (nor the other way round) by a timestamp.
ASAN_O := build-asan
asan:
	$(MAKE) O=$(ASAN_O) BIN=$(ASAN_O)/mldeck OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" $(ASAN_O)/mldeck unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    MLDECK_BIN=$(ASAN_O)/mldeck O=$(ASAN_O) FUZZ_TIER=0 tests/run_all.sh

valgrind: mldeck unit
	@tests/valgrind.sh

# libFuzzer targets: the core is compiled once for all of them (instrumented, not linked with
# the fuzzer's main), each target links it with its own entry point.
FUZZ_SECONDS ?= 30
FUZZ_CC ?= clang
FUZZ_O   := $(O)/fuzz
FUZZ_CFLAGS := -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=address,undefined -Iinclude -Icore \
               $(PKG_CFLAGS_CORE) -MMD -MP
FUZZ_CORE_OBJ := $(CORE_SRC:%.c=$(FUZZ_O)/%.o)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_O)/%)

$(FUZZ_CORE_OBJ): $(FUZZ_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_O)/%: tests/fuzz/%.c $(FUZZ_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJ) $(PKG_LIBS_CORE) \
	    -lm -pthread

# `make fuzz` (FUZZ_SECONDS each; the fuzz tier of `make test` runs FUZZ_TEST_SECONDS, 5)
# and `make fuzz-long` (FUZZ_LONG_SECONDS each) share tests/fuzz/run.sh.
FUZZ_LONG_SECONDS ?= 300
fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-long: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_LONG_SECONDS) $(FUZZ_BIN)

# --- checks ------------------------------------------------------------------------------------

# Includes as an allow-list, banned calls, the one caller of mutating slots, the one frame
# path, self-contained public headers, clang-format: tests/lint.sh says which file breaks what.
lint:
	@tests/lint.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mldeck/themes
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mldeck
	install -m 0644 themes/*.yaml $(DESTDIR)$(PREFIX)/share/mldeck/themes/

clean:
	rm -rf $(O) $(ASAN_O) mldeck

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TUI_OBJ:.o=.d) $(FUZZ_CORE_OBJ:.o=.d) $(FUZZ_BIN:=.d)
