# Shared by the multi-node TAP tests (020_citus.pl, 050_postgres_fdw.pl): what they check
# about the nodes themselves, besides the answers.
package CqNodes;
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use Exporter 'import';
our @EXPORT = qw(start_times check_nothing_crashed);

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
