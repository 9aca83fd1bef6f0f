# Sourced by the benchmarks under test/bench/ (not run by itself: `make bench` runs bench_*.sh).
#
# bench_database NAME: a fresh database NAME with the extension, made the default (PGDATABASE),
# with a function median_ms(sql text, runs int) that runs sql once to warm up, then `runs`
# times, and returns the median wall time in milliseconds.  Defines q: psql, quiet, stopping at
# the first error.
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

bench_database() {
	dropdb --if-exists "$1" >/dev/null 2>&1 || true
	createdb "$1"
	export PGDATABASE=$1
	q -c 'CREATE EXTENSION conversion_quality'
	q <<'SQL'
CREATE FUNCTION median_ms(sql text, runs int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    times float8[] := '{}';
BEGIN
    EXECUTE sql;
    FOR i IN 1 .. runs LOOP
        t0 := clock_timestamp();
        EXECUTE sql;
        times := times || extract(epoch FROM clock_timestamp() - t0) * 1000;
    END LOOP;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x);
END $$;
SQL
}
