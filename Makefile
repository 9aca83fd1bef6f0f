# conversion_quality: PGXS build
#
# Build and install into an existing PostgreSQL:   make && make install
# Whole set-up, throwaway cluster, sample report:  make demo
# Whole set-up, throwaway cluster, every suite:    make test
#   ... with the Citus suite (Citus built, cached):  make test CITUS_TARBALL=path/to/citus-X.Y.Z.tar.gz
# libFuzzer harnesses, FUZZ_SECONDS each (60):      make fuzz
# pg_regress with the server under valgrind:        make valgrind

EXTENSION = conversion_quality
MODULE_big = conversion_quality
PGFILEDESC = "conversion_quality - event dedup, funnel progression and signal quality"

# One capability = one header + files named by role + one SQL source (README,
# "Layout").  Shared pieces first: the module, the codec and text helpers.
OBJS = \
	src/conversion_quality.o \
	src/codec.o \
	src/utf8_core.o \
	src/text_util.o \
	src/intern.o \
	src/key_encoding.o \
	src/sha256_util.o \
	src/email_core.o \
	src/identifier_core.o \
	src/identity_email.o \
	src/identity_phone.o \
	src/identity_fields.o \
	src/identity_match_key.o \
	src/phone_shim.o \
	src/dedup_key.o \
	src/dedup_fingerprint.o \
	src/dedup_keep.o \
	src/dedup_report.o \
	src/funnel.o \
	src/funnel_args.o \
	src/funnel_state.o \
	src/funnel_scan.o \
	src/funnel_scan_once.o \
	src/funnel_report.o \
	src/funnel_count.o \
	src/funnel_revenue.o \
	src/funnel_survival.o \
	src/funnel_key.o \
	src/funnel_paths.o \
	src/funnel_flex.o \
	src/sequence.o \
	src/sequence_pattern.o \
	src/funnel_retention.o \
	src/funnel_codec.o \
	src/signal.o \
	src/signal_core.o \
	src/signal_dist.o \
	src/signal_codec.o \
	src/rank.o \
	src/rank_codec.o \
	src/rank_accum.o \
	src/rank_events.o \
	src/diagnostics_scan.o \
	src/attribution_rules.o \
	src/attribution_credit.o \
	src/attribution_agg.o \
	src/attribution_scan.o

# The current version's install script is built from the SQL sources, in this
# order; released scripts and upgrade scripts are files of their own.
EXTVERSION = 1.5
SQL_SOURCES = \
	src/conversion_quality.sql \
	src/identity.sql \
	src/dedup.sql \
	src/funnel.sql \
	src/funnel_rollup.sql \
	src/funnel_count.sql \
	src/funnel_revenue.sql \
	src/funnel_survival.sql \
	src/funnel_key.sql \
	src/funnel_paths.sql \
	src/funnel_flex.sql \
	src/sequence.sql \
	src/signal.sql \
	src/rank.sql \
	src/report.sql \
	src/diagnostics.sql \
	src/diagnostics_scan.sql \
	src/attribution.sql \
	src/breakdown.sql \
	src/readiness.sql \
	src/spend.sql \
	src/register.sql \
	src/campaign.sql \
	src/refresh.sql \
	src/daily.sql

# Released install scripts never change.  1.0's is a file of its own; 1.1's to 1.4's, and
# the updates 1.0 -> 1.1 up to 1.3 -> 1.4, are kept in src/released/ as they were released
# and pass through SQL_FILTER like the current script (PostgreSQL 13/14).  The update to
# 1.5 is its own steps followed by what 1.5 replaces, taken from the same source as the
# install (src/refresh.sql, CREATE OR REPLACE).
DATA_built = \
	conversion_quality--$(EXTVERSION).sql \
	conversion_quality--1.4.sql \
	conversion_quality--1.3.sql \
	conversion_quality--1.2.sql \
	conversion_quality--1.1.sql \
	conversion_quality--1.0--1.1.sql \
	conversion_quality--1.1--1.2.sql \
	conversion_quality--1.2--1.3.sql \
	conversion_quality--1.3--1.4.sql \
	conversion_quality--1.4--1.5.sql
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
	funnel_exclusions \
	funnel_packed \
	funnel_names \
	funnel_any \
	funnel_count \
	funnel_revenue \
	funnel_survival \
	funnel_key \
	funnel_paths \
	funnel_flex \
	sequence \
	partitionwise \
	funnel_hardening \
	signal_quality \
	signal_state \
	signal_partial_agg \
	rank_measures \
	rank_events \
	report \
	dedup_explain \
	reconcile \
	attribute \
	breakdown \
	readiness \
	spend \
	campaign \
	daily \
	signal_readme \
	fuzz_regressions \
	bad_input_matrix \
	surface \
	upgrade

REGRESS_OPTS = --load-extension=conversion_quality

# libphonenumber and Boost.Math are C++: each is reached through one shim
# (src/phone_shim.cpp, src/signal_dist.cpp) that never lets an exception out.
SHLIB_LINK += -lphonenumber -licuuc -lstdc++

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)

# The C++ shims need C++11 or later (libphonenumber's and Boost's headers).
override CXXFLAGS += -std=c++14

# Views WITH (security_invoker = true) need PostgreSQL 15; on 13 and 14 the
# option is left out (the views filter rows by the reader's privileges anyway).
ifneq ($(filter 13 14,$(MAJORVERSION)),)
SQL_FILTER = sed -e 's/ WITH (security_invoker = true)//'
else
SQL_FILTER = cat
endif

conversion_quality--$(EXTVERSION).sql: $(SQL_SOURCES)
	cat $^ | $(SQL_FILTER) > $@

conversion_quality--1.4.sql: src/released/conversion_quality--1.4.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.3.sql: src/released/conversion_quality--1.3.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.2.sql: src/released/conversion_quality--1.2.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.1.sql: src/released/conversion_quality--1.1.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.0--1.1.sql: src/released/conversion_quality--1.0--1.1.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.1--1.2.sql: src/released/conversion_quality--1.1--1.2.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.2--1.3.sql: src/released/conversion_quality--1.2--1.3.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.3--1.4.sql: src/released/conversion_quality--1.3--1.4.sql
	$(SQL_FILTER) < $< > $@

conversion_quality--1.4--1.5.sql: src/update--1.4--1.5.sql src/refresh.sql
	cat $^ | $(SQL_FILTER) > $@

# PGXS tracks no header dependencies: rebuild every object when a header changes
$(OBJS): $(wildcard src/*.h)
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
	@PG_CFLAGS='$(PG_CFLAGS)' CITUS_TARBALL='$(CITUS_TARBALL)' bash test/harness.sh test

bench:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh bench

fuzz:
	@FUZZ_SECONDS='$(FUZZ_SECONDS)' bash test/harness.sh fuzz

valgrind:
	@PG_CFLAGS='$(PG_CFLAGS)' bash test/harness.sh valgrind
