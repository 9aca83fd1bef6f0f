#!/usr/bin/env bash
# test/build_citus.sh TARBALL DESTROOT: install Citus, built from TARBALL (a source archive as
# described in ../shared/third_party/citus/SOURCE.md), into the throwaway PostgreSQL tree
# DESTROOT (the harness's private copy, as `make install DESTDIR=DESTROOT` would).
#
# The build takes 2 to 3 minutes on two cores, so its installed files are cached by the
# archive's SHA-256 and the PostgreSQL major version, in $CQ_CACHE_DIR (default
# ~/.cache/conversion_quality): a second run copies them in a second.  A cache entry is used
# only when complete (its stamp is written last).  Nothing is installed into the system's
# PostgreSQL.  Build dependencies (Debian): liblz4-dev libzstd-dev libkrb5-dev libssl-dev,
# which test/harness.sh installs when CITUS_TARBALL is set.
set -euo pipefail

TARBALL=${1:?usage: test/build_citus.sh TARBALL DESTROOT}
DESTROOT=${2:?usage: test/build_citus.sh TARBALL DESTROOT}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config}
[ -f "$TARBALL" ] || { echo "build_citus: $TARBALL not found" >&2; exit 1; }

sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
cache=${CQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/conversion_quality}/citus-${sum:0:16}-pg$major

if [ -f "$cache/complete" ]; then
	echo "build_citus: using the build cached in $cache"
else
	echo "build_citus: building Citus from $(basename "$TARBALL") (sha256 ${sum:0:16}...), about 3 minutes"
	src=$(mktemp -d /tmp/cq_citus_build.XXXXXX)
	trap 'rm -rf "$src"' EXIT
	tar -xzf "$TARBALL" -C "$src"
	dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d | head -1)
	# Debian's PostgreSQL 15 headers declare have_createdb_privilege() themselves, and
	# Citus 13.2.2 defines a static copy for older servers: rename Citus's copy (SOURCE.md).
	sed -i '0,/^have_createdb_privilege(void)/s//citus_have_createdb_privilege_compat(void)/' \
		"$dir/src/include/pg_version_compat.h"
	(cd "$dir" && ./configure PG_CONFIG="$PG_CONFIG" --without-libcurl >"$src/configure.log" 2>&1) ||
		{ tail -30 "$src/configure.log"; exit 1; }
	# no LLVM bitcode: the JIT does without it, and it doubles the build time
	(cd "$dir" && make -j"$(nproc)" with_llvm=no >"$src/make.log" 2>&1) ||
		{ tail -30 "$src/make.log"; exit 1; }
	rm -rf "$cache.tmp"
	mkdir -p "$cache.tmp/tree"
	(cd "$dir" && make with_llvm=no install DESTDIR="$cache.tmp/tree" >"$src/install.log" 2>&1) ||
		{ tail -30 "$src/install.log"; exit 1; }
	rm -rf "$cache"
	mv "$cache.tmp" "$cache"
	touch "$cache/complete"
	echo "build_citus: built and cached in $cache"
fi
cp -a "$cache/tree/." "$DESTROOT/"
