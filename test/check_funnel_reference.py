#!/usr/bin/python3
"""Compare the C funnel code with test/funnel_reference.py on generated users.

Run by `make test` (cwd = repo top; PGHOST/PGPORT/PGUSER/PGDATABASE point at a database with the
extension).  Generates CQ_FUNNEL_USERS users (default 100000) with random ties, repeated steps,
rows matching no step or several steps, NULL times and NULL steps, 1 to 32 steps, windows from 0
to long and random per-step windows, then for every valid mode (24 combinations) compares:

  - cq.window_funnel(window, mode, ts, VARIADIC steps) grouped by user, on a forced parallel plan;
  - cq.funnel_stage / cq.funnel_step_times on the stored cq.funnel_events state, with one window
    and with per-step windows (every other user), and with excluded events (30 % of the users
    with 3+ conditions); cq.funnel_completions with one window, with and without exclusions;
and once: cq.funnel_any_order, cq.window_funnel without mode, cq.window_funnel_by_key (4 modes),
cq.funnel_stage_flexible (each user's optional steps and minimum gaps), cq.funnel_next_events
(3 rows after and 2 before the first step), cq.funnel_rollup of per-user partial states (3 parts per
user) read back in two modes, text round trip of every state, and cq.retention.
Every answer must equal the reference exactly.  Exit 0 = pass.
"""
import csv
import io
import os
import random
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
import funnel_reference as ref  # noqa: E402

SEED = int(os.environ.get("CQ_FUNNEL_SEED", "20261125"))
USERS = int(os.environ.get("CQ_FUNNEL_USERS", "100000"))
S = 1000000                               # one second in microseconds
BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)
BASE_US = int((BASE - datetime(2000, 1, 1, tzinfo=timezone.utc)).total_seconds()) * S

BASIC = ["strict_deduplication", "strict_order", "strict_increase", "strict_once"]
MODES = []
for bits in range(16):
    names = [BASIC[i] for i in range(4) if bits & (1 << i)]
    MODES.append(",".join(names))
    if "strict_order" in names:
        MODES.append(",".join(names + ["allow_reentry"]))
assert len(MODES) == 24


def psql(sql, stdin=None):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit("psql failed: " + sql[:200])
    return r.stdout


def copy_out(sql):
    out = psql("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
               "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2; "
               "SET enable_hashagg = off; SET TIME ZONE 'UTC'; "
               "COPY (" + sql + ") TO STDOUT WITH (FORMAT csv)")
    return list(csv.reader(io.StringIO(out)))


def gen_users(rng):
    users = {}
    for uid in range(1, USERS + 1):
        n = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 8, 32])
        window = rng.choice([0, 2 * S, 5 * S, 20 * S, 1000 * S])
        windows = [rng.choice([0, 1 * S, 3 * S, 10 * S, 100 * S]) for _ in range(n - 1)]
        nrows = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12])
        span = rng.choice([3, 10, 40])
        rows = []
        for _ in range(nrows):
            ts = None if rng.random() < 0.03 else BASE_US + rng.randint(0, span) * S + \
                rng.choice([0, 0, 0, 500000])
            r = rng.random()
            hot = min(n, 5)
            if r < 0.15:
                mask = 0
            elif r < 0.75:
                mask = 1 << rng.randrange(hot)
            else:
                mask = 0
                for k in range(hot):
                    if rng.random() < 0.4:
                        mask |= 1 << k
                if n > 5 and rng.random() < 0.5:
                    mask |= 1 << rng.randrange(n)
            steps = [bool(mask & (1 << k)) for k in range(n)]
            if rng.random() < 0.03:
                steps[rng.randrange(n)] = None
            rows.append((ts, steps))
        # excluded events: the last 1 or 2 conditions of some users, each between two steps
        xs = []
        if n >= 3 and rng.random() < 0.3:
            nx = 2 if n >= 5 and rng.random() < 0.3 else 1
            nsteps = n - nx
            for c in range(nsteps + 1, n + 1):
                f = rng.randint(1, nsteps - 1)
                xs.append((c, f, rng.randint(f + 1, nsteps)))
        users[uid] = (n, window, windows, rows, xs)
    return users


def sql_bool(v):
    return "NULL" if v is None else ("t" if v else "f")


def interval_us(us):
    return "%d microseconds" % us


def load(users):
    psql("DROP TABLE IF EXISTS fr_ev, fr_st, fr_x; CREATE TABLE fr_ev (uid int, rowno int, ts timestamptz, s boolean[], w interval, "
         "ws interval[]); CREATE TABLE fr_x (uid int PRIMARY KEY, xs int[])")
    buf = io.StringIO()
    xbuf = io.StringIO()
    for uid, (n, window, windows, rows, xs) in users.items():
        if xs:
            xbuf.write("%d\t{%s}\n" % (uid, ",".join("{%d,%d,%d}" % x for x in xs)))
        ws = "{" + ",".join('"%s"' % interval_us(x) for x in windows) + "}"
        for i, (ts, steps) in enumerate(rows):
            buf.write("%d\t%d\t%s\t{%s}\t%s\t%s\n" % (
                uid, i, "\\N" if ts is None else str(ts), ",".join(sql_bool(v) for v in steps),
                interval_us(window), ws))
    # ts travels as microseconds since 2000-01-01 and is converted in SQL
    psql("CREATE TEMP TABLE x (uid int, rowno int, t bigint, s boolean[], w interval, "
         "ws interval[]); COPY x FROM STDIN; "
         "INSERT INTO fr_ev SELECT uid, rowno, "
         "timestamptz '2000-01-01 00:00:00+00' + t * interval '1 microsecond', s, w, ws FROM x; "
         "ANALYZE fr_ev", stdin=buf.getvalue())
    psql("COPY fr_x FROM STDIN; ANALYZE fr_x", stdin=xbuf.getvalue())
    psql("CREATE TABLE fr_st AS SELECT uid, cq.funnel_events(ts, VARIADIC s) AS st, "
         "min(w) AS w, min(ws) AS ws FROM fr_ev GROUP BY uid; ANALYZE fr_st")


_WORKER_USERS = None


def _worker_init():
    """Each reference worker regenerates the same users from the seed (cheaper than pickling)."""
    global _WORKER_USERS
    _WORKER_USERS = gen_users(random.Random(SEED))


def expected_for(args):
    """Reference answers for one slice of the users under one mode (in a worker process)."""
    mode, part, nparts = args
    res = {}
    for uid in range(1 + part, USERS + 1, nparts):
        n, window, windows, rows, xs = _WORKER_USERS[uid]
        usable = ref.usable_rows(rows)
        one = ref.funnel(rows, n, window, mode)
        # per-step windows on every other user (keeps the suite's run time reasonable)
        per = ref.funnel(rows, n, None, mode, windows) if uid % 2 == 0 else None
        excl = ref.funnel(rows, n, window, mode, None, xs) if xs else None
        comp = (ref.completions(rows, n, window, mode),
                ref.completions(rows, n, window, mode, None, xs) if xs else None)
        res[uid] = (one, per, len(usable) > 0, excl, comp)
    return res


NPARTS = 4


def submit_reference(pool, mode):
    return [pool.submit(expected_for, (mode, p, NPARTS)) for p in range(NPARTS)]


def collect(futures):
    res = {}
    for f in futures:
        res.update(f.result())
    return res


def step_times_sql(expr):
    """A timestamptz[] as microseconds since 2000-01-01, in SQL (cheaper than parsing text)."""
    return ("ARRAY(SELECT ((extract(epoch FROM x) - 946684800) * 1000000)::bigint "
            "FROM unnest(%s) WITH ORDINALITY u(x, o) ORDER BY o)" % expr)


def parse_us(text):
    if text == "":
        return None
    inner = text.strip("{}")
    return [int(v) for v in inner.split(",")] if inner else []


def main():
    rng = random.Random(SEED)
    users = gen_users(rng)
    nrows = sum(len(u[3]) for u in users.values())
    print("funnel reference check: %d users, %d rows, seed %d" % (USERS, nrows, SEED))
    load(users)
    grouped = {uid for uid, u in users.items() if u[3]}
    failures = []

    def fail(what, uid, got, want):
        if len(failures) < 20:
            n, window, windows, rows, xs = users[uid]
            failures.append("%s: user %d got %r want %r\n    n=%d window=%d windows=%r xs=%r rows=%r"
                            % (what, uid, got, want, n, window, windows, xs, rows))
        else:
            failures.append(what)

    with ProcessPoolExecutor(max_workers=2, initializer=_worker_init) as pool:
        pending = {mode: submit_reference(pool, mode) for mode in MODES}
        for mode in MODES:
            wf = copy_out("SELECT uid, cq.window_funnel(w, '%s', ts, VARIADIC s) "
                          "FROM fr_ev GROUP BY uid" % mode)
            acc = copy_out("SELECT uid, cq.funnel_stage(st, w, '%s'), %s, "
                           "CASE WHEN uid %% 2 = 0 THEN cq.funnel_stage(st, ws, '%s') END, "
                           "CASE WHEN uid %% 2 = 0 THEN %s END, cq.funnel_completions(st, w, '%s') "
                           "FROM fr_st"
                           % (mode, step_times_sql("cq.funnel_step_times(st, w, '%s')" % mode),
                              mode, step_times_sql("cq.funnel_step_times(st, ws, '%s')" % mode), mode))
            accx = copy_out("SELECT uid, cq.funnel_stage(st, w, '%s', xs), %s, "
                            "cq.funnel_completions(st, w, '%s', xs) FROM fr_st JOIN fr_x "
                            "USING (uid)" % (mode, step_times_sql(
                                "cq.funnel_step_times(st, w, '%s', xs)" % mode), mode))
            exp = collect(pending.pop(mode))
            seen = set()
            for uid, got in wf:
                uid = int(uid)
                seen.add(uid)
                if int(got) != exp[uid][0][0]:
                    fail("window_funnel[%s]" % mode, uid, int(got), exp[uid][0][0])
            if seen != grouped:
                failures.append("window_funnel[%s]: groups differ" % mode)
            for uid, st1, t1, c1 in accx:
                uid = int(uid)
                excl = exp[uid][3]
                if not exp[uid][2]:
                    if (st1, c1) != ("", ""):
                        fail("exclusions[%s] on NULL state" % mode, uid, st1, None)
                    continue
                if (int(st1), parse_us(t1)) != (excl[0], excl[1]):
                    fail("exclusions[%s]" % mode, uid, (int(st1), parse_us(t1)), excl)
                if int(c1) != exp[uid][4][1]:
                    fail("completions with exclusions[%s]" % mode, uid, int(c1), exp[uid][4][1])
            for uid, st1, t1, st2, t2, c1 in acc:
                uid = int(uid)
                one, per, has_rows, _excl, comp = exp[uid]
                if not has_rows:
                    if (st1, st2, c1) != ("", "", ""):  # NULL state: NULL answers
                        fail("accessors[%s] on NULL state" % mode, uid, (st1, st2, c1), None)
                    continue
                if int(c1) != comp[0]:
                    fail("funnel_completions[%s]" % mode, uid, int(c1), comp[0])
                if (int(st1), parse_us(t1)) != (one[0], one[1]):
                    fail("funnel_stage/step_times[%s]" % mode, uid, (int(st1), parse_us(t1)), one)
                if per is None:
                    if (st2, t2) != ("", ""):
                        fail("per-step[%s] computed for an odd user" % mode, uid, st2, None)
                elif (int(st2), parse_us(t2)) != (per[0], per[1]):
                    fail("per-step funnel_stage/step_times[%s]" % mode, uid,
                         (int(st2), parse_us(t2)), per)
            print("  mode %-60r %d failures so far" % (mode, len(failures)))
            sys.stdout.flush()

    # any order: every condition of the state, within the user's window
    for uid, got in copy_out("SELECT uid, cq.funnel_any_order(st, w) FROM fr_st"):
        uid = int(uid)
        u = users[uid]
        want = ref.any_order(u[3], u[0], u[1]) if ref.usable_rows(u[3]) else None
        if (None if got == "" else int(got)) != want:
            fail("funnel_any_order", uid, got, want)

    # window_funnel without a mode argument = mode ''
    exp0 = {uid: ref.funnel(u[3], u[0], u[1], "")[0] for uid, u in users.items() if u[3]}
    for uid, got in copy_out("SELECT uid, cq.window_funnel(w, ts, VARIADIC s) "
                             "FROM fr_ev GROUP BY uid"):
        if int(got) != exp0[int(uid)]:
            fail("window_funnel (no mode)", int(uid), int(got), exp0[int(uid)])

    # holding a property constant: each row's key is its row number mod 3 (NULL for every fifth
    # row): the best stage over the keys, each key's rows through the reference funnel
    for mode in ("", "strict_order", "strict_once", "strict_deduplication,strict_increase"):
        got = copy_out("SELECT uid, cq.window_funnel_by_key(w, '%s', CASE WHEN rowno %% 5 <> 4 "
                       "THEN (rowno %% 3)::text END, ts, VARIADIC s) FROM fr_ev GROUP BY uid" % mode)
        for uid, stage in got:
            uid = int(uid)
            n, window, _ws, rows, _xs = users[uid]
            want = 0
            for key in {i % 3 for i in range(len(rows)) if i % 5 != 4}:
                part = [r for i, r in enumerate(rows) if i % 5 != 4 and i % 3 == key]
                want = max(want, ref.funnel(part, n, window, mode)[0])
            if int(stage) != want:
                fail("window_funnel_by_key[%s]" % mode, uid, int(stage), want)

    # paths around step 1: each row named r0 .. r3 by its row number (NULL for every seventh);
    # the 3 rows after the first step of the reference chain, the 2 before it (nearest first)
    def name_of(i):
        return None if i % 7 == 6 else "r%d" % (i % 4)

    got = copy_out("SELECT uid, cq.funnel_next_events(w, ts, CASE WHEN rowno % 7 <> 6 THEN 'r' || rowno % 4 END, "
                   "1, 3, VARIADIC s)::text, cq.funnel_next_events(w, ts, CASE WHEN rowno % 7 <> 6 "
                   "THEN 'r' || rowno % 4 END, 1, -2, VARIADIC s)::text FROM fr_ev GROUP BY uid")
    for uid, after, before in got:
        uid = int(uid)
        n, window, _ws, rows, _xs = users[uid]
        named = [(ts, sum(1 << k for k, v in enumerate(st) if v), name_of(i))
                 for i, (ts, st) in enumerate(rows) if ts is not None and None not in st]
        stage, times = ref.funnel(rows, n, window, "")
        if stage < 1:
            want_a = want_b = ""
        else:
            key = lambda r: (r[0], r[1], (1, "") if r[2] is None else (0, r[2]))  # noqa: E731
            named.sort(key=key)
            at = times[0]
            nxt = [r[2] for r in named if r[0] > at][:3]
            prv = [r[2] for r in reversed(named) if r[0] < at][:2]
            fmt = lambda xs: "{" + ",".join("NULL" if x is None else x for x in xs) + "}"  # noqa: E731
            want_a, want_b = fmt(nxt), fmt(prv)
        if (after, before) != (want_a, want_b):
            fail("funnel_next_events", uid, (after, before), (want_a, want_b))

    # optional steps and minimum gaps (users of at most 8 steps and 8 rows): each user's own
    # optional steps and gaps, drawn from the user id
    flex = {}
    fbuf = io.StringIO()
    for uid, (n, window, _ws, rows, _xs) in users.items():
        if n > 8 or not rows or len(rows) > 8:
            continue
        r = random.Random(uid)
        opt = [k for k in range(1, n + 1) if r.random() < 0.3]
        gaps = [0] + [r.choice([0, 0, S, 3 * S, 20 * S]) for _ in range(n - 1)]
        flex[uid] = (opt, gaps)
        fbuf.write("%d\t{%s}\t{%s}\n" % (uid, ",".join(map(str, opt)),
                                        ",".join('"%s"' % interval_us(g) for g in gaps[1:])))
    psql("DROP TABLE IF EXISTS fr_flex; CREATE TABLE fr_flex (uid int, opt int[], gaps interval[]); "
         "COPY fr_flex FROM STDIN", stdin=fbuf.getvalue())
    got = copy_out("SELECT uid, cq.funnel_stage_flexible(st, w, opt, CASE WHEN cardinality(gaps) > 0 THEN gaps END), "
                   "cq.funnel_stage_flexible(st, w, NULL) = cq.funnel_stage(st, w) "
                   "FROM fr_st JOIN fr_flex USING (uid)")
    for uid, stage, same in got:
        uid = int(uid)
        n, window, _ws, rows, _xs = users[uid]
        opt, gaps = flex[uid]
        if not ref.usable_rows(rows):
            if stage != "":
                fail("funnel_stage_flexible NULL", uid, stage, "")
            continue
        want = ref.flexible(rows, n, window, set(opt), gaps)
        if int(stage) != want:
            fail("funnel_stage_flexible", uid, (int(stage), opt, gaps), want)
        if same not in ("t", ""):
            fail("funnel_stage_flexible without options = funnel_stage", uid, same, "t")
    if len(got) < 10000:
        failures.append("funnel_stage_flexible: only %d users checked" % len(got))

    # rollup of partial states (3 parts per user, some empty) equals the whole
    for mode in ("", "strict_once,strict_order", "strict_deduplication,strict_increase"):
        got = copy_out("SELECT uid, cq.funnel_stage(cq.funnel_rollup(part), min(w), '%s') FROM "
                       "(SELECT uid, rowno %% 3 AS p, cq.funnel_events(ts, VARIADIC s) part, "
                       "min(w) w FROM fr_ev GROUP BY uid, rowno %% 3) q GROUP BY uid" % mode)
        for uid, stage in got:
            uid = int(uid)
            u = users[uid]
            if not ref.usable_rows(u[3]):
                if stage != "":
                    fail("rollup[%s] NULL" % mode, uid, stage, "")
                continue
            want = ref.funnel(u[3], u[0], u[1], mode)[0]
            if stage == "" or int(stage) != want:
                fail("rollup[%s]" % mode, uid, stage, want)

    # text form round-trips exactly
    bad = copy_out("SELECT count(*) FROM fr_st WHERE st::text::cq.funnel_state::text "
                   "IS DISTINCT FROM st::text")
    if bad[0][0] != "0":
        failures.append("text round trip differs for %s states" % bad[0][0])

    # retention (conditions = the step arrays; time plays no part)
    for uid, got in copy_out("SELECT uid, cq.retention(VARIADIC s) FROM fr_ev GROUP BY uid"):
        uid = int(uid)
        want = ref.retention([steps for _ts, steps in users[uid][3]])
        gotl = [x == "t" for x in got.strip("{}").split(",")]
        if gotl != want:
            fail("retention", uid, gotl, want)

    if failures:
        print("%d mismatches; first ones:" % len(failures))
        for f in failures[:20]:
            print("  " + f)
        return 1
    print("funnel reference check: all %d modes, accessors, completions, any order, rollup, text, "
          "retention agree"
          % len(MODES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
