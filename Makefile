# raslog - build, run, test and benchmark.
#
#   make run     install missing Debian packages (as root), build, seed a
#                demo database in var/ and serve on 127.0.0.1:8080
#   make test    the whole suite, built with ASan+UBSan
#   make bench   benchmarks (bench/README.md); make bench-full at full scale
#   make fuzz    longer libFuzzer runs
#
# Every build lands in $(BUILD); the release build also copies the two
# programs to bin/.  Sources are found by wildcard, so adding a file to
# a layer of core/ (core/base, store, ledger, domain, render, app), to
# server/ or to cli/ needs no change here; tools/check-layers.sh checks
# that each core file includes only its own layer and those below.

CC       ?= cc
BUILD    ?= build/release
SANITIZE ?=
PKGS     := sqlite3 libpq libsodium libmicrohttpd jansson libcurl libqrencode zlib libfido2 libcbor openssl
# inih (libinih-dev) reads raslogd's config file; built without it,
# raslogd refuses --config with a sentence saying so.
ifeq ($(shell pkg-config --exists inih 2>/dev/null && echo yes),yes)
PKGS     += inih
PKG_DEFS := -DRASLOG_HAVE_INIH
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(PKG_DEFS)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
            -Wno-unused-parameter -Werror
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Icore -I$(BUILD)/gen $(PKG_CFLAGS) -pthread -MMD -MP
LDLIBS   := $(PKG_LIBS) -lhpdf -lcsv -pthread -lm

ifneq ($(SANITIZE),)
# A sanitizer build is a checked build: store/db.c also checks that cached SQL never changes in place.
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all -DRL_CHECK_STMT_TEXT
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

CORE_SRC   := $(wildcard core/*/*.c)
SERVER_SRC := $(wildcard server/*.c)
CLI_SRC    := $(wildcard cli/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c) $(wildcard tests/unit/*_tool.c)
EMBED_IN   := $(sort $(wildcard schema/*.sql)) $(sort $(wildcard schema/postgresql/*.sql)) schema/tools.json $(sort $(wildcard schema/curricula/*.json)) web/openapi.json

CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/embedded.o $(BUILD)/gen/codes_tables.o $(BUILD)/gen/kinds_table.o
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/cli/optspec.o
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIBCORE    := $(BUILD)/libraslog.a

.PHONY: all programs run test test-unit test-api bench bench-full fuzz deps clean install
all: programs
	@mkdir -p bin
	@cp $(BUILD)/bin/raslogd $(BUILD)/bin/raslog bin/

programs: $(BUILD)/bin/raslogd $(BUILD)/bin/raslog $(BUILD)/routes.ok

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/gen/embedded.c: tools/embed.sh $(EMBED_IN)
	@mkdir -p $(dir $@)
	sh tools/embed.sh $(EMBED_IN) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/embedded.o: $(BUILD)/gen/embedded.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The vocabularies (codes.h's tables) from schema/codes.json, their one source.
$(BUILD)/gen/codes_tables.c: tools/gen-codes.sh schema/codes.json
	@mkdir -p $(dir $@)
	sh tools/gen-codes.sh c schema/codes.json > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/codes_tables.o: $(BUILD)/gen/codes_tables.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The table of statement kinds (ledger/kinds.h rl_kinds[]) from schema/kinds.json,
# its one source (web/js/kinds.js is the same table for the web page's checker).
$(BUILD)/gen/kinds_table.c: tools/gen-kinds.sh schema/kinds.json
	@mkdir -p $(dir $@)
	sh tools/gen-kinds.sh c schema/kinds.json > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/kinds_table.o: $(BUILD)/gen/kinds_table.c core/ledger/kinds.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The layer rule (tools/check-layers.sh) is checked before the library is archived.
$(BUILD)/layers.ok: tools/check-layers.sh $(wildcard core/*/*.c core/*/*.h)
	@mkdir -p $(dir $@)
	@sh tools/check-layers.sh && touch $@

$(LIBCORE): $(CORE_OBJ) $(BUILD)/layers.ok
	rm -f $@
	ar rcs $@ $(CORE_OBJ)

# The route table and the OpenAPI description agree (method, path, credentials,
# body): raslogd check-routes compares its own table with its embedded copy.
$(BUILD)/routes.ok: $(BUILD)/bin/raslogd web/openapi.json
	$(BUILD)/bin/raslogd check-routes && touch $@

$(BUILD)/bin/raslogd: $(SERVER_OBJ) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(SERVER_OBJ) $(LIBCORE) $(LDLIBS)

$(BUILD)/bin/raslog: $(CLI_OBJ) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBCORE) $(LDLIBS)

# Unit tests link the library and the demo seeder (server/demo.c), which
# test_verify uses to build a realistic ledger.
$(BUILD)/tests/%: tests/unit/%.c $(LIBCORE) $(BUILD)/server/demo.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/server/demo.o $(LIBCORE) $(LDFLAGS) $(LDLIBS) -lcmocka

unit-bins: $(UNIT_BIN)

deps:
	@sh tools/deps.sh

run: deps
	@$(MAKE) --no-print-directory -j2 all
	@sh tools/run-demo.sh

# The suite: a sanitizer build of everything, then every layer of tests.
test: deps
	@$(MAKE) --no-print-directory -j2 BUILD=build/san SANITIZE=address,undefined CFLAGS="-O1 -g" programs unit-bins
	@sh tests/run.sh build/san

bench: deps
	@$(MAKE) --no-print-directory -j2 all
	@sh bench/run.sh

# The full-scale data set (10,000 trainees, 1,000,000 signed sessions):
# the scenarios that depend on scale, 2 runs of 4 s each (seeding alone
# takes about 9 minutes on an idle 2-core box; the seeder shows its
# progress).  BENCH_SEEDED=DIR keeps the seeded data set in DIR and
# reuses it on the next run instead of seeding again (bench/README.md).
bench-full: deps
	@$(MAKE) --no-print-directory -j2 all
	@BENCH_SCALE=full BENCH_ONLY="$${BENCH_ONLY:-3 4 6 7 8}" BENCH_RUNS="$${BENCH_RUNS:-2}" \
		BENCH_DURATION="$${BENCH_DURATION:-4}" sh bench/run.sh

fuzz: deps
	@sh tests/fuzz/run.sh long

clean:
	rm -rf build bin

# make install [PREFIX=/usr/local] [DESTDIR=] [BIN=bin]: copies the programs
# already built in $(BIN) (never rebuilds: run 'make all' first), the web
# page, the man pages, the systemd units (server, nightly backup) and the
# sysusers file, and the example
# config (kept if one is already there).  Paths inside the unit and the
# example config follow PREFIX.
PREFIX     ?= /usr/local
BIN        ?= bin
SYSCONFDIR ?= /etc
ifeq ($(PREFIX),/usr)
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
else
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
endif
INSTALL_SED = sed -e 's|/usr/local/|$(PREFIX)/|g' -e 's|/etc/raslog/|$(SYSCONFDIR)/raslog/|g'

install:
	@test -x $(BIN)/raslogd -a -x $(BIN)/raslog || { echo "make install: no programs in $(BIN)/; run 'make all' first" >&2; exit 1; }
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/raslog/web $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/raslog
	install -m 0755 $(BIN)/raslogd $(BIN)/raslog $(DESTDIR)$(PREFIX)/bin/
	cd web && find . -type d -exec install -d -m 0755 '$(abspath $(DESTDIR)$(PREFIX))/share/raslog/web/{}' ';' \
		-o -type f -exec install -m 0644 '{}' '$(abspath $(DESTDIR)$(PREFIX))/share/raslog/web/{}' ';'
	install -m 0644 man/raslog.1 $(DESTDIR)$(PREFIX)/share/man/man1/raslog.1
	install -m 0644 man/raslogd.8 $(DESTDIR)$(PREFIX)/share/man/man8/raslogd.8
	for u in raslogd.service raslogd-backup.service raslogd-backup.timer; do \
		$(INSTALL_SED) deploy/$$u > $(DESTDIR)$(UNITDIR)/$$u.tmp && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		mv $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 deploy/raslog.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/raslog.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/raslog/raslogd.conf ]; then \
		echo "make install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/raslog/raslogd.conf"; \
	else \
		$(INSTALL_SED) deploy/raslogd.conf > $(DESTDIR)$(SYSCONFDIR)/raslog/raslogd.conf.tmp && \
		chmod 0644 $(DESTDIR)$(SYSCONFDIR)/raslog/raslogd.conf.tmp && \
		mv $(DESTDIR)$(SYSCONFDIR)/raslog/raslogd.conf.tmp $(DESTDIR)$(SYSCONFDIR)/raslog/raslogd.conf; \
	fi

-include $(shell find build -name '*.d' 2>/dev/null)
