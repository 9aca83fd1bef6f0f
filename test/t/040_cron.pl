# A scheduled refresh through a real pg_cron (Debian postgresql-15-cron), as
# the README shows it: a cluster with pg_cron preloaded, a source whose table
# belongs to an ordinary role (etl), a job running cq.refresh() every minute in
# another database as that role (a superuser does not read other roles'
# relations); the reports appear, written by the job, and pg_cron records the
# run as succeeded.
# pg_cron 1.4 schedules by the minute: the test waits up to 3 minutes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
});
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE shop; CREATE ROLE etl LOGIN');
$node->safe_psql('shop', q{
CREATE EXTENSION conversion_quality;
CREATE TABLE events (user_id int, event_time timestamptz, event_name text, revenue numeric);
INSERT INTO events
SELECT u, timestamptz '2024-01-01' + (u % 50) * interval '1 day' + s * interval '1 day',
       (ARRAY['visit', 'cart', 'purchase'])[s + 1], CASE WHEN s = 2 THEN 20 + u % 7 ELSE 0 END
  FROM generate_series(1, 300) u, generate_series(0, 2) s
 WHERE s < 2 OR u % 3 = 0;
ALTER TABLE events OWNER TO etl;
SELECT cq.register_source('shop', 'events', 'user_id', 'event_time', 'event_name', 'revenue');
SELECT cq.define_funnel('buy', 'shop', '{visit,cart,purchase}', '3 days');
});
is($node->safe_psql('shop', 'SELECT count(*) FROM cq.event_quality'), '0',
	'no report before the first scheduled refresh');

$node->safe_psql('postgres', q{
CREATE EXTENSION pg_cron;
SELECT cron.schedule_in_database('cq-refresh', '* * * * *', 'SELECT * FROM cq.refresh()', 'shop', 'etl');
});

my $done = 0;
for (my $i = 0; $i < 180; $i++)
{
	my $st = $node->safe_psql('postgres',
		"SELECT string_agg(status, ',') FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')");
	if ($st ne '')
	{
		$done = 1;
		last;
	}
	sleep 1;
}
ok($done, 'pg_cron ran the job within 3 minutes');
is( $node->safe_psql('postgres',
		"SELECT status || ' ' || coalesce(return_message, '') FROM cron.job_run_details ORDER BY runid LIMIT 1"),
	'succeeded SELECT 1',
	'the scheduled cq.refresh() succeeded (one source refreshed)');
is( $node->safe_psql('shop',
		"SELECT count(*) FROM cq.event_quality WHERE source = 'shop'"),
	'3', 'cq.event_quality has the rows the job wrote (visit, cart, purchase)');
is( $node->safe_psql('shop',
		"SELECT string_agg(step_name || ':' || users, ',' ORDER BY step) FROM cq.funnel_report"),
	'visit:300,cart:300,purchase:100', 'cq.funnel_report has the funnel the job computed');
ok( $node->safe_psql('shop',
		"SELECT bool_and(refreshed_at > now() - interval '10 minutes') FROM cq.tracking_health") eq 't',
	'cq.tracking_health rows carry the time of the scheduled refresh');

$node->stop;
done_testing();
