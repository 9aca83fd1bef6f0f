
# Citus: every aggregate of conversion_quality, in every call form, on a table
# (and the attribution states of 1.2: per-user credits and their rollup)
# distributed over two workers, against the same query on a local copy of the
# rows; and every function that reads tables by name (cq.rank_events,
# cq.dedup_report, cq.breakdown, cq.spend_report, cq.adset_readiness, cq.attribute) and every
# report of a registered source (cq.refresh and its views, cq.dedup_explain,
# cq.reconcile) over the demo warehouse distributed, against the plain tables.  Three throwaway nodes on loopback (a coordinator and two workers), the
# extension installed on each; the table is distributed by user_id.
#
# A query grouped by the distribution column runs whole on the workers.  A
# query grouped by anything else makes Citus aggregate partially on the
# workers (worker_partial_agg, shipping the state as text) and combine on the
# coordinator (coord_combine_agg), calling our transition functions without a
# call expression: that is where 1.0's funnel aggregates crashed a worker.
# Here every such form must give the single-node answer with
# worker_partial_agg in its plan, except the VARIADIC "any" forms, which
# Citus's worker_partial_agg refuses by its own type check (it compares the
# arguments with the aggregate's declared types, and "any" is not a type):
# those must fail cleanly, and their Citus-ready equivalents must work.
#
# Skipped, with a visible line, when Citus is not installed in the tree the
# tests run in (test/harness.sh installs it there when CITUS_TARBALL is set).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use CqNodes;
use File::Basename qw(dirname);

my $pkglib = `pg_config --pkglibdir`;
chomp $pkglib;
plan skip_all => "Citus is not installed ($pkglib/citus.so): set CITUS_TARBALL to build it"
  unless -e "$pkglib/citus.so";

# ------------------------------------------------------------------------------------------
# Three nodes
# ------------------------------------------------------------------------------------------
my @nodes = start_loopback_nodes([qw(coordinator worker1 worker2)],
	sub { "shared_preload_libraries = 'citus'\nmax_worker_processes = 16\ncitus.log_remote_commands = off\n" },
	'CREATE EXTENSION citus; CREATE EXTENSION conversion_quality');
my ($coord, @workers) = @nodes;
$coord->safe_psql('postgres',
	"SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ")");
$coord->safe_psql('postgres', "SELECT citus_add_node('127.0.0.1', " . $_->port . ")")
  for @workers;
my %started = start_times(@nodes);

# Events distributed by user, and the same rows in a local table; per-user
# funnel states, stored and distributed too.
my $data = q{
SELECT u AS user_id,
       timestamptz '2024-01-01' + ((u * 7919 + i * 104729) % 40000) * interval '1 minute' AS ts,
       (ARRAY['view', 'cart', 'checkout', 'buy', 'other'])[1 + (u * 31 + i * 17) % 5] AS event_name,
       CASE WHEN (u * 31 + i * 17) % 5 = 3 THEN ((u * 13 + i) % 50)::float8 ELSE 0 END AS revenue
  FROM generate_series(1, 600) u, generate_series(1, 20) i
};
$coord->safe_psql('postgres', qq{
CREATE TABLE events (user_id int, ts timestamptz, event_name text, revenue float8);
SELECT create_distributed_table('events', 'user_id');
INSERT INTO events $data;
CREATE TABLE events_local AS $data;
CREATE TABLE states (user_id int, st cq.funnel_state);
SELECT create_distributed_table('states', 'user_id');
INSERT INTO states SELECT user_id, cq.funnel_events(ts, event_name, 'view', 'cart', 'checkout', 'buy')
  FROM events GROUP BY user_id;
CREATE TABLE states_local AS SELECT * FROM states;
-- stored funnel reports (1.3): one report state per user, merged by cq.funnel_report_rollup
CREATE TABLE report_states (user_id int, r cq.funnel_state);
SELECT create_distributed_table('report_states', 'user_id');
INSERT INTO report_states SELECT user_id, cq.funnel_report_state(st, interval '2 days') FROM states GROUP BY user_id;
CREATE TABLE report_states_local AS SELECT * FROM report_states;
});
is($coord->safe_psql('postgres', 'SELECT count(*) FROM events'), '12000', 'rows distributed');
is($coord->safe_psql('postgres',
		"SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'events'::regclass"),
	'2', 'the shards of events live on both workers');

# ------------------------------------------------------------------------------------------
# Every aggregate, every call form
# ------------------------------------------------------------------------------------------

# The single-node answer from the local copy: $expr over rows of $table, grouped by $group
sub answers
{
	my ($table, $group, $expr) = @_;
	return $coord->safe_psql('postgres',
		"SELECT $group AS g, ($expr)::text FROM $table GROUP BY 1 ORDER BY 1");
}

# Summaries whose value depends on the order rows arrive in are compared through what they
# mean: a rank sample (pairs kept in arrival order) by its exact measures, a signal summary
# (floating-point moments summed in another order) by its counts and figures to 12 digits.
my $sample_reader = 'format(\'%%s %%s %%s\', cq.rank_n(%1$s), cq.rank_correlation(%1$s), cq.auc(%1$s))';
my $signal_reader = 'format(\'%%s %%s %%s %%s %%s\', cq.signal_n(%1$s), cq.signal_n_event(%1$s), '
  . 'cq.signal_n_converted(%1$s), round(cq.signal_correlation(%1$s)::numeric, 12), '
  . 'round(cq.signal_log_t(%1$s)::numeric, 10))';

# $expr over the distributed rows gives the local answer, with partial aggregation pushed
# to the workers (grouped by user_id % 7) and run whole there (grouped by user_id); $reader,
# when given, is how a result is compared (a format with %1$s for the result)
sub check_pushed
{
	my ($name, $expr, $table, $reader) = @_;
	$table //= 'events';
	my $value = defined $reader ? sprintf($reader, $expr) : $expr;
	my $plan = $coord->safe_psql('postgres',
		"EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id % 7, $expr FROM $table GROUP BY 1");
	like($plan, qr/worker_partial_agg/, "$name: partial aggregation pushed to the workers");
	like($plan, qr/coord_combine_agg/, "$name: states combined on the coordinator");
	for my $group ('user_id % 7', 'user_id', 'true')
	{
		my $got = answers($table, $group, $value);
		my $want = answers("${table}_local", $group, $value);
		ok($got eq $want && $got ne '', "$name: grouped by $group, the single-node answer")
		  or diag(substr($got, 0, 300) . "\n  vs\n" . substr($want, 0, 300));
	}
}

my $steps = "event_name = 'view', event_name = 'cart', event_name = 'checkout', event_name = 'buy'";
my $names = "event_name, 'view', 'cart', 'checkout', 'buy'";
for my $mode ('', "'strict_order', ", "'strict_once', ")
{
	for my $ts ('ts', 'ts::timestamp')
	{
		my $label = ($mode eq '' ? 'no mode' : "mode $mode") . ", $ts";
		check_pushed("window_funnel(boolean[]) $label",
			"cq.window_funnel(interval '2 days', $mode$ts, ARRAY[$steps])");
		check_pushed("window_funnel(event names) $label",
			"cq.window_funnel(interval '2 days', $mode$ts, $names)");
		check_pushed("window_funnel(event, VARIADIC ARRAY[names]) $label",
			"cq.window_funnel(interval '2 days', $mode$ts, event_name, VARIADIC ARRAY['view', 'cart'])");
	}
}
for my $ts ('ts', 'ts::timestamp')
{
	check_pushed("funnel_events(boolean[]), $ts", "cq.funnel_events($ts, ARRAY[$steps])");
	check_pushed("funnel_events(event names), $ts", "cq.funnel_events($ts, $names)");
}
check_pushed('funnel_rollup', 'cq.funnel_rollup(st)', 'states');
check_pushed('funnel_report(window)', "cq.funnel_report(st, interval '2 days')", 'states');
check_pushed('funnel_report(window, mode)', "cq.funnel_report(st, interval '2 days', 'strict_order')", 'states');
check_pushed('funnel_report(windows)', "cq.funnel_report(st, ARRAY[interval '1 day', '1 day', '1 day'])", 'states');
check_pushed('funnel_report(windows, mode)',
	"cq.funnel_report(st, ARRAY[interval '1 day', '1 day', '1 day'], 'strict_increase')", 'states');
check_pushed('funnel_report_state(window)', "cq.funnel_report_state(st, interval '2 days')", 'states');
check_pushed('funnel_report_state(window, mode)',
	"cq.funnel_report_state(st, interval '2 days', 'strict_order')", 'states');
check_pushed('funnel_report_state(windows)',
	"cq.funnel_report_state(st, ARRAY[interval '1 day', '1 day', '1 day'])", 'states');
check_pushed('funnel_report_state(windows, mode)',
	"cq.funnel_report_state(st, ARRAY[interval '1 day', '1 day', '1 day'], 'strict_increase')", 'states');
check_pushed('funnel_report_rollup', 'cq.funnel_report_rollup(r)', 'report_states');
# cq.funnel_revenue (1.3) and cq.funnel_conversion_curve (1.4) have an internal state, which
# Citus cannot ship between nodes: they run whole on the workers grouped by user_id, and
# otherwise pull the per-user states to the coordinator and aggregate there; either way the
# single-node answer
for my $rev ("cq.funnel_revenue(st, (user_id * 1.5)::float8, interval '2 days')",
	"cq.funnel_revenue(st, (user_id % 13)::float8, ARRAY[interval '1 day', '1 day', '1 day'], 'strict_order')",
	"cq.funnel_conversion_curve(st, interval '2 days', timestamptz '2024-01-20 00:00+00')",
	"cq.funnel_conversion_curve(st, interval '2 days', timestamptz '2024-01-20 00:00+00', interval '1 hour')")
{
	my ($fn) = $rev =~ /^cq\.(\w+)/;
	for my $group ('user_id % 7', 'user_id', 'true')
	{
		my $got = answers('states', $group, $rev);
		my $want = answers('states_local', $group, $rev);
		ok($got eq $want && $got ne '', "$fn: grouped by $group, the single-node answer")
		  or diag(substr($got, 0, 300) . "\n  vs\n" . substr($want, 0, 300));
	}
}
# the 1.4 aggregates over rows with internal states: conversion curves, holding a property
# constant, paths around a step and the sequence patterns, grouped three ways; and the sequence accessors over the stored states
for my $agg ("cq.window_funnel_by_key(interval '2 days', ((user_id + extract(day FROM ts)::int) % 4)::text, ts, "
	  . "event_name = 'view', event_name = 'cart', event_name = 'checkout', event_name = 'buy')",
	"cq.window_funnel_by_key(interval '2 days', 'strict_order', (extract(day FROM ts)::int % 3)::text, ts, "
	  . "event_name = 'view', event_name = 'cart', event_name = 'checkout')",
	"cq.funnel_next_events(interval '2 days', ts, event_name, 2, 3, event_name = 'view', event_name = 'cart', "
	  . "event_name = 'checkout')",
	"cq.funnel_next_events(interval '2 days', ts, event_name, 1, -2, event_name = 'cart', event_name = 'buy')",
	"cq.conversion_curve(ts, CASE WHEN event_name = 'buy' THEN ts + interval '1 hour' END, "
	  . "timestamptz '2024-01-20 00:00+00', interval '2 days', interval '1 hour')",
	"cq.sequence_match('(?1).*(?2)(?t<=86400)(?3)', ts, event_name = 'view', event_name = 'cart', event_name = 'buy')",
	"cq.sequence_count('(?1).*(?2)', ts, event_name = 'view', event_name = 'buy')",
	"cq.sequence_match_events('(?1)(?t>3600)(?2)', ts, event_name = 'cart', event_name = 'buy')")
{
	my ($fn) = $agg =~ /^cq\.(\w+)/;
	for my $group ('user_id % 7', 'user_id', 'true')
	{
		my $got = answers('events', $group, $agg);
		my $want = answers('events_local', $group, $agg);
		ok($got eq $want && $got ne '', "$fn: grouped by $group, the single-node answer")
		  or diag(substr($got, 0, 300) . "\n  vs\n" . substr($want, 0, 300));
	}
}
is($coord->safe_psql('postgres',
		"SELECT string_agg(user_id || ':' || cq.sequence_count(st, '(?1).*(?4)') || ':' "
		  . "|| cq.sequence_match_events(st, '(?1)(?t<=7200)(?2)')::text || ':' "
		  . "|| cq.funnel_stage_flexible(st, interval '2 days', '{2}', ARRAY[interval '0', '1 hour', '0']), "
		  . "',' ORDER BY user_id) FROM states"),
	$coord->safe_psql('postgres',
		"SELECT string_agg(user_id || ':' || cq.sequence_count(st, '(?1).*(?4)') || ':' "
		  . "|| cq.sequence_match_events(st, '(?1)(?t<=7200)(?2)')::text || ':' "
		  . "|| cq.funnel_stage_flexible(st, interval '2 days', '{2}', ARRAY[interval '0', '1 hour', '0']), "
		  . "',' ORDER BY user_id) FROM states_local"),
	'sequence accessors and cq.funnel_stage_flexible over distributed states: the single-node answer');
# the rollup of the stored report states is the report of the users' states
is($coord->safe_psql('postgres', 'SELECT cq.funnel_report_rollup(r)::text FROM report_states'),
	$coord->safe_psql('postgres', "SELECT cq.funnel_report(st, interval '2 days')::text FROM states_local"),
	'funnel_report_rollup over distributed report states: cq.funnel_report of the users');
check_pushed('retention', "cq.retention(event_name = 'view', event_name = 'cart', event_name = 'buy')");
check_pushed('event_signal', "cq.event_signal(event_name = 'cart', revenue)", undef, $signal_reader);
check_pushed('rank_correlation', 'cq.rank_correlation(user_id, revenue)');
check_pushed('auc', "cq.auc(revenue, event_name = 'buy')");
check_pushed('rank_sample', 'cq.rank_sample(user_id, revenue)', undef, $sample_reader);

# Rollups of stored summaries (two-step): per-user summaries merged across nodes
$coord->safe_psql('postgres', q{
CREATE TABLE sums (user_id int, sig cq.event_signal, sample cq.rank_sample);
SELECT create_distributed_table('sums', 'user_id');
INSERT INTO sums SELECT user_id, cq.event_signal(event_name = 'cart', revenue), cq.rank_sample(ts_epoch, revenue)
  FROM (SELECT *, extract(epoch FROM ts)::float8 AS ts_epoch FROM events) e GROUP BY user_id;
CREATE TABLE sums_local AS SELECT * FROM sums;
});
check_pushed('signal_rollup', 'cq.signal_rollup(sig)', 'sums', $signal_reader);
check_pushed('rank_rollup', 'cq.rank_rollup(sample)', 'sums', $sample_reader);
is(answers('sums', 'user_id % 7', 'cq.rank_correlation(cq.rank_rollup(sample))'),
	answers('sums_local', 'user_id % 7', 'cq.rank_correlation(cq.rank_rollup(sample))'),
	'rank_correlation of rolled-up samples: the single-node answer');

# ------------------------------------------------------------------------------------------
# The VARIADIC "any" forms (separate boolean steps)
# ------------------------------------------------------------------------------------------
for my $form ("cq.window_funnel(interval '2 days', ts, $steps)",
	"cq.window_funnel(interval '2 days', 'strict_order', ts::timestamp, $steps)",
	"cq.funnel_events(ts, $steps)")
{
	# grouped by the distribution column they run whole on the workers
	my $plan = $coord->safe_psql('postgres',
		"EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id, $form FROM events GROUP BY 1");
	unlike($plan, qr/worker_partial_agg/, "$form by user: no partial aggregation needed");
	is(answers('events', 'user_id', $form), answers('events_local', 'user_id', $form),
		"$form by user: the single-node answer");
	# otherwise Citus refuses them, cleanly
	my ($ret, $out, $err) = $coord->psql('postgres',
		"SELECT user_id % 7, $form FROM events GROUP BY 1");
	isnt($ret, 0, "$form by user_id % 7: refused");
	like($err, qr/worker_partial_agg_sfunc could not confirm type correctness/,
		"$form by user_id % 7: Citus's own type check refuses VARIADIC \"any\"");
}
# ... and the two-step route gives the answer there: per-user states, merged
my $two_step = "SELECT user_id % 7 AS g, cq.funnel_stage(cq.funnel_rollup(st), interval '2 days')::text
  FROM (SELECT user_id, cq.funnel_events(ts, $steps) AS st FROM %s GROUP BY user_id) s
 GROUP BY 1 ORDER BY 1";
is($coord->safe_psql('postgres', sprintf($two_step, 'events')),
	$coord->safe_psql('postgres', sprintf($two_step, 'events_local')),
	'separate steps grouped by user_id % 7 through per-user states and funnel_rollup: the single-node answer');
is($coord->safe_psql('postgres', sprintf($two_step, 'events')),
	answers('events_local', 'user_id % 7', "cq.window_funnel(interval '2 days', ts, $steps)"),
	'... which is what window_funnel gives on the same groups');

# The accessors run on the workers, next to the stored states
is($coord->safe_psql('postgres',
		"SELECT sum(cq.funnel_stage(st, interval '2 days')) FROM states"),
	$coord->safe_psql('postgres',
		"SELECT sum(cq.funnel_stage(st, interval '2 days')) FROM states_local"),
	'funnel_stage over distributed states');
# every accessor of a stored funnel state, signal summary and rank sample, per user, on the
# workers: the single-node answer (the summaries here are one user's, built on one node)
my $accessors = "SELECT string_agg(concat_ws('|', s.user_id, cq.funnel_stage(st, interval '2 days'), "
  . "cq.funnel_stage(st, ARRAY[interval '1 day', '1 day', '1 day'], 'strict_order'), "
  . "cq.funnel_step_times(st, interval '2 days')::text, "
  . "cq.funnel_step_times(st, ARRAY[interval '1 day', '1 day', '1 day'], 'strict_increase')::text, "
  . "cq.signal_n(sig), cq.signal_n_event(sig), cq.signal_n_converted(sig), cq.signal_mean(sig, true), "
  . "cq.signal_correlation(sig), cq.signal_p_value(sig), cq.signal_lift(sig), cq.signal_odds_ratio(sig), "
  . "cq.signal_odds_ratio_ci(sig, 0.95)::text, cq.signal_precision(sig), cq.signal_recall(sig), "
  . "cq.signal_revenue_share(sig), cq.signal_log_t(sig), cq.signal_log_df(sig), cq.signal_log_p_value(sig), "
  . "cq.signal_report(sig)::text, cq.rank_correlation(sample), cq.auc(sample), cq.rank_n(sample)), "
  . "E'\\n' ORDER BY s.user_id) FROM %s s JOIN %s m USING (user_id)";
is($coord->safe_psql('postgres', sprintf($accessors, 'states', 'sums')),
	$coord->safe_psql('postgres', sprintf($accessors, 'states_local', 'sums_local')),
	'every accessor of stored states, run on the workers over distributed tables: the answer over the local copy');

# ------------------------------------------------------------------------------------------
# Attribution states (1.2): per-user credits on the workers, summed anywhere
# ------------------------------------------------------------------------------------------
# a buy is a conversion of its revenue; every other event a touch on its event name
my $credits = "cq.attribution_credits(ts, event_name, event_name = 'buy', revenue, 'time_decay', "
  . "'3 days', '1 day')";
my $per_user = "SELECT user_id, ${credits}::text FROM %s GROUP BY user_id ORDER BY user_id";
is($coord->safe_psql('postgres', sprintf($per_user, 'events')),
	$coord->safe_psql('postgres', sprintf($per_user, 'events_local')),
	'attribution_credits grouped by user_id: the single-node answer');
my $credits_plan = $coord->safe_psql('postgres',
	"EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id, $credits FROM events GROUP BY user_id");
unlike($credits_plan, qr/worker_partial_agg/, 'attribution_credits by user: run whole on the workers');
# grouped by anything else, Citus cannot split the (internal) state: it must still answer
# or refuse cleanly, never crash; the groups here are of several users, taken as one
my ($rc, $out, $err) = $coord->psql('postgres',
	"SELECT user_id % 7, ${credits}::text FROM events GROUP BY 1 ORDER BY 1");
ok(($rc == 0 && $out eq answers('events_local', 'user_id % 7', $credits))
	  || ($rc != 0 && $err =~ /ERROR/ && $err !~ /terminated|crash/),
	'attribution_credits grouped by user_id % 7: the single-node answer or a clean error')
  or diag("rc $rc: $err");
$coord->safe_psql('postgres', qq{
CREATE TABLE credit_states (user_id int, s jsonb);
SELECT create_distributed_table('credit_states', 'user_id');
INSERT INTO credit_states SELECT user_id, $credits FROM events GROUP BY user_id;
CREATE TABLE credit_states_local AS SELECT * FROM credit_states;
});
check_pushed('attribution_rollup', 'cq.attribution_rollup(s)', 'credit_states');
is($coord->safe_psql('postgres',
		"SELECT string_agg(format('%s:%s:%s', r.channel, r.conversions, r.value), ',' ORDER BY r.channel) "
		  . "FROM (SELECT cq.attribution_rollup(s) AS s FROM credit_states) t, cq.attribution_rows(t.s) r"),
	$coord->safe_psql('postgres',
		"SELECT string_agg(format('%s:%s:%s', a.channel, a.conversions, a.value), ',' ORDER BY a.channel) "
		  . "FROM (SELECT 1) x, LATERAL (SELECT * FROM cq.attribution_rows((SELECT cq.attribution_rollup(s) "
		  . "FROM credit_states_local))) a"),
	'attribution_rows of the distributed rollup: the single-node rows');

# ------------------------------------------------------------------------------------------
# The functions that read tables by name, and the registered-source reports, over
# distributed tables: the demo warehouse (gen_warehouse.sql, a fifth of its size) twice, in
# schema shop as plain tables and in schema dist distributed by user_id.  These run on the
# coordinator and read the distributed rows through Citus's planner (SPI and a scan into the
# extension's own receiver); every answer must be the plain tables' answer.
# ------------------------------------------------------------------------------------------
my $gen_sql = dirname(__FILE__) . '/../data/gen_warehouse.sql';
my $gen = $coord->safe_psql('postgres', "\\set scale 0.2\n\\i $gen_sql");
like($gen, qr/gen_warehouse: seed 0.5 scale 0.2/, 'the demo warehouse, generated on the coordinator');
$coord->safe_psql('postgres', q{
CREATE SCHEMA dist;
CREATE TABLE dist.web_events (LIKE shop.web_events);
CREATE TABLE dist.lead_events (LIKE shop.lead_events);
SELECT create_distributed_table('dist.web_events', 'user_id');
SELECT create_distributed_table('dist.lead_events', 'user_id');
INSERT INTO dist.web_events SELECT * FROM shop.web_events;
INSERT INTO dist.lead_events SELECT * FROM shop.lead_events;
-- touches and conversions for cq.attribute: views over either schema
CREATE VIEW shop.lead_clicks AS SELECT user_id, event_time, campaign AS channel FROM shop.lead_events WHERE event_name = 'ad_click';
CREATE VIEW dist.lead_clicks AS SELECT user_id, event_time, campaign AS channel FROM dist.lead_events WHERE event_name = 'ad_click';
CREATE VIEW shop.lead_won AS SELECT user_id, event_time, value FROM shop.lead_events WHERE event_name = 'won_deal';
CREATE VIEW dist.lead_won AS SELECT user_id, event_time, value FROM dist.lead_events WHERE event_name = 'won_deal';
-- spend per creative and day, some days unpaid; the orders behind the web purchases
CREATE TABLE lead_spend AS
SELECT d::date AS day, c.creative, 40.00::numeric AS spend
  FROM generate_series('2025-01-01'::date, '2025-04-30', '1 day') d,
       (SELECT DISTINCT creative FROM shop.lead_events WHERE creative IS NOT NULL) c
 WHERE NOT (c.creative = 'roi_calculator' AND d BETWEEN '2025-02-01' AND '2025-02-10');
CREATE TABLE web_orders AS
SELECT DISTINCT ON (event_id) event_id AS order_id, value, event_time AS created_at
  FROM shop.web_events WHERE event_name = 'purchase' AND channel = 'server' AND event_id <> ''
 ORDER BY event_id, event_time;
});
is($coord->safe_psql('postgres',
		"SELECT (SELECT count(*) FROM dist.web_events) = (SELECT count(*) FROM shop.web_events) "
		  . "AND (SELECT count(*) FROM dist.lead_events) = (SELECT count(*) FROM shop.lead_events) "
		  . "AND (SELECT count(*) FROM shop.lead_events) > 3000"),
	't', 'the warehouse distributed: every row on the workers');

# Two texts that are the same but for numbers, which agree to a relative 1e-9 (floating-point
# sums, such as the revenue moments of cq.breakdown, follow the order the rows arrive in,
# which differs between a distributed table and a plain one)
sub same_within
{
	my ($x, $y) = @_;
	my $num = qr/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/i;
	my @xs = split /($num)/, $x;
	my @ys = split /($num)/, $y;
	return 0 unless @xs == @ys;
	for my $i (0 .. $#xs)
	{
		next if $xs[$i] eq $ys[$i];
		return 0 unless $i % 2 == 1;    # odd fields are the numbers
		return 0 if abs($xs[$i] - $ys[$i]) > 1e-9 * (abs($xs[$i]) + abs($ys[$i]) + 1e-300);
	}
	return 1;
}

# $query with %1$s the schema gives the same rows (ordered by their text; each row starts with
# its key) from both schemas, numbers to 1e-9 relative
sub same_rows
{
	my ($name, $query) = @_;
	my $wrap = "SELECT string_agg(r::text, E'\\n' ORDER BY r::text) FROM (" . $query . ") r";
	my $got = $coord->safe_psql('postgres', sprintf($wrap, 'dist'));
	my $want = $coord->safe_psql('postgres', sprintf($wrap, 'shop'));
	ok(same_within($got, $want) && $want ne '', "$name over distributed tables: the single-node answer")
	  or diag(substr($got, 0, 600) . "\n  vs\n" . substr($want, 0, 600));
}
same_rows('cq.rank_events',
	q{SELECT * FROM cq.rank_events('%1$s.web_events', '30 days', value_column => 'value',
	    event_id_column => 'event_id', entry_events => '{ad_click}')});
same_rows('cq.rank_events (lead-gen, conversion event, thresholds)',
	q{SELECT * FROM cq.rank_events('%1$s.lead_events', '60 days', value_column => 'value',
	    conversion_event => 'won_deal', thresholds => '{1,2}', event_id_column => 'event_id')});
same_rows('cq.dedup_report',
	q{SELECT * FROM cq.dedup_report('%1$s.web_events', event_id_column => 'event_id', source_column => 'channel',
	    arrived_at_column => 'received_at')});
for my $rule ("'entry'", "'last_touch'", "'step', step => 'lead_submitted'")
{
	same_rows("cq.breakdown (rule $rule)",
		qq{SELECT * FROM cq.breakdown('%1\$s.lead_events', 'creative', $rule,
		    conversion_event => 'qualified_lead', horizon => '60 days', value_column => 'value')});
}
same_rows('cq.spend_report',
	q{SELECT * FROM cq.spend_report('%1$s.lead_events', 'lead_spend', 'creative', 'lead_submitted',
	    '90 days', min_weekly_volume => 20, event_id_column => 'event_id')});
same_rows('cq.adset_readiness',
	q{SELECT * FROM cq.adset_readiness('%1$s.web_events', 'ad_set', '{add_to_cart,begin_checkout,purchase}',
	    attribution_window => '30 days', min_weekly_volume => 40, observed_until => '2025-03-10',
	    event_id_column => 'event_id')});
for my $model (qw(first_touch last_touch last_non_direct linear position_based time_decay))
{
	# credits are floating-point sums whose last digits depend on the order of the rows
	same_rows("cq.attribute ($model)",
		qq{SELECT channel, round(conversions::numeric, 9), round(value::numeric, 6)
		     FROM cq.attribute('%1\$s.lead_clicks', '%1\$s.lead_won', '$model', '45 days',
		                       value_column => 'value')});
}

# Registered sources over both schemas, refreshed: every report view holds the same rows
$coord->safe_psql('postgres', q{
SET client_min_messages = warning;
SELECT cq.register_source(s || '_web', (s || '.web_events')::regclass, 'user_id', 'event_time', 'event_name',
                          value_column => 'value', event_id_column => 'event_id',
                          source_column => 'channel', entry_events => '{ad_click}',
                          received_at_column => 'received_at',
                          customer_columns => '{"external_id": "user_id"}',
                          dimension_columns => '{campaign,landing_page}')
  FROM unnest(ARRAY['shop', 'dist']) s;
SELECT cq.register_source(s || '_leads', (s || '.lead_events')::regclass, 'user_id', 'event_time', 'event_name',
                          value_column => 'value', event_id_column => 'event_id',
                          source_column => 'channel', entry_events => '{ad_click}',
                          received_at_column => 'received_at', horizon => '60 days',
                          dimension_columns => '{campaign,ad_set,creative}')
  FROM unnest(ARRAY['shop', 'dist']) s;
SELECT cq.define_funnel(s || '_checkout', s || '_web', '{view_item,add_to_cart,begin_checkout,purchase}', '1 day')
  FROM unnest(ARRAY['shop', 'dist']) s;
SELECT cq.define_funnel(s || '_pipeline', s || '_leads',
                        '{form_start,lead_submitted,qualified_lead,booked_call,won_deal}', '60 days')
  FROM unnest(ARRAY['shop', 'dist']) s;
});
my $refreshed = $coord->safe_psql('postgres',
	"SELECT string_agg(format('%s:%s:%s:%s', source_name, rows_read, event_quality_rows, funnel_report_rows), ' ' "
	  . "ORDER BY source_name) FROM cq.refresh()");
my %read = $refreshed =~ /(\w+):(\d+):\d+:\d+/g;
ok((grep { defined $read{$_} && $read{$_} > 0 } qw(dist_web shop_web dist_leads shop_leads)) == 4
	  && $read{dist_web} == $read{shop_web} && $read{dist_leads} == $read{shop_leads},
	'cq.refresh read every row of the distributed sources') or diag($refreshed);
# a view's rows of source $s, without the source's name and refresh time
for my $view (qw(event_quality funnel_report tracking_health match_quality campaign_quality))
{
	my $cols = report_columns($coord, $view);
	same_rows("cq.refresh, then cq.$view",
		"SELECT $cols FROM cq.$view WHERE source IN ('%1\$s_web', '%1\$s_leads')");
}
is($coord->safe_psql('postgres',
		"SELECT count(*) FROM cq.tracking_health WHERE source = 'dist_web'") > 0 ? 'rows' : 'none',
	'rows', 'the distributed source has tracking health rows');
same_rows('cq.dedup_explain(source)', q{SELECT * FROM cq.dedup_explain('%1$s_web')});
same_rows('cq.reconcile', q{SELECT * FROM cq.reconcile('%1$s_web', 'web_orders')});
# daily states need triggers on the table, which Citus does not run on distributed tables
# unless told to (citus.enable_unsafe_triggers): refused with an error, nothing half-done
my ($drc, $dout, $derr) = $coord->psql('postgres', "SELECT cq.enable_daily_states('dist_web')");
ok($drc != 0 && $derr =~ /ERROR:  triggers are not supported on distributed tables/,
	'cq.enable_daily_states on a distributed table: refused by Citus, cleanly') or diag("rc $drc: $derr");

# ------------------------------------------------------------------------------------------
# Nothing crashed
# ------------------------------------------------------------------------------------------
check_nothing_crashed(\%started, @nodes);

$_->stop for @nodes;
done_testing();
