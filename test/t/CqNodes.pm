# Shared by the multi-node TAP tests (020_citus.pl, 050_postgres_fdw.pl): starting the nodes,
# what they check about the nodes themselves, and the columns of the report views they compare.
package CqNodes;
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Exporter 'import';
our @EXPORT = qw(start_loopback_nodes start_times check_nothing_crashed report_columns);

# start_loopback_nodes(\@names, $conf, $sql): one throwaway node per name, listening on
# 127.0.0.1 (trusted there), with the postgresql.conf lines $conf->($name) returns, started,
# and $sql run in its database postgres; returns the nodes in the order of the names
sub start_loopback_nodes
{
	my ($names, $conf, $sql) = @_;
	my @nodes;
	for my $name (@$names)
	{
		my $node = PostgreSQL::Test::Cluster->new($name);
		$node->init;
		$node->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'\n" . $conf->($name));
		$node->append_conf('pg_hba.conf', "host all all 127.0.0.1/32 trust\n");
		$node->start;
		$node->safe_psql('postgres', $sql);
		push @nodes, $node;
	}
	return @nodes;
}

# report_columns($node, $view): the columns of report view cq.$view, quoted and joined by
# commas, without those that name a source or funnel or tell when it was refreshed (which
# differ between two sources of the same rows)
sub report_columns
{
	my ($node, $view) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
		  . "WHERE attrelid = 'cq.$view'::regclass AND attnum > 0 "
		  . "AND attname NOT IN ('source', 'funnel', 'refreshed_at')");
}

# start_times(@nodes): each node's postmaster start time, by node name
sub start_times
{
	my @nodes = @_;
	return map { $_->name => $_->safe_psql('postgres', 'SELECT pg_postmaster_start_time()') } @nodes;
}

# check_nothing_crashed(\%started, @nodes): no node restarted since start_times, and no
# backend died on any of them (their server logs)
sub check_nothing_crashed
{
	my ($started, @nodes) = @_;
	for my $node (@nodes)
	{
		is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started->{ $node->name },
			$node->name . ': the server never restarted');
		my $log = slurp_file($node->logfile);
		unlike($log, qr/terminated by signal|server process .* was terminated/,
			$node->name . ': no backend died');
	}
	return;
}

1;
