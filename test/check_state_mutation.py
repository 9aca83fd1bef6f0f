#!/usr/bin/python3
"""Server-level mutation test of the stored-state decoders: cq.funnel_state, cq.event_signal
and cq.rank_sample, text (the input function, through a cast) and binary (the receive function,
through COPY ... FROM a file in FORMAT binary).

Valid text and binary forms are produced by the server (aggregates over generated rows, the
golden forms of the regression tests, send), then a few thousand random mutations of them
(bytes flipped, set, inserted, deleted, truncated, chunks repeated; numbers replaced by
extreme values; binary integer fields overwritten) are fed back, each in its own
subtransaction.  Every mutation must give either
  - a value that round-trips: out(in(x)) read again gives out(in(x)) (and for cq.funnel_state,
    whose text form is canonical, out(in(x)) == x); for binary, send(recv(b)) == b (all three
    binary forms are canonical) and the value's text form reads back to the same send bytes;
  - or a clean ERROR with one of the accepted SQLSTATEs:
      22P02 invalid_text_representation   the text decoders' refusal
      22P03 invalid_binary_representation the binary decoders' refusal (and COPY's own
                                          "incorrect binary data format")
      22023 invalid_parameter_value       a mode rule, should a decoder report it so
      22003 numeric_value_out_of_range    a number beyond its type
      54000 program_limit_exceeded        a state too large to allocate
    Anything else (08P01, the protocol error pq_getmsg* raises on a short buffer, XX000 from
    elog, 53200 out of memory) is a failure, and so is a lost connection.
At the end pg_postmaster_start_time() must be unchanged: no backend crashed (a crash restarts
every backend and resets it).  The seed is fixed and printed (CQ_MUTATION_SEED overrides it,
CQ_MUTATIONS sets the count per type and form, default 1000: 6000 in all).
"""
import os
import random
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import copy_in, expect, finish, psql  # noqa: E402

SEED = int(os.environ.get("CQ_MUTATION_SEED", "20261125"))
PER = int(os.environ.get("CQ_MUTATIONS", "1000"))
ACCEPTED = {"22P02", "22P03", "22023", "22003", "54000"}
TYPES = {"funnel": "cq.funnel_state", "signal": "cq.event_signal", "rank": "cq.rank_sample"}
SEND = {"funnel": "cq_internal.funnel_state_send", "signal": "cq_internal.event_signal_send",
        "rank": "cq_internal.rank_sample_send"}

SETUP = """
CREATE AGGREGATE test_rank_state(float8, float8) (
    SFUNC = cq_internal.rank_sample_transfn, STYPE = cq.rank_sample);
CREATE TABLE mut_text (id int, kind text, input text);
CREATE TABLE mut_bin (n int, k text, p text);
CREATE TABLE mut_funnel (v cq.funnel_state);
CREATE TABLE mut_signal (v cq.event_signal);
CREATE TABLE mut_rank (v cq.rank_sample);
-- text: in, out, in(out) again; 'ok' + out(in(x)) + whether it is a fixed point
CREATE FUNCTION mut_try_text(kind text, typ regtype, input text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE o text; o2 text;
BEGIN
    EXECUTE format('SELECT ($1::%s)::text', typ) INTO o USING input;
    EXECUTE format('SELECT (($1::%s)::text)', typ) INTO o2 USING o;
    RETURN 'ok ' || (o = o2)::text || ' ' || o;
EXCEPTION WHEN OTHERS THEN
    RETURN 'err ' || SQLSTATE || ' ' || SQLERRM;
END $$;
-- binary: COPY the file into the type's table; 'ok' + send hex + whether text round-trips
CREATE FUNCTION mut_try_bin(kind text, typ regtype, send regproc, path text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE h text; again boolean;
BEGIN
    EXECUTE format('TRUNCATE %I', 'mut_' || kind);
    EXECUTE format('COPY %I FROM %L (FORMAT binary)', 'mut_' || kind, path);
    EXECUTE format('SELECT encode(%s(v), ''hex''), %s(v::text::%s) = %s(v) FROM %I',
                   send, send, typ, send, 'mut_' || kind) INTO h, again;
    RETURN 'ok ' || again::text || ' ' || h;
EXCEPTION WHEN OTHERS THEN
    RETURN 'err ' || SQLSTATE || ' ' || SQLERRM;
END $$;
"""

# Valid values, made by the server: aggregates over generated rows, plus the golden forms.
SEEDS_SQL = {
    "funnel": """
        SELECT cq.funnel_events(ts, e = 'a', e = 'b', e = 'c')::text
          FROM (SELECT u, timestamptz '2024-01-01' + (i * 37 % 1000) * interval '1 minute' AS ts,
                       (ARRAY['a','b','c','x'])[1 + (i * 7 + u) % 4] AS e
                  FROM generate_series(1, 4) u, generate_series(1, 3 + u * 2) i) t
         GROUP BY u
        UNION ALL SELECT 'v1 steps=2 params=3600000000/18 events=3 757382400000000:1,757382400000000:3,757382410000000:2'
        UNION ALL SELECT 'v1 steps=32 params=- events=4 -9223372036854775808:0,0:4294967295,0:4294967295,9223372036854775807:1'
        UNION ALL SELECT 'v1 steps=2 params=86400000000/3 events=0'""",
    "signal": """
        SELECT cq.event_signal(i % 3 = 0, (i * 13 % 50) / 7.0 - 1)::text
          FROM generate_series(1, 40) i GROUP BY i % 4
        UNION ALL SELECT 'v1:1,1,2,0,1.0986122886681098,0;2,0,-1,0.5,-0.6931471805599453,0'
        UNION ALL SELECT 'v1:0,0,0,0,0,0;0,0,0,0,0,0'
        UNION ALL SELECT cq.event_signal(false, 5e-324::float8)::text""",
    "rank": """
        SELECT test_rank_state(i / 3.0, (i * 7 % 11) - 5)::text
          FROM generate_series(1, 30) i GROUP BY i % 3
        UNION ALL SELECT 'v1:2:Infinity,-Infinity;-0,5e-324'
        UNION ALL SELECT 'v1:0:'
        UNION ALL SELECT 'v1:2:0.1,1e+300;-2.5,1.7976931348623157e+308'""",
}

TEXT_VALUES = ["0", "-1", "1", "-0", "01", "255", "256", "32", "33", "2147483647", "2147483648",
               "4294967295", "4294967296", "9223372036854775807", "-9223372036854775808",
               "9223372036854775808", "99999999999999999999", "1e400", "-1e400", "5e-324",
               "1e-400", "NaN", "nan", "Infinity", "-Infinity", "inf", "0x1p3", "+1", " 1", "",
               "1.5", "1e308", "-2.5e-310"]
TEXT_BYTES = b"0123456789-+.,:;/ =eEvxnaNIif"


def mutate_text(s, rnd):
    b = bytearray(s.encode())
    for _ in range(rnd.choice((1, 1, 1, 2, 3))):
        op = rnd.randrange(8)
        pos = rnd.randrange(len(b) + 1)
        if op == 0 and b:          # set a byte to a format character
            b[min(pos, len(b) - 1)] = rnd.choice(TEXT_BYTES)
        elif op == 1:              # insert a byte
            b.insert(pos, rnd.choice(TEXT_BYTES + b"()abc~"))
        elif op == 2 and b:        # delete a byte
            del b[min(pos, len(b) - 1)]
        elif op == 3:              # truncate
            del b[pos:]
        elif op == 4 and b:        # repeat a chunk
            end = min(len(b), pos + rnd.randrange(1, 24))
            b[pos:pos] = b[pos:end]
        else:                      # replace a number by an extreme value
            txt = b.decode()
            spans, i = [], 0
            while i < len(txt):
                if txt[i].isdigit():
                    j = i
                    while j < len(txt) and (txt[j].isalnum() or txt[j] in ".+-"):
                        j += 1
                    spans.append((i - (1 if i and txt[i - 1] == "-" else 0), j))
                    i = j
                else:
                    i += 1
            if spans:
                a, z = rnd.choice(spans)
                txt = txt[:a] + rnd.choice(TEXT_VALUES) + txt[z:]
            b = bytearray(txt.encode())
    return b.decode()


INT_VALUES = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF,
              0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 32, 33, 1 << 40]
FLOAT_BITS = [struct.unpack(">Q", struct.pack(">d", f))[0]
              for f in (float("nan"), float("inf"), -float("inf"), -0.0, 5e-324, 1e308, -1.0)]


def mutate_bin(b, rnd):
    b = bytearray(b)
    for _ in range(rnd.choice((1, 1, 1, 2, 3))):
        op = rnd.randrange(8)
        pos = rnd.randrange(len(b) + 1)
        if op == 0 and b:          # flip a bit
            p = min(pos, len(b) - 1)
            b[p] ^= 1 << rnd.randrange(8)
        elif op == 1 and b:        # set a byte
            b[min(pos, len(b) - 1)] = rnd.randrange(256)
        elif op == 2:              # insert bytes
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.choice((1, 4, 8, 12, 16))))
        elif op == 3:              # truncate
            del b[pos:]
        elif op == 4 and b:        # delete bytes
            del b[pos:pos + rnd.choice((1, 4, 8, 12, 16))]
        elif op == 5 and b:        # repeat a chunk
            end = min(len(b), pos + rnd.choice((12, 16, 24)))
            b[pos:pos] = b[pos:end]
        else:                      # overwrite a 4- or 8-byte field with an extreme value
            width = rnd.choice((4, 8))
            if len(b) >= width:
                p = rnd.randrange(len(b) - width + 1)
                v = rnd.choice(INT_VALUES + (FLOAT_BITS if width == 8 else []))
                b[p:p + width] = (v & ((1 << (8 * width)) - 1)).to_bytes(width, "big")
    return bytes(b)


def copy_file(path, payload):
    """A COPY binary file holding one row with one field."""
    with open(path, "wb") as f:
        f.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        f.write(struct.pack(">hi", 1, len(payload)) + payload)
        f.write(struct.pack(">h", -1))
    os.chmod(path, 0o644)


def sqlstate_ok(res, label, shown):
    state = res.split(" ", 2)[1]
    return expect(f"{label} SQLSTATE", state in ACCEPTED, f"{res[:160]!r} for {shown!r}")


def main():
    t0 = time.time()
    rnd = random.Random(SEED)
    print(f"state mutation test: seed {SEED}, {PER} mutations per type and form")
    start = psql("SELECT pg_postmaster_start_time()")[0][0]
    psql(SETUP)

    seeds_text, seeds_bin = {}, {}
    for kind, sql in SEEDS_SQL.items():
        seeds_text[kind] = [r[0] for r in psql(sql)]
        seeds_bin[kind] = [bytes.fromhex(r[0]) for r in psql(
            f"SELECT encode({SEND[kind]}(v::{TYPES[kind]}), 'hex') FROM ({sql}) s(v)")]
        expect(f"{kind} seeds", len(seeds_text[kind]) >= 3, str(seeds_text[kind]))

    # text
    rows, i = [], 0
    for kind in TYPES:
        for _ in range(PER):
            # (COPY csv reads an empty field as NULL: a blank stands for the empty string)
            x = mutate_text(rnd.choice(seeds_text[kind]), rnd) or " "
            rows.append((i, kind, x))
            i += 1
    copy_in("mut_text", rows)
    res = psql("SELECT id, mut_try_text(kind, ('cq.' || CASE kind WHEN 'funnel' THEN 'funnel_state' "
               "WHEN 'signal' THEN 'event_signal' ELSE 'rank_sample' END)::regtype, input) "
               "FROM mut_text ORDER BY id")
    stats = {"text ok": 0, "text err": 0, "binary ok": 0, "binary err": 0}
    for (rid, r), (_, kind, x) in zip(res, rows):
        if r.startswith("ok "):
            stats["text ok"] += 1
            _, fixed, out = r.split(" ", 2)
            expect(f"{kind} text fixed point", fixed == "true", f"{x!r} -> {out!r}")
            if kind == "funnel":
                expect("funnel text canonical", out == x, f"{x!r} -> {out!r}")
        else:
            stats["text err"] += 1
            sqlstate_ok(r, f"{kind} text", x)

    # binary, through COPY FROM a file the server reads
    with tempfile.TemporaryDirectory(prefix="cq_mutation_") as d:
        os.chmod(d, 0o755)
        cases = []
        for kind in TYPES:
            for _ in range(PER):
                b = mutate_bin(rnd.choice(seeds_bin[kind]), rnd)
                path = os.path.join(d, f"{len(cases)}.bin")
                copy_file(path, b)
                cases.append((kind, b, path))
        # pinned: every type's empty and truncated forms (a binary cq.rank_sample under 9 bytes
        # used to fail with 08P01, the protocol error of pq_getmsg*)
        for kind in TYPES:
            for b in (b"", b"\x01", seeds_bin[kind][0][:5], seeds_bin[kind][0][:8]):
                path = os.path.join(d, f"{len(cases)}.bin")
                copy_file(path, b)
                cases.append((kind, b, path))
        copy_in("mut_bin", [(n, k, p) for n, (k, _, p) in enumerate(cases)])
        res = psql("SELECT n, mut_try_bin(k, ('cq.' || CASE k WHEN 'funnel' THEN 'funnel_state' "
                   "WHEN 'signal' THEN 'event_signal' ELSE 'rank_sample' END)::regtype, "
                   "('cq_internal.' || CASE k WHEN 'funnel' THEN 'funnel_state' WHEN 'signal' THEN "
                   "'event_signal' ELSE 'rank_sample' END || '_send')::regproc, p) "
                   "FROM mut_bin ORDER BY n")
        for (n, r), (kind, b, _) in zip(res, cases):
            if r.startswith("ok "):
                stats["binary ok"] += 1
                _, again, h = r.split(" ", 2)
                expect(f"{kind} binary canonical", h == b.hex(), f"{b.hex()} -> {h}")
                expect(f"{kind} binary via text", again == "true", b.hex())
            else:
                stats["binary err"] += 1
                sqlstate_ok(r, f"{kind} binary", b.hex())
    expect("every mutation answered", len(res) == len(cases) == 3 * PER + 12 and len(rows) == 3 * PER)

    end = psql("SELECT pg_postmaster_start_time()")[0][0]
    expect("no server restart", start == end, f"{start} -> {end}")
    print("state mutation test: " + ", ".join(f"{k} {v}" for k, v in stats.items()) +
          f"; {time.time() - t0:.1f} s")
    finish("state mutation test")


if __name__ == "__main__":
    main()
