
# postgres_fdw: scaling out with nothing but PostgreSQL.  Three throwaway
# nodes on loopback (a coordinator and two shards), the extension installed on
# each and postgres_fdw on the coordinator.  On the coordinator, events is
# hash-partitioned by user_id and its two partitions are foreign tables on the
# shards; the foreign servers list conversion_quality in their "extensions"
# option, which is what lets postgres_fdw send our functions to the shards.
# A local table on the coordinator holds the same rows: the single-node answer.
#
# What is checked, and why:
# - with enable_partitionwise_aggregate, per-user aggregates (grouped by the
#   partition key) run on the shards: EXPLAIN VERBOSE shows one Foreign Scan
#   per partition whose Remote SQL holds the cq aggregate and GROUP BY, and no
#   local aggregation; every answer is the single-node answer;
# - without the "extensions" option the same query aggregates on the
#   coordinator (the option is what makes them shippable);
# - what does not ship, as observed on PostgreSQL 15: partial aggregates
#   (grouped by anything but the partition key: user_id % 7, a constant), an
#   aggregate over a ts::timestamp cast (stable: depends on TimeZone), an
#   aggregate whose only text arguments are constants (a mode, a pattern: its
#   input collation comes from no column of the foreign table), and the
#   aggregates whose result is an array of one of our composite types
#   (cq.funnel_report and others: the implicit array type is not a member of
#   the extension); each still gives the single-node answer, computed on the
#   coordinator;
# - the two-step route: per-user states (cq.funnel_events, cq.event_signal,
#   cq.funnel_report_state) computed on the shards, pushed down from the
#   coordinator or stored in tables on the shards, merged on the coordinator
#   with the rollup aggregates, grouped in total and by user_id % 7, give
#   exactly the answer computed directly from the local rows;
# - no node restarted and no backend died.
#
# Skipped, with a visible line, when postgres_fdw is not installed in the tree
# the tests run in.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use CqNodes;

my $pkglib = `pg_config --pkglibdir`;
chomp $pkglib;
plan skip_all => "postgres_fdw is not installed ($pkglib/postgres_fdw.so)"
  unless -e "$pkglib/postgres_fdw.so";

# ------------------------------------------------------------------------------------------
# Three nodes
# ------------------------------------------------------------------------------------------
my @nodes = start_loopback_nodes([qw(coordinator shard1 shard2)],
	sub { $_[0] eq 'coordinator' ? "enable_partitionwise_aggregate = on\n" : '' },
	'CREATE EXTENSION conversion_quality');
my ($coord, @shards) = @nodes;
my %started = start_times(@nodes);

# On each shard a plain table for its partition's rows
$_->safe_psql('postgres', 'CREATE TABLE events (user_id int, ts timestamptz, event_name text, revenue float8)')
  for @shards;

# On the coordinator: a server per shard, events partitioned by hash of user_id into two
# foreign tables (remainder k lives on shard k+1); rows inserted through the partitioned
# table, so PostgreSQL's own tuple routing decides where each row goes
my $user = $coord->safe_psql('postgres', 'SELECT current_user');
# batched inserts into the shards (postgres_fdw's batch_size exists from PostgreSQL 14)
my $batch = $coord->safe_psql('postgres', 'SHOW server_version_num') >= 140000 ? ", batch_size '1000'" : '';
my $setup = "CREATE EXTENSION postgres_fdw;\n"
  . "CREATE TABLE events (user_id int, ts timestamptz, event_name text, revenue float8) PARTITION BY HASH (user_id);\n";
for my $k (0, 1)
{
	my $server = 'shard' . ($k + 1);
	my $port = $shards[$k]->port;
	$setup .= qq{
CREATE SERVER $server FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '$port', dbname 'postgres', extensions 'conversion_quality'$batch);
CREATE USER MAPPING FOR CURRENT_USER SERVER $server OPTIONS (user '$user');
CREATE FOREIGN TABLE events_$k PARTITION OF events FOR VALUES WITH (MODULUS 2, REMAINDER $k)
  SERVER $server OPTIONS (table_name 'events');
};
}
# Deterministic rows (hashint4 of user and row number): 600 users, 20 events each over two
# weeks, so that a two-day funnel of four steps ends at every stage from 0 to 4
my $data = q{
SELECT u AS user_id,
       timestamptz '2024-01-01' + (abs(hashint4(u * 100 + i)) % 20000) * interval '1 minute' AS ts,
       (ARRAY['view', 'cart', 'checkout', 'buy', 'other'])[1 + abs(hashint4(-u * 100 - i)) % 5] AS event_name,
       CASE WHEN abs(hashint4(-u * 100 - i)) % 5 = 3 THEN (abs(hashint4(u * 100 + i + 50)) % 50)::float8 ELSE 0 END AS revenue
  FROM generate_series(1, 600) u, generate_series(1, 20) i
};
$coord->safe_psql('postgres', qq{$setup
INSERT INTO events $data;
CREATE TABLE events_local AS $data;
});
is($coord->safe_psql('postgres', 'SHOW enable_partitionwise_aggregate'), 'on', 'partitionwise aggregation on');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM events'), '12000', '12000 rows through the foreign partitions');
is($coord->safe_psql('postgres', "SELECT string_agg(s || ':' || n, ' ' ORDER BY s) FROM (SELECT s, count(*) AS n FROM "
		  . "(SELECT cq.window_funnel(interval '2 days', ts, event_name, 'view', 'cart', 'checkout', 'buy') AS s "
		  . 'FROM events_local GROUP BY user_id) f GROUP BY s) c'),
	'0:8 1:130 2:295 3:136 4:31', 'the generated users end at every stage of the funnel');

# Each shard holds exactly the rows of its hash partition (compared row by row)
my $digest = "SELECT count(*) || ' ' || count(DISTINCT user_id) || ' ' || md5(string_agg(format('%%s|%%s|%%s|%%s', "
  . "user_id, extract(epoch FROM ts), event_name, revenue), ',' ORDER BY user_id, ts, event_name, revenue)) "
  . "FROM %s";
for my $k (0, 1)
{
	my $got = $shards[$k]->safe_psql('postgres', sprintf($digest, 'events'));
	my $want = $coord->safe_psql('postgres',
		sprintf($digest, "events_local WHERE satisfies_hash_partition('events'::regclass, 2, $k, user_id)"));
	ok($got eq $want && $got =~ /^[1-9]\d* [1-9]\d* /,
		'shard' . ($k + 1) . ": exactly the rows of hash partition $k")
	  or diag("$got\n  vs\n$want");
}

# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------
sub plan_of
{
	my ($sql) = @_;
	return $coord->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) $sql");
}

sub remote_sql
{
	my ($plan) = @_;
	return $plan =~ /Remote SQL: (.*)$/mg;
}

# A plan node that aggregates on the coordinator (HashAggregate, Partial GroupAggregate, ...);
# "Relations: Aggregate on (...)" is the pushed-down aggregation of a Foreign Scan, not one
my $local_agg = qr/^\s*(?:->\s+)?(?:Finalize |Partial )?(?:Hash|Group|Mixed)?Aggregate\s*$/m;

# The rows of a query, sorted here (the query is run exactly as its plan was checked)
sub rows_of
{
	my ($sql) = @_;
	return join("\n", sort split /\n/, $coord->safe_psql('postgres', $sql));
}

sub same
{
	my ($name, $got, $want) = @_;
	ok($got eq $want && $got ne '', $name)
	  or diag(substr($got, 0, 400) . "\n  vs\n" . substr($want, 0, 400));
}

# Signal summaries: their counts are exact, but their floating-point moments are sums whose
# last bits depend on the order rows (or per-user summaries) are added in, which differs
# between one pass on one node and per-user summaries merged on the coordinator; so they are
# compared through their accessors: the counts exactly, the correlation to 12 digits and
# Welch's t to 10, as in 020_citus.pl.
my $signal_reader = 'format(\'%%s %%s %%s %%s %%s\', cq.signal_n(%1$s), cq.signal_n_event(%1$s), '
  . 'cq.signal_n_converted(%1$s), round(cq.signal_correlation(%1$s)::numeric, 12), '
  . 'round(cq.signal_log_t(%1$s)::numeric, 10))';

sub value_of
{
	my ($expr, $reader) = @_;
	return defined $reader ? sprintf($reader, $expr) : "($expr)::text";
}

# $expr grouped by user_id over $table runs on the shards: a Foreign Scan per partition with
# the aggregate and GROUP BY in its Remote SQL, nothing aggregated locally; and it gives the
# answer of the same query over ${table}_local
sub check_shipped
{
	my ($name, $expr, $table, $reader) = @_;
	$table //= 'events';
	my ($fn) = $expr =~ /^(cq\.\w+)\(/;
	my $value = value_of($expr, $reader);
	my $sql = sub { "SELECT user_id, $value FROM $_[0] GROUP BY user_id" };
	my $plan = plan_of($sql->($table));
	my @remote = remote_sql($plan);
	ok(@remote == 2 && (grep { index($_, "$fn(") >= 0 && /GROUP BY 1$/ } @remote) == 2
		  && $plan !~ $local_agg,
		"$name: per user, run on both shards")
	  or diag($plan);
	same("$name: per user, the single-node answer", rows_of($sql->($table)),
		rows_of($sql->("${table}_local")));
}

# $expr grouped by $group over $table is aggregated on the coordinator: the shards only send
# their stored rows (no cq function, no GROUP BY in any Remote SQL); the answer is still the
# single-node one
sub check_local
{
	my ($name, $expr, $group, $table, $reader) = @_;
	$table //= 'events';
	my $value = value_of($expr, $reader);
	my $sql = sub { "SELECT $group, $value FROM $_[0] GROUP BY 1" };
	my $plan = plan_of($sql->($table));
	my @remote = remote_sql($plan);
	ok(@remote == 2 && !(grep { /cq\.|GROUP BY/ } @remote) && $plan =~ $local_agg,
		"$name: grouped by $group, aggregated on the coordinator")
	  or diag($plan);
	same("$name: grouped by $group, the single-node answer", rows_of($sql->($table)),
		rows_of($sql->("${table}_local")));
	return $plan;
}

# ------------------------------------------------------------------------------------------
# Per-user aggregates run on the shards
# ------------------------------------------------------------------------------------------
my $names = "event_name, 'view', 'cart', 'checkout', 'buy'";
my $steps = "event_name = 'view', event_name = 'cart', event_name = 'checkout', event_name = 'buy'";
my $funnel = "cq.window_funnel(interval '2 days', ts, $names)";

check_shipped('window_funnel(event names)', $funnel);
check_shipped("window_funnel('strict_order', event names)",
	"cq.window_funnel(interval '2 days', 'strict_order', ts, $names)");
check_shipped('window_funnel(boolean[])', "cq.window_funnel(interval '2 days', ts, ARRAY[$steps])");
# The VARIADIC "any" form (separate boolean conditions) ships too: a call of an aggregate
# declared VARIADIC "any" carries its arguments as they are (no array), and postgres_fdw
# deparses them as such and checks the shippability of the aggregate, the operators and the
# argument types (all built in or ours), never the declared "any".  (Citus's partial
# aggregation refuses this form; postgres_fdw never aggregates partially, see below.)
check_shipped('window_funnel(VARIADIC "any")', "cq.window_funnel(interval '2 days', ts, $steps)");
check_shipped('funnel_events(event names)', "cq.funnel_events(ts, $names)");
check_shipped('funnel_events(boolean[])', "cq.funnel_events(ts, ARRAY[$steps])");
check_shipped('funnel_events(VARIADIC "any")', "cq.funnel_events(ts, $steps)");
check_shipped('retention', "cq.retention(event_name = 'view', event_name = 'cart', event_name = 'buy')");
check_shipped('event_signal', "cq.event_signal(event_name = 'cart', revenue)", undef, $signal_reader);
check_shipped('auc', "cq.auc(revenue, event_name = 'buy')");
check_shipped('attribution_credits', "cq.attribution_credits(ts, event_name, event_name = 'buy', revenue, "
	  . "'time_decay', '3 days', '1 day')");

# Exact Remote SQL of the README's example
my $plan = plan_of("SELECT user_id, $funnel FROM events GROUP BY user_id");
like($plan,
	qr/Relations: Aggregate on \(public\.events_0 events\)\n\s+Remote SQL: SELECT user_id, cq\.window_funnel\('2 days'::interval, ts, event_name, VARIADIC '\{view,cart,checkout,buy\}'::text\[\]\) FROM public\.events GROUP BY 1\n/,
	'window_funnel per user: the Remote SQL shown in the README')
  or diag($plan);

# Without enable_partitionwise_aggregate the planner aggregates above the Append of the
# partitions, on the coordinator, even per user
$plan = $coord->safe_psql('postgres',
	"SET enable_partitionwise_aggregate = off; EXPLAIN (VERBOSE, COSTS OFF) SELECT user_id, $funnel FROM events GROUP BY user_id");
my @fetch = remote_sql($plan);
ok(@fetch == 2 && !(grep { /cq\.|GROUP BY/ } @fetch) && $plan =~ $local_agg,
	'window_funnel per user without enable_partitionwise_aggregate: aggregated on the coordinator')
  or diag($plan);

# Negative control: without the "extensions" option postgres_fdw treats our functions as
# unknown to the shards, and the same query fetches the rows and aggregates on the coordinator
$coord->safe_psql('postgres', 'ALTER SERVER shard1 OPTIONS (DROP extensions); '
	  . 'ALTER SERVER shard2 OPTIONS (DROP extensions)');
$plan = check_local('window_funnel without the extensions option', $funnel, 'user_id');
is(join("\n", remote_sql($plan)), join("\n", ('SELECT user_id, ts, event_name FROM public.events') x 2),
	'window_funnel without the extensions option: the shards send the rows');
check_local('event_signal without the extensions option', "cq.event_signal(event_name = 'cart', revenue)",
	'user_id', undef, $signal_reader);
$coord->safe_psql('postgres', "ALTER SERVER shard1 OPTIONS (ADD extensions 'conversion_quality'); "
	  . "ALTER SERVER shard2 OPTIONS (ADD extensions 'conversion_quality')");
check_shipped('window_funnel with the extensions option back', $funnel);

# ------------------------------------------------------------------------------------------
# What does not ship
# ------------------------------------------------------------------------------------------
# Grouped by anything but the partition key, partitionwise aggregation is partial (a Partial
# Aggregate per partition, a Finalize on top), and postgres_fdw pushes no partial aggregate
# (its deparser refuses any aggregate split into partial and final): every row travels to the
# coordinator
for my $group ('user_id % 7', 'true')
{
	my $p = check_local('window_funnel', $funnel, $group);
	like($p, qr/Partial HashAggregate|Partial GroupAggregate|Partial Aggregate/,
		"window_funnel grouped by $group: partial aggregation, on the coordinator");
}
check_local('event_signal', "cq.event_signal(event_name = 'cart', revenue)", 'user_id % 7', undef, $signal_reader);
# A text constant among the arguments and no text column: postgres_fdw sends an aggregate
# that has an input collation only when that collation comes from a column of the foreign
# table.  A mode ('strict_order') or a pattern is a text constant of the default collation, so
# the aggregate's input collation is the default one, derived from no column, and the whole
# aggregate stays on the coordinator.  With event names the event column is a text argument,
# its collation is the aggregate's, and the same mode ships (checked above).
check_local("window_funnel('strict_order', boolean[])",
	"cq.window_funnel(interval '2 days', 'strict_order', ts, ARRAY[$steps])", 'user_id');
check_local("window_funnel('strict_order', VARIADIC \"any\")",
	"cq.window_funnel(interval '2 days', 'strict_order', ts, $steps)", 'user_id');
check_local('sequence_count(pattern)', "cq.sequence_count('(?1).*(?2)', ts, event_name = 'view', event_name = 'buy')",
	'user_id');
# The timestamp form through a cast: ts::timestamp depends on the session's TimeZone (the cast
# is stable, not immutable), and postgres_fdw sends no mutable expression, so the aggregate
# over it runs on the coordinator even per user
check_local('window_funnel(ts::timestamp)', "cq.window_funnel(interval '2 days', ts::timestamp, $names)",
	'user_id');

# ------------------------------------------------------------------------------------------
# Two-step: per-user states on the shards, merged on the coordinator
# ------------------------------------------------------------------------------------------
my $states = "SELECT user_id, cq.funnel_events(ts, $names) AS st, "
  . "cq.event_signal(event_name = 'cart', revenue) AS sig FROM %s GROUP BY user_id";

# (1) States computed on the shards by a pushed-down subquery (a Foreign Scan per partition
# whose Remote SQL computes the per-user state), rolled up on the coordinator (a local
# aggregate over them).  The single-node answers are computed directly from the local rows:
# the state of all the group's rows, the window_funnel of them, their event_signal; or, for
# the reports, the report over the local users' states.
my $rollups = "SELECT %s AS g, %s FROM ($states) s GROUP BY 1";
my @direct = (
	['funnel_rollup', 'cq.funnel_events', 'cq.funnel_rollup(st)::text', "cq.funnel_events(ts, $names)::text"],
	['funnel_stage of funnel_rollup', 'cq.funnel_events', "cq.funnel_stage(cq.funnel_rollup(st), interval '2 days')::text",
		"${funnel}::text"],
	['funnel_report(window)', 'cq.funnel_events', "cq.funnel_report(st, interval '2 days')::text", undef],
	['funnel_report(window, mode)', 'cq.funnel_events', "cq.funnel_report(st, interval '2 days', 'strict_order')::text",
		undef],
	['funnel_report(windows)', 'cq.funnel_events',
		"cq.funnel_report(st, ARRAY[interval '1 day', '1 day', '1 day'])::text", undef],
	['signal_rollup', 'cq.event_signal', sprintf($signal_reader, 'cq.signal_rollup(sig)'),
		sprintf($signal_reader, "cq.event_signal(event_name = 'cart', revenue)")]);
for my $case (@direct)
{
	my ($name, $state_fn, $merged, $single) = @$case;
	my ($merge_fn) = $merged =~ /(cq\.(?:funnel_rollup|funnel_report|signal_rollup))\(/;
	for my $group ('true', 'user_id % 7')
	{
		my $sql = sprintf($rollups, $group, $merged, 'events');
		my $plan = plan_of($sql);
		my @remote = remote_sql($plan);
		ok(@remote == 2 && (grep { index($_, "$state_fn(") >= 0 && /GROUP BY 1$/ } @remote) == 2
			  && $plan =~ $local_agg && $plan =~ /Output: .*\Q$merge_fn\E\(s\./,
			"$name grouped by $group: per-user states on the shards, merged on the coordinator")
		  or diag($plan);
		my $want = defined $single
		  ? rows_of("SELECT $group AS g, $single FROM events_local GROUP BY 1")
		  : rows_of(sprintf($rollups, $group, $merged, 'events_local'));
		same("$name of shard states, grouped by $group: the single-node answer", rows_of($sql), $want);
	}
}

# (2) States stored in a table on each shard, filled there from the shard's own rows; on the
# coordinator a table partitioned like events whose partitions are foreign tables on them
$_->safe_psql('postgres', 'CREATE TABLE user_states AS ' . sprintf($states, 'events')) for @shards;
my $stored = "CREATE TABLE user_states (user_id int, st cq.funnel_state, sig cq.event_signal) "
  . "PARTITION BY HASH (user_id);\n";
$stored .= "CREATE FOREIGN TABLE user_states_$_ PARTITION OF user_states FOR VALUES WITH (MODULUS 2, REMAINDER $_) "
  . 'SERVER shard' . ($_ + 1) . " OPTIONS (table_name 'user_states');\n"
  for 0, 1;
$coord->safe_psql('postgres', $stored . 'CREATE TABLE user_states_local AS ' . sprintf($states, 'events_local'));
same('stored states on the shards: those of the local rows, user by user',
	rows_of("SELECT user_id, st::text, " . sprintf($signal_reader, 'sig') . ' FROM user_states'),
	rows_of("SELECT user_id, st::text, " . sprintf($signal_reader, 'sig') . ' FROM user_states_local'));

# Rolled up on the coordinator (partial aggregates over the fetched states), grouped in total
# and by user_id % 7: the answer computed directly from the local rows
my $single_report = "SELECT %s AS g, cq.funnel_report(st, %s)::text FROM ($states) s GROUP BY 1";
for my $group ('true', 'user_id % 7')
{
	same("stored states, funnel_rollup grouped by $group: funnel_events of the local rows",
		rows_of("SELECT $group AS g, cq.funnel_rollup(st)::text FROM user_states GROUP BY 1"),
		rows_of("SELECT $group AS g, cq.funnel_events(ts, $names)::text FROM events_local GROUP BY 1"));
	for my $windows ("interval '2 days'", "interval '2 days', 'strict_order'", "ARRAY[interval '1 day', '1 day', '1 day']")
	{
		same("stored states, funnel_report($windows) grouped by $group: the single-node report",
			rows_of("SELECT $group AS g, cq.funnel_report(st, $windows)::text FROM user_states GROUP BY 1"),
			rows_of(sprintf($single_report, $group, $windows, 'events_local')));
	}
	same("stored states, funnel_stage of funnel_rollup grouped by $group: window_funnel of the local rows",
		rows_of("SELECT $group AS g, cq.funnel_stage(cq.funnel_rollup(st), interval '2 days')::text FROM user_states GROUP BY 1"),
		rows_of("SELECT $group AS g, ${funnel}::text FROM events_local GROUP BY 1"));
	same("stored states, signal_rollup grouped by $group: event_signal of the local rows",
		rows_of("SELECT $group AS g, " . sprintf($signal_reader, 'cq.signal_rollup(sig)') . ' FROM user_states GROUP BY 1'),
		rows_of("SELECT $group AS g, " . sprintf($signal_reader, "cq.event_signal(event_name = 'cart', revenue)")
			  . ' FROM events_local GROUP BY 1'));
	# report states: cq.funnel_report_state per user runs on the shards (it returns a
	# cq.funnel_state), cq.funnel_report_rollup merges them on the coordinator
	my $report_rollup = "SELECT $group AS g, cq.funnel_report_rollup(r)::text "
	  . "FROM (SELECT user_id, cq.funnel_report_state(st, interval '2 days') AS r FROM user_states GROUP BY user_id) s "
	  . 'GROUP BY 1';
	$plan = plan_of($report_rollup);
	my @remote = remote_sql($plan);
	ok(@remote == 2 && (grep { /cq\.funnel_report_state\(st, '2 days'::interval\) FROM public\.user_states GROUP BY 1$/ } @remote) == 2,
		"report states grouped by $group: funnel_report_state on the shards")
	  or diag($plan);
	same("report states, funnel_report_rollup grouped by $group: the single-node report",
		rows_of($report_rollup), rows_of(sprintf($single_report, $group, "interval '2 days'", 'events_local')));
}
# the two foreign tables unioned instead of as partitions
same('stored states of both shards unioned, funnel_report: the single-node report',
	rows_of("SELECT true, cq.funnel_report(st, interval '2 days')::text "
		  . 'FROM (SELECT st FROM user_states_0 UNION ALL SELECT st FROM user_states_1) u'),
	rows_of(sprintf($single_report, 'true', "interval '2 days'", 'events_local')));

# Per-user aggregates over the stored states run on the shards when their result type ships
check_shipped('funnel_rollup per user over stored states', 'cq.funnel_rollup(st)', 'user_states');
check_shipped('signal_rollup per user over stored states', 'cq.signal_rollup(sig)', 'user_states', $signal_reader);
# ... and an accessor in WHERE is evaluated on the shards
$plan = plan_of("SELECT user_id FROM user_states WHERE cq.funnel_stage(st, interval '2 days') >= 3");
my @remote = remote_sql($plan);
ok(@remote == 2 && (grep { $_ eq "SELECT user_id FROM public.user_states WHERE ((cq.funnel_stage(st, '2 days'::interval, "
			  . "''::text, '{}'::integer[]) >= 3))" } @remote) == 2,
	'funnel_stage in WHERE: filtered on the shards')
  or diag($plan);
same('funnel_stage in WHERE: the single-node users',
	rows_of("SELECT user_id FROM user_states WHERE cq.funnel_stage(st, interval '2 days') >= 3"),
	rows_of("SELECT user_id FROM events_local GROUP BY 1 HAVING $funnel >= 3"));

# cq.funnel_report per user does not ship: it returns cq.funnel_step_report[], and the implicit
# array type of our composite type has no membership in the extension (only an internal
# dependency on its element type), so postgres_fdw does not count it among the extension's
# objects.  Made a member inside a transaction that is rolled back, it ships.
check_local('funnel_report per user', "cq.funnel_report(st, interval '2 days')", 'user_id', 'user_states');
# the same for the other aggregates whose result is an array of our composite types
check_local('funnel_revenue per user', "cq.funnel_revenue(st, (user_id % 13)::float8, interval '2 days')",
	'user_id', 'user_states');
check_local('funnel_conversion_curve per user',
	"cq.funnel_conversion_curve(st, interval '2 days', timestamptz '2024-01-10 00:00+00')", 'user_id', 'user_states');
check_local('conversion_curve per user', "cq.conversion_curve(ts, CASE WHEN event_name = 'buy' THEN ts + interval '1 hour' END, "
	  . "timestamptz '2024-01-10 00:00+00')", 'user_id');
# and the mode of a report state, a text constant as above
check_local("funnel_report_state('strict_order') per user",
	"cq.funnel_report_state(st, interval '2 days', 'strict_order')", 'user_id', 'user_states');
is($coord->safe_psql('postgres', q{
SELECT count(*) FROM pg_depend
 WHERE classid = 'pg_type'::regclass AND objid = 'cq.funnel_step_report[]'::regtype AND deptype = 'e'}),
	'0', 'cq.funnel_step_report[] is not a member of the extension');
$plan = $coord->safe_psql('postgres', q{
BEGIN;
ALTER EXTENSION conversion_quality ADD TYPE cq.funnel_step_report[];
EXPLAIN (VERBOSE, COSTS OFF)
SELECT user_id, cq.funnel_report(st, interval '2 days') FROM user_states GROUP BY user_id;
ROLLBACK;
});
@remote = remote_sql($plan);
ok(@remote == 2 && (grep { /cq\.funnel_report\(st, '2 days'::interval\) FROM public\.user_states GROUP BY 1$/ } @remote) == 2,
	'... and a member, funnel_report per user ships (rolled back)')
  or diag($plan);

# ------------------------------------------------------------------------------------------
# Functions that read a table by name, and a registered source, over the foreign partitions:
# they run on the coordinator and read the rows through the planner (fetched from the shards)
# ------------------------------------------------------------------------------------------
sub all_rows
{
	my ($query) = @_;
	return $coord->safe_psql('postgres',
		"SELECT string_agg(r::text, E'\\n' ORDER BY r::text) FROM ($query) r");
}
for my $args ("'2 days', time_column => 'ts'",
	"'3 days', time_column => 'ts', conversion_event => 'buy', thresholds => '{1,2}'")
{
	my $got = all_rows("SELECT * FROM cq.rank_events('events', $args)");
	my $want = all_rows("SELECT * FROM cq.rank_events('events_local', $args)");
	ok($got eq $want && $want ne '', "cq.rank_events($args) over foreign partitions: the single-node answer")
	  or diag("$got\n  vs\n$want");
}
$coord->safe_psql('postgres', q{
SET client_min_messages = warning;
SELECT cq.register_source(t, t::regclass, 'user_id', 'ts', 'event_name', value_column => 'revenue')
  FROM unnest(ARRAY['events', 'events_local']) t;
SELECT cq.define_funnel(t || '_checkout', t, '{view,cart,checkout,buy}', '2 days')
  FROM unnest(ARRAY['events', 'events_local']) t;
SELECT count(*) FROM cq.refresh();
});
for my $view ('event_quality', 'funnel_report')
{
	my $cols = report_columns($coord, $view);
	my $got = all_rows("SELECT $cols FROM cq.$view WHERE source = 'events'");
	my $want = all_rows("SELECT $cols FROM cq.$view WHERE source = 'events_local'");
	ok($got eq $want && $want ne '', "cq.refresh, then cq.$view over foreign partitions: the single-node answer")
	  or diag("$got\n  vs\n$want");
}

# ------------------------------------------------------------------------------------------
# Nothing crashed
# ------------------------------------------------------------------------------------------
check_nothing_crashed(\%started, @nodes);

$_->stop for @nodes;
done_testing();
