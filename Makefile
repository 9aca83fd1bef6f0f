# conversion_quality: PGXS build
#
# Build and install into an existing PostgreSQL:   make && make install
# Whole set-up, throwaway cluster, sample report:  make demo
# Whole set-up, throwaway cluster, every suite:    make test

EXTENSION = conversion_quality
MODULE_big = conversion_quality
PGFILEDESC = "conversion_quality - event dedup, funnel progression and signal quality"

OBJS = \
	src/conversion_quality.o \
	src/text_util.o \
	src/sha256_util.o \
	src/identity_email.o \
	src/identity_phone.o \
	src/phone_shim.o \
	src/identity_fields.o \
	src/match_key.o \
	src/dedup_key.o \
	src/event_fingerprint.o \
	src/dedup_keep.o \
	src/funnel_state.o \
	src/funnel.o \
	src/retention.o

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
	funnel_exclusions

# The foundation commit lists regression tests whose sql/ files are not in
# the repository yet.  pg_regress stops at the first missing file, so the
# missing ones are skipped here, loudly, until they are added; every test
# whose sql/ file exists still runs, in the order of the list above.
REGRESS_MISSING := $(foreach t,$(REGRESS),$(if $(wildcard $(dir $(firstword $(MAKEFILE_LIST)))sql/$(t).sql),,$(t)))
ifneq ($(strip $(REGRESS_MISSING)),)
$(info note: skipping regression tests without sql/ files: $(REGRESS_MISSING))
REGRESS := $(filter-out $(REGRESS_MISSING),$(REGRESS))
endif

# libphonenumber is C++; the shim in src/phone_shim.cpp is the only C++ file.
SHLIB_LINK += -lphonenumber -licuuc -lstdc++

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The C++ shim needs C++11 or later (libphonenumber's headers).
override CXXFLAGS += -std=c++14

.PHONY: demo test bench
demo:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh demo

test:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh test

bench:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh bench
