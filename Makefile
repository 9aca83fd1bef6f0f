# conversion_quality: PGXS build
#
# Build and install into an existing PostgreSQL:   make && make install
# Whole set-up, throwaway cluster, sample report:  make demo
# Whole set-up, throwaway cluster, every suite:    make test
# libFuzzer harnesses, FUZZ_SECONDS each (60):      make fuzz
# pg_regress with the server under valgrind:        make valgrind

EXTENSION = conversion_quality
MODULE_big = conversion_quality
PGFILEDESC = "conversion_quality - event dedup, funnel progression and signal quality"

OBJS = \
	src/conversion_quality.o \
	src/utf8_core.o \
	src/text_util.o \
	src/key_encoding.o \
	src/sha256_util.o \
	src/email_core.o \
	src/identifier_core.o \
	src/identity_email.o \
	src/identity_phone.o \
	src/phone_shim.o \
	src/identity_fields.o \
	src/match_key.o \
	src/dedup_key.o \
	src/event_fingerprint.o \
	src/dedup_keep.o \
	src/state_codec.o \
	src/funnel_state.o \
	src/funnel.o \
	src/retention.o \
	src/signal_quality.o \
	src/rank_measures.o \
	src/rank_events.o

DATA = \
	conversion_quality--1.0.sql

REGRESS = \
	identity \
	match_key \
	dedup_key \
	event_fingerprint \
	dedup_keep \
	dedup_report \
	dedup_real_data \
	dedup_bad_input \
	readme_examples \
	funnel \
	funnel_modes \
	funnel_state \
	funnel_partial_agg \
	funnel_readme \
	funnel_report \
	funnel_exclusions funnel_packed funnel_names \
	signal_quality \
	signal_state \
	signal_partial_agg \
	rank_measures \
	rank_events \
	signal_readme \
	fuzz_regressions \
	bad_input_matrix \
	surface

REGRESS_OPTS = --load-extension=conversion_quality

# libphonenumber is C++; the shim in src/phone_shim.cpp is the only C++ file.
SHLIB_LINK += -lphonenumber -licuuc -lstdc++

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)

# The C++ shim needs C++11 or later (libphonenumber's headers).
override CXXFLAGS += -std=c++14
else
# PostgreSQL's build files are not installed yet (a fresh machine): only
# `make demo` and `make test` work here, and they install them first.
all install installcheck:
	@echo "pg_config ($(PG_CONFIG)) not found: install postgresql-server-dev-15, or run 'make demo' / 'make test' as root, which install it" >&2
	@exit 1
endif

.PHONY: demo test bench fuzz valgrind
demo:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh demo

test:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh test

bench:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh bench

fuzz:
	@FUZZ_SECONDS='$(FUZZ_SECONDS)' bash test/harness.sh fuzz

valgrind:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh valgrind
