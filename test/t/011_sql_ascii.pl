
# Invalid UTF-8, where an encoding permits it: a SQL_ASCII database stores text
# bytes unchecked.  Every function that defines its result over UTF-8 (the
# normalizers, match keys, fingerprints of text) rejects such a value with
# PostgreSQL's own error 22021; cq.dedup_key, which hashes ids byte for byte,
# keys the bytes as they are.  The server must survive.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ascii');
$node->init;
$node->start;
$node->safe_psql('postgres',
	"CREATE DATABASE ascii TEMPLATE template0 ENCODING 'SQL_ASCII' LOCALE 'C'");
$node->safe_psql('ascii', q{
CREATE EXTENSION conversion_quality;
CREATE FUNCTION outcome(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    EXECUTE query INTO v;
    RETURN coalesce(v, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE;
END $$;
});
my $started = $node->safe_psql('ascii', 'SELECT pg_postmaster_start_time()');

# \xff and \xc3\x28 are not UTF-8
my @cases = (
	[ q{SELECT cq.normalize_email(E'Ab\\xff@Example.com')}, 'ERROR 22021' ],
	[ q{SELECT cq.normalize_email(E'ab\\xc3\\x28@example.com', 'meta')}, 'ERROR 22021' ],
	[ q{SELECT cq.normalize_email(E'ab\\xff')}, 'ERROR 22021' ],
	[ q{SELECT cq.normalize_phone(E'+44 20 \\xff 7183 8750')}, 'ERROR 22021' ],
	[ q{SELECT cq.match_key(E'id-\\xff', 'external_id')}, 'ERROR 22021' ],
	[ q{SELECT cq.match_key('id-42', 'external_id') = encode(sha256('id-42'::bytea), 'hex')}, 'true' ],
	[ q{SELECT cq.dedup_key('Purchase', E'\\xff\\xfe') IS NOT NULL}, 'true' ],
	[ q{SELECT cq.dedup_key('Purchase', E'\\xff') <> cq.dedup_key('Purchase', E'\\xfe')}, 'true' ],
	[ q{SELECT cq.event_fingerprint(E'\\xff'::text)}, 'ERROR 22021' ],
	[ q{SELECT cq.event_fingerprint('plain ascii'::text) IS NOT NULL}, 'true' ],
	[ q{SELECT cq.normalize_identifier(E'Caf\\xe9', 'city', 'meta')}, 'ERROR 22021' ],
	[ q{SELECT cq.normalize_identifier(E'SW1A\\xa0', 'zip', 'google')}, 'ERROR 22021' ],
	# step names and events are compared byte for byte, whatever the bytes
	[ q{SELECT cq.window_funnel('1 day', t, e, E'a\\xff', 'b') FROM (VALUES (now(), E'a\\xff'), (now(), 'b')) v(t, e)}, '2' ],
);
for my $case (@cases)
{
	my ($query, $want) = @$case;
	my $q = $query =~ s/'/''/gr;
	is($node->safe_psql('ascii', "SELECT outcome('$q')"), $want, "$query -> $want");
}
is($node->safe_psql('ascii', 'SELECT pg_postmaster_start_time()'), $started,
	'the server never restarted');

$node->stop;
done_testing();
