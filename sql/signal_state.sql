-- cq.event_signal formats: text and binary round trips are bit-identical, golden encodings
-- pin the wire format, malformed values are rejected with clean errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS conversion_quality;
RESET client_min_messages;
CREATE TABLE sig_state AS
SELECT g % 4 AS k, cq.event_signal(g % 3 = 0, (g * 0.37) ^ 1.5 - 3) AS s
  FROM generate_series(1, 1000) g GROUP BY g % 4;
SELECT k, s FROM sig_state ORDER BY k;
-- text out -> in gives the same text (and so the same bits: shortest exact floats)
SELECT bool_and(s::text::cq.event_signal::text = s::text) AS text_roundtrip FROM sig_state;
-- even with extra_float_digits = 0 (the output does not depend on it)
SET extra_float_digits = 0;
SELECT bool_and(s::text::cq.event_signal::text = s::text) AS text_roundtrip_efd0 FROM sig_state;
RESET extra_float_digits;
-- binary: COPY BINARY out and in again
\copy (SELECT k, s FROM sig_state) TO 'results/signal_state.bin' WITH (FORMAT binary)
CREATE TABLE sig_state_copy (k int, s cq.event_signal);
\copy sig_state_copy FROM 'results/signal_state.bin' WITH (FORMAT binary)
SELECT count(*) AS rows, bool_and(a.s::text = b.s::text) AS binary_roundtrip
  FROM sig_state a JOIN sig_state_copy b USING (k);
-- golden binary encoding (version byte, then per group n, pos, sx, sxx, lsx, lsxx)
SELECT cq_internal.event_signal_send('v1:1,1,2,0,1.0986122886681098,0;2,0,-1,0.5,-0.6931471805599453,0');
-- golden text of a summary built from rows
SELECT cq.event_signal(h, v) FROM (VALUES (true, 1.5::float8), (false, 0), (true, 0.25)) t(h, v);

-- malformed text
SELECT 'v2:0,0,0,0,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'x'::cq.event_signal;
SELECT 'v1:0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:0,0,0,0,0,0;0,0,0,0,0,0 '::cq.event_signal;
SELECT 'v1:1,2,0,0,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:-1,0,0,0,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:0,0,1,0,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:2,0,1,-1,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:2,0,NaN,0,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:2,0,1,inf,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:1,0,1,5,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:99999999999999999999,0,0,0,0,0;0,0,0,0,0,0'::cq.event_signal;
SELECT 'v1:1,0,1,,0,0;0,0,0,0,0,0'::cq.event_signal;
-- malformed binary (built from a valid encoding with one byte changed or cut off)
-- (written with lo_export to a file in the throwaway cluster's data directory, then COPY BINARY)
\set SHOW_CONTEXT never
CREATE TEMP TABLE bin_in (s cq.event_signal);
CREATE FUNCTION pg_temp.recv(b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  o oid;
  r text;
BEGIN
  -- COPY BINARY framing: signature, flags, header extension, one tuple of one field, trailer
  o := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
                        || '\x0001'::bytea || int4send(length(b)) || b || '\xffff'::bytea);
  PERFORM lo_export(o, 'cq_signal_state.bin');
  PERFORM lo_unlink(o);
  TRUNCATE bin_in;
  COPY bin_in FROM 'cq_signal_state.bin' WITH (FORMAT binary);
  SELECT s::text INTO r FROM bin_in;
  RETURN r;
END $$;
SELECT pg_temp.recv(cq_internal.event_signal_send('v1:1,1,2,0,1,0;0,0,0,0,0,0'));
SELECT pg_temp.recv(set_byte(cq_internal.event_signal_send('v1:1,1,2,0,1,0;0,0,0,0,0,0'), 0, 2));  -- version 2
SELECT pg_temp.recv(substring(cq_internal.event_signal_send('v1:1,1,2,0,1,0;0,0,0,0,0,0') FROM 1 FOR 96));
SELECT pg_temp.recv(set_byte(cq_internal.event_signal_send('v1:1,1,2,0,1,0;0,0,0,0,0,0'), 8, 0));  -- n = 0 < pos
