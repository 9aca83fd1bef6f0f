
# What a DBA does with the extension, on a cluster of its own: use it from a
# non-superuser role, dump a database whose tables, views and indexes depend on
# it (plain and custom formats), restore the dumps into new databases, get the
# same answers and the same stored states bit for bit there, and drop the
# extension without leaving anything behind.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
my $tmp = PostgreSQL::Test::Utils::tempdir;

$node->safe_psql('postgres', q{
CREATE ROLE cq_analyst LOGIN;
CREATE DATABASE src;
});
$node->safe_psql('src', q{
CREATE EXTENSION conversion_quality;
CREATE TABLE events (event_name text, event_id text, source text, arrived_at timestamptz,
                     email text, phone text);
INSERT INTO events VALUES
  ('Purchase', 'o1', 'pixel',  '2026-01-01 10:00+00', ' Jane.Doe+x@Gmail.com', '020 7183 8750'),
  ('Purchase', 'o1', 'server', '2026-01-01 10:02+00', 'jane.doe@gmail.com', '+44 20 7183 8750'),
  ('Purchase', 'o2', 'server', '2026-01-03 10:00+00', 'not an email', '12'),
  ('Lead', NULL, 'pixel', '2026-01-02 09:00+00', NULL, NULL);
-- an expression index and a view that depend on the extension
CREATE INDEX events_key ON events (cq.dedup_key(event_name, event_id));
CREATE VIEW counted AS
SELECT event_name, source, arrived_at,
       cq.match_key(email, 'email', 'google') AS email_key,
       cq.normalize_phone(phone, 'GB') AS phone,
       cq.dedup_keep(arrived_at) OVER (PARTITION BY cq.dedup_key(event_name, event_id)
                                       ORDER BY arrived_at) AS counts
  FROM events;
GRANT SELECT ON events, counted TO cq_analyst;
-- stored summaries of every type, and views over their rollups and accessors
CREATE TABLE daily (day date PRIMARY KEY, s cq.event_signal NOT NULL, sample cq.rank_sample,
                    funnel cq.funnel_state);
INSERT INTO daily
SELECT date '2026-01-01' + g % 30,
       cq.event_signal(g % 3 = 0, CASE WHEN g % 7 = 0 THEN (g * 0.37) ^ 1.5 ELSE 0 END),
       cq.rank_sample(g * 0.37, CASE WHEN g % 2 = 0 THEN -g / 7.0 ELSE 'Infinity' END),
       cq.funnel_events(timestamptz '2026-01-01' + g * interval '17 minutes', g % 4 = 0, g % 4 = 1,
                        g % 4 = 2)
  FROM generate_series(1, 3000) g
 GROUP BY 1;
CREATE VIEW monthly AS
SELECT date_trunc('month', day) AS month, cq.signal_rollup(s) AS s,
       cq.signal_correlation(cq.signal_rollup(s)) AS r,
       cq.rank_correlation(cq.rank_rollup(sample)) AS rho,
       cq.funnel_stage(cq.funnel_rollup(funnel), interval '1 hour') AS stage
  FROM daily GROUP BY 1;
-- a registered source with a funnel and refreshed reports (src/report.sql): pg_dump keeps the
-- registrations, the funnel definitions and the report tables
CREATE TABLE visits (user_id int, ts timestamptz, name text, revenue numeric, id text);
INSERT INTO visits
SELECT u, timestamptz '2026-01-01' + u * interval '3 hours' + s * interval '20 hours',
       (ARRAY['visit', 'cart', 'purchase'])[s + 1], CASE WHEN s = 2 THEN u % 9 + 1 ELSE 0 END,
       CASE WHEN u % 10 = 0 THEN NULL ELSE u || '-' || s END
  FROM generate_series(1, 400) u, generate_series(0, 2) s WHERE s < 2 OR u % 4 = 0;
INSERT INTO visits SELECT user_id, ts + interval '1 minute', name, revenue, id FROM visits WHERE user_id % 5 = 0;
SELECT cq.register_source('visits', 'visits', 'user_id', 'ts', 'name', 'revenue', 'id');
SELECT cq.define_funnel('buy', 'visits', '{visit,cart,purchase}', '2 days');
SET client_min_messages = warning;
SELECT count(*) FROM cq.refresh();
});

# A non-superuser role can use the functions (schemas cq and cq_internal are usable by PUBLIC)
is($node->safe_psql('src', q{
SET ROLE cq_analyst;
SELECT count(*) FROM counted WHERE counts;
SELECT sum(conversions) FROM cq.dedup_report('events') WHERE is_total;
}), "3\n3", 'a non-superuser counts conversions through a view and cq.dedup_report');

my $view_q = 'SELECT * FROM counted ORDER BY arrived_at, source';
my $states_q = q{SELECT string_agg(day || ' ' || s::text || ' ' || sample::text || ' ' || funnel::text,
                 E'\n' ORDER BY day) FROM daily};
my $rollup_q = 'SELECT s::text, r, rho, stage FROM monthly ORDER BY month';
my $reports_q = q{SELECT (SELECT string_agg(s::text, E'\n' ORDER BY name) FROM cq.event_sources s)
    || E'\n' || (SELECT string_agg(f::text, E'\n' ORDER BY name) FROM cq.funnels f)
    || E'\n' || (SELECT string_agg(q::text, E'\n' ORDER BY event_name) FROM cq.event_quality q)
    || E'\n' || (SELECT string_agg(r::text, E'\n' ORDER BY step) FROM cq.funnel_report r)
    || E'\n' || (SELECT string_agg(h::text, E'\n' ORDER BY day, event_name) FROM cq.tracking_health h)};
my %before = map { $_ => $node->safe_psql('src', $_) } ($view_q, $states_q, $rollup_q, $reports_q);
like($before{$reports_q}, qr/buy,visits,1,visit,400/, 'reports refreshed before the dump');
ok(length($before{$states_q}) > 1000, 'summaries stored');

# Dump in both formats, restore into new databases
my $pg_dump = 'pg_dump';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-Fc', '-f', "$tmp/src.dump" ],
	'pg_dump, custom format');
$node->command_ok([ 'pg_dump', '-d', $node->connstr('src'), '-f', "$tmp/src.sql" ],
	'pg_dump, plain format');
$node->safe_psql('postgres', 'CREATE DATABASE custom; CREATE DATABASE plain');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('custom'), "$tmp/src.dump" ],
	'pg_restore of the custom dump');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('plain'),
		'-f', "$tmp/src.sql" ], 'psql of the plain dump');

# the source database runs the default version; a restore gives that version back
my $version = $node->safe_psql('src',
	"SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality'");
is($version, $node->safe_psql('src',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'conversion_quality'"),
	"the dumped database runs the default version ($version)");
for my $db (qw(custom plain))
{
	is($node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'conversion_quality'"),
		$version, "$db: the extension is restored at version $version");
	for my $q ($view_q, $states_q, $rollup_q, $reports_q)
	{
		is($node->safe_psql($db, $q), $before{$q}, "$db: same result for $q");
	}
	is($node->safe_psql($db, 'SET client_min_messages = warning; SELECT source_name, event_quality_rows FROM cq.refresh()'),
		'visits|3', "$db: the restored source refreshes");
	like($node->safe_psql($db, q{
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM events WHERE cq.dedup_key(event_name, event_id) = cq.dedup_key('Purchase', 'o1');
}), qr/events_key/, "$db: the restored expression index is used");
}

# DROP EXTENSION ... CASCADE removes both schemas and every dependent object
$node->safe_psql('custom', 'SET client_min_messages = warning; DROP EXTENSION conversion_quality CASCADE');
is($node->safe_psql('custom',
		"SELECT count(*) FROM pg_namespace WHERE nspname IN ('cq', 'cq_internal')"),
	'0', 'no schema left behind after DROP EXTENSION');
is($node->safe_psql('custom',
		"SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relname IN ('event_sources', 'funnels') OR c.relname LIKE '%\\_data'"),
	'0', 'no table or policy of the reports left behind');
is($node->safe_psql('custom',
		"SELECT count(*) FROM pg_class WHERE relname IN ('counted', 'events_key', 'monthly')"),
	'0', 'dependent views and index dropped with it');
is($node->safe_psql('custom',
		"SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'daily'::regclass AND attnum > 0 AND NOT attisdropped"),
	'day', 'columns of the extension types dropped with it');

$node->stop;
done_testing();
