# Sourced by the benchmarks under test/bench/ (not run by itself: `make bench` runs bench_*.sh).
#
# bench_database NAME: a fresh database NAME with the extension, made the default (PGDATABASE),
# with a function median_ms(sql text, runs int) that runs sql once to warm up, then `runs`
# times, and returns the median wall time in milliseconds, and a function
# bench_ms(queries text[], runs int) that runs the queries in turn, `runs` rounds, and returns
# the median wall time of each (ms) after one uncounted round that warms the caches: the
# queries alternate within a round, so that load from other processes hits them alike, and
# each result is consumed in the server.  Defines q: psql, quiet, stopping at
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
CREATE FUNCTION bench_ms(queries text[], runs int) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    times float8[] := array_fill(0::float8, ARRAY[array_length(queries, 1), runs]);
    res float8[] := '{}';
    dummy bigint;
BEGIN
    -- one round to warm the caches, not counted
    FOR r IN 0 .. runs LOOP
        FOR i IN 1 .. array_length(queries, 1) LOOP
            t0 := clock_timestamp();
            -- (the row test keeps every output column: unused ones would not be computed)
            EXECUTE 'SELECT count(*) FROM (' || queries[i] || ') q WHERE q IS NOT NULL' INTO dummy;
            IF r > 0 THEN
                times[i][r] := extract(epoch FROM clock_timestamp() - t0) * 1000;
            END IF;
        END LOOP;
    END LOOP;
    FOR i IN 1 .. array_length(queries, 1) LOOP
        res := res || (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY times[i][r])
                         FROM generate_series(1, runs) r);
    END LOOP;
    RETURN res;
END $$;
SQL
}
