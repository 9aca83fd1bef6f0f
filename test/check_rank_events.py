#!/usr/bin/python3
"""cq.rank_events through the server against the landmark design computed independently in
Python (test/rank_reference.py, statistics from scipy / sklearn via test/signal_reference.py).

Every output column is compared: counts, verdicts, advice, ranks and the flags exactly; the
statistics, weekly volume, duplicate rate, score and the figures inside `signal` to 1e-9
relative (sums of revenue relative to the sum of their absolute terms); p-values to 1e-9 plus
the amplification of r's last digits (t^2 * 1e-12, see check_signal_scipy.py); q-values to 1e-6;
median lead and latency times exactly, in microseconds.  On:

1. generated data with planted signals (test/gen_signal_data.py), default arguments; and the
   placements: the true driver (add_to_cart) recommended at rank 1; the rare predictor
   (vip_call), with the largest odds ratio of the candidates, "too rare", below it;
   page_view and newsletter_signup "no signal"; the revenue event (purchase) flagged and last;
   session_start (every user's entry) "not enough data";
2. revenue from a separate table, excluded events, an explicit end of observation;
3. a conversion event and a higher min_weekly_volume;
4. named entry events, a shorter `within` and thresholds {1,2,3};
5. an event id column with planted copies (same event and id 1 hour later, exactly 48 hours
   later, 49 hours later then 47 hours after that, across users; NULL and blank ids, the same
   id under another event name), rows at +-infinity, NaN and infinite revenue, times to the
   microsecond;
6. the README's example on the bundled UCI data (refunds included);
and first a hand-made pair of tables for the edges of the windows (see edges()).  Any
difference fails.
"""
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

os.environ["PGTZ"] = "UTC"    # calendar days are 86,400 s, as in the Python reference
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import COUNT, FAILURES, check, copy_in, copy_out, expect, finish, num, psql  # noqa: E402
from gen_signal_data import generate  # noqa: E402
from rank_reference import (DAY, HOUR, NEG_INF, POS_INF, US, landmark, rank_events,  # noqa: E402
                            stream)

COLS = ["rank", "event_name", "threshold", "recommended", "users", "users_with_event",
        "users_censored", "users_without_entry", "conversion_rate", "baseline_conversion_rate",
        "lift", "odds_ratio", "odds_ratio_lower", "odds_ratio_upper", "correlation", "p_value",
        "q_value", "revenue_share", "revenue_before_landmark", "median_lead_time",
        "median_event_latency", "weekly_volume", "duplicate_rate", "rows_skipped",
        "is_revenue_event", "verdict", "advice", "score", "signal"]
EXACT_INT = ("rank", "threshold", "users", "users_with_event", "users_censored",
             "users_without_entry", "median_lead_time", "median_event_latency", "rows_skipped")
FLOAT = ("conversion_rate", "lift", "odds_ratio", "odds_ratio_lower", "odds_ratio_upper",
         "correlation", "weekly_volume", "duplicate_rate", "revenue_share", "score")


def query(args):
    """Every column of cq.rank_events(args), the intervals as microseconds."""
    rows = psql(f"""SELECT rank, event_name, threshold, recommended, users, users_with_event,
                           users_censored, users_without_entry, conversion_rate,
                           baseline_conversion_rate, lift, odds_ratio, odds_ratio_lower,
                           odds_ratio_upper, correlation, p_value, q_value, revenue_share,
                           revenue_before_landmark,
                           (extract(epoch FROM median_lead_time) * 1000000)::bigint,
                           (extract(epoch FROM median_event_latency) * 1000000)::bigint,
                           weekly_volume, duplicate_rate, rows_skipped, is_revenue_event,
                           verdict, advice, score, signal
                      FROM cq.rank_events({args})""")
    return [dict(zip(COLS, r)) for r in rows]


def float_text(x):
    """float8 output (shortest exact form) of the numbers used as parameters here."""
    s = repr(float(x))
    return s[:-2] if s.endswith(".0") else s


def latency_text(us):
    """round(extract(epoch FROM latency) / 86400, 1) || ' days' from one day on, else the same
    in hours: numeric arithmetic, halves rounded away from zero."""
    unit, size = ("days", DAY) if us >= DAY else ("hours", HOUR)
    q = (Decimal(us) / Decimal(size)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{q} {unit}"


def advice(e, *, min_weekly, within_text):
    v = e["verdict"]
    if e["recommended"]:
        return "recommended: the strongest predictor of revenue that a platform can learn from"
    if v == "ready":
        return "predicts revenue, often enough to optimize on"
    if v == "too rare":
        # round(weekly_volume::numeric, 1): float8 -> numeric keeps 15 significant digits
        weekly = Decimal(f"{e['weekly_volume']:.15g}").quantize(Decimal("0.1"), ROUND_HALF_UP)
        return (f"a good audience signal, not an optimization event: {weekly} a week, below the "
                f"{float_text(min_weekly)} a platform needs to learn")
    if v == "too late":
        return (f"predicts revenue, but usually fires {latency_text(e['median_event_latency'])} "
                f"after entry, past the {within_text} attribution window: it cannot steer bidding")
    if v == "no signal":
        return "no evidence that it predicts revenue"
    if v == "not enough data":
        return "nothing to compare: every user or no user has it, or no user had revenue"
    return "the revenue itself"


def near(name, got, want, scale, rel=1e-9):
    """Relative to the larger of |want| and scale (the sum of the absolute terms)."""
    COUNT[0] += 1
    ok = (got is None) == (want is None) and (got is None or abs(got - want) <= rel * max(abs(want), scale))
    if not ok:
        FAILURES.append(name)
        print(f"FAIL {name}: got {got!r}, want {want!r} (scale {scale!r})")
    return ok


def compare_signal(tag, text, want_groups, flags, y):
    """The cq.event_signal text v1:n,pos,sx,sxx,lsx,lsxx;... against the groups."""
    expect(f"{tag}.signal.format", text.startswith("v1:"), text)
    got = [g.split(",") for g in text[3:].split(";")]
    for g, (f, w) in enumerate(zip(got, want_groups)):
        expect(f"{tag}.signal.g{g}.n", int(f[0]) == w["n"], (f[0], w["n"]))
        expect(f"{tag}.signal.g{g}.pos", int(f[1]) == w["pos"], (f[1], w["pos"]))
        near(f"{tag}.signal.g{g}.sx", float(f[2]), w["sx"], w["scale"])
        near(f"{tag}.signal.g{g}.lsx", float(f[4]), w["lsx"], w["lscale"])
        v = y[flags == bool(g)]
        near(f"{tag}.signal.g{g}.sxx", float(f[3]), w["sxx"],
             1e-6 * float((v * v).sum()) / max(len(v), 1))
        lv = np.log1p(np.abs(v))
        near(f"{tag}.signal.g{g}.lsxx", float(f[5]), w["lsxx"],
             1e-6 * float((lv * lv).sum()) / max(len(v), 1))


def compare(label, got_rows, want_rows, *, min_weekly=50.0, within_text="7 days"):
    """Every column of every row; the rows matched by (event name, threshold)."""
    key = [(r["event_name"], int(r["threshold"])) for r in got_rows]
    want_key = [(e["event_name"], e["threshold"]) for e in want_rows]
    expect(f"{label}.rows", sorted(key) == sorted(want_key), (key, want_key))
    expect(f"{label}.ranks", [int(r["rank"]) for r in got_rows] == list(range(1, len(got_rows) + 1)))
    want = {(e["event_name"], e["threshold"]): e for e in want_rows}
    for g in got_rows:
        k = (g["event_name"], int(g["threshold"]))
        w = want.get(k)
        if w is None:
            continue
        tag = f"{label}.{k[0]}.k{k[1]}"
        for c in EXACT_INT:
            gv = None if g[c] == "" else int(g[c])
            expect(f"{tag}.{c}", gv == w[c], (gv, w[c]))
        for c in ("recommended", "is_revenue_event"):
            expect(f"{tag}.{c}", (g[c] == "t") == w[c], (g[c], w[c]))
        expect(f"{tag}.verdict", g["verdict"] == w["verdict"], (g["verdict"], w["verdict"]))
        want_advice = advice(w, min_weekly=min_weekly, within_text=within_text)
        expect(f"{tag}.advice", g["advice"] == want_advice, (g["advice"], want_advice))
        for c in FLOAT:
            check(f"{tag}.{c}", num(g[c]), w[c])
        check(f"{tag}.baseline_conversion_rate", num(g["baseline_conversion_rate"]),
              w["baseline_conversion_rate"])
        near(f"{tag}.revenue_before_landmark", num(g["revenue_before_landmark"]),
             w["revenue_before_landmark"], w["revenue_before_scale"])
        p, wp = num(g["p_value"]), w["p_value"]
        if wp is not None and p is not None and g["correlation"]:
            # see check_signal_scipy.py: p amplifies the last digits of r by about t^2
            r, nn = float(g["correlation"]), int(g["users"])
            t2 = (nn - 2) * r * r / (1 - r * r) if abs(r) < 1 else 0
            check(f"{tag}.p_value", p, wp, rel=1e-9 + t2 * 1e-12)
        else:
            expect(f"{tag}.p_value", p is None and wp is None, (p, wp))
        check(f"{tag}.q_value", num(g["q_value"]), w["q_value"], rel=1e-6)
        compare_signal(tag, g["signal"], w["groups"], w["flags"], w["y"])
        expect(f"{tag}.rank", int(g["rank"]) == w["rank"], (g["rank"], w["rank"]))


def run_case(label, args, *, events, revenue=None, conversion_event=None, event_ids=None,
             observed_until=None, within=7 * DAY, within_text="7 days", horizon, thresholds=(1,),
             entry_events=None, exclude=(), min_weekly=50.0):
    """Run cq.rank_events(args) and compare it with the reference of the same tables."""
    rows, latest = stream(events, revenue=revenue, conversion_event=conversion_event,
                          event_ids=event_ids)
    lm = landmark(rows, within=within, horizon=horizon,
                  observed_until=latest if observed_until is None else observed_until,
                  thresholds=thresholds, entry_events=entry_events)
    want = rank_events(lm, within=within, conversion_event=conversion_event,
                       exclude_events=exclude, min_weekly_volume=min_weekly,
                       with_ids=event_ids is not None)
    got = query(args)
    compare(label, got, want, min_weekly=min_weekly, within_text=within_text)
    return got, want, lm


def gen_events(u, t, n, v):
    """Event-table columns from generate(): times in microseconds, NULL for a missing value."""
    return (u.tolist(), (t.astype(np.int64) * US).tolist(), n.tolist(),
            [None if x != x else x for x in v.tolist()])


def ts_text(us):
    if us == POS_INF:
        return "infinity"
    if us == NEG_INF:
        return "-infinity"
    return str(np.datetime64(us, "us")) + "+00"


def planted_copies(seed=5):
    """Scenario 5's event table: generated rows with an id each (some NULL or blank), planted
    copies, rows at +-infinity and non-finite revenue, times to the microsecond."""
    u, t, n, v, _ = generate(users=4000, weeks=12, names=7, seed=seed)
    rng = np.random.default_rng(seed)
    U, Tm, N, V = gen_events(u, t, n, v)
    Tm = [x + int(o) for x, o in zip(Tm, rng.integers(0, US, len(Tm)))]
    ids = [f"{name[:4]}-{i}" for i, name in enumerate(N)]
    for i in range(0, len(ids), 11):
        ids[i] = None
    for i in range(5, len(ids), 13):
        ids[i] = "  "
    rows = list(zip(U, Tm, N, V, ids))
    extra = []
    picks = rng.choice(len(rows), 900, replace=False)
    for j, i in enumerate(picks):
        uu, tt, nn, vv, ii = rows[i]
        kind = j % 6
        if kind == 0:
            extra.append((uu, tt + HOUR, nn, vv, ii))                       # a copy (if an id)
        elif kind == 1:
            extra.append((uu, tt + 48 * HOUR, nn, vv, ii))                  # exactly 48 h: a copy
        elif kind == 2:
            extra.append((uu, tt + 49 * HOUR, nn, vv, ii))                  # kept: a new window
            extra.append((uu, tt + 96 * HOUR, nn, vv, ii))                  # 47 h later: a copy
        elif kind == 3:
            extra.append((uu % 4000 + 1, tt + 2 * HOUR, nn, vv, ii))        # another user: a copy
        elif kind == 4:
            other = "page_view" if nn != "page_view" else "add_to_cart"
            extra.append((uu, tt + HOUR, other, None, ii))                  # another event: kept
        else:
            extra.append((uu, tt + 30 * 60 * US, nn, vv, None))              # no id: kept
    # rows that cannot be used: times at +-infinity (one with the id of a real row), NaN and
    # infinite revenue
    extra += [(7, POS_INF, "page_view", None, None), (8, NEG_INF, "add_to_cart", None, None),
              (9, POS_INF, "purchase", 10.0, rows[3][4]), (10, NEG_INF, rows[3][2], None, rows[3][4]),
              (11, rows[0][1] + DAY, "purchase", float("nan"), None),
              (12, rows[1][1] + DAY, "purchase", float("inf"), None),
              (13, rows[2][1] + DAY, "purchase", float("-inf"), "x-1"),
              # a NaN revenue with an id, then the same order an hour later: the skipped row
              # takes no part in deduplication, so the second row is kept and counts
              (14, rows[2][1] + DAY, "purchase", float("nan"), "x-2"),
              (14, rows[2][1] + DAY + HOUR, "purchase", 25.0, "x-2")]
    return rows + extra


def edges():
    """Scenario 0: a hand-made event table and revenue table (within 1 day, horizon 10 days,
    observed until Jan 31): revenue before entry, at the landmark (not outcome) and at the
    outcome's end (outcome), one microsecond after it; a zero-value order and a refund before
    the first positive revenue; an event exactly at the landmark (exposure); a window ending
    exactly at the end of observation (included) and one a microsecond later (censored);
    events at equal times; a user with only a refund, one with revenue and no event; a median
    lead time between two values an odd number of microseconds apart (rounded to even)."""
    d = lambda s: int(np.datetime64(s, "us").astype(np.int64))       # noqa: E731
    ev = [(1, "2024-01-01T00:00", "visit"), (1, "2024-01-01T12:00", "cart"),
          (1, "2024-01-02T00:00", "cart"),
          (2, "2024-01-20T00:00", "visit"), (2, "2024-01-20T06:00", "cart"),
          (3, "2024-01-20T00:00:00.000001", "visit"), (3, "2024-01-20T00:00:00.000001", "cart"),
          (4, "2024-01-03T00:00", "visit"), (4, "2024-01-03T00:00", "newsletter"),
          (6, "2024-01-05T00:00", "visit"), (6, "2024-01-05T00:00:00.000001", "cart"),
          (7, "2024-01-06T00:00", "visit"), (7, "2024-01-06T00:00:00.000001", "cart"),
          (8, "2024-01-07T00:00", "visit"), (8, "2024-01-09T00:00", "newsletter"),
          (9, "2024-01-08T00:00", "visit"), (9, "2024-01-08T01:00", "newsletter"),
          (10, "2024-01-09T00:00", "visit"), (11, "2024-01-10T00:00", "visit"),
          (11, "2024-01-11T00:00", "cart"), (11, "2024-01-12T00:00", "cart")]
    rv = [(1, "2023-12-31T00:00", 7.5), (1, "2024-01-02T00:00", 4.0), (1, "2024-01-03T00:00", 0.0),
          (1, "2024-01-04T00:00", -12.5), (1, "2024-01-05T00:00", 30.0),
          (1, "2024-01-12T00:00", 2.25), (1, "2024-01-12T00:00:00.000001", 1000.0),
          (2, "2024-01-25T00:00", 10.0), (3, "2024-01-25T00:00", 10.0),
          (4, "2024-01-10T00:00", -3.0), (5, "2024-01-02T00:00", 50.0),
          (6, "2024-01-06T12:00", 20.0), (7, "2024-01-07T00:00:00.000004", 8.0),
          (8, "2024-01-10T00:00", 5.0), (9, "2024-01-15T00:00", 0.0), (10, "2024-01-12T00:00", 3.0),
          (11, "2024-01-20T00:00", -2.0), (12, "2024-02-20T00:00", None)]
    events = ([r[0] for r in ev], [d(r[1]) for r in ev], [r[2] for r in ev], None)
    revenue = ([r[0] for r in rv], [d(r[1]) for r in rv], [r[2] for r in rv])
    psql("CREATE TABLE edge_events (user_id int, event_time timestamptz, event_name text);"
         "CREATE TABLE edge_revenue (user_id int, event_time timestamptz, revenue numeric)")
    copy_in("edge_events", [(a, b + "+00", c) for a, b, c in ev])
    copy_in("edge_revenue", [(a, b + "+00", c) for a, b, c in rv])
    args = ("'edge_events', '10 days', revenue_events => 'edge_revenue', within => '1 day', "
            "min_weekly_volume => 1")
    got, want, lm = run_case("edges", args + ", observed_until => '2024-01-31 00:00:00+00'",
                             events=events, revenue=revenue, observed_until=d("2024-01-31T00:00"),
                             within=DAY, within_text="1 day", horizon=10 * DAY, min_weekly=1.0)
    cart = {e["event_name"]: e for e in want}["cart"]
    # the reference itself, by hand: users 1, 2, 6, 7, 11 exposed to cart (11 only at its
    # landmark); outcomes 19.75, 10, 20, 8, -2; user 3 censored, 5 without entry; lead times
    # 1 day + 3 us, 1.5 days - 1 us, 3.5 days, 4.75 days: median 2.5 days - 1 us (half a
    # microsecond rounded to even); a revenue table row with a NULL value still moves the
    # default end of observation
    expect("edges.ref.population", (lm["included"], lm["censored"], lm["no_entry"]) == (9, 1, 1),
           (lm["included"], lm["censored"], lm["no_entry"]))
    expect("edges.ref.cart", cart["users_with_event"] == 5
           and cart["revenue_before_landmark"] == 11.5
           and sorted(cart["y"][cart["flags"]].tolist()) == [-2.0, 8.0, 10.0, 19.75, 20.0]
           and cart["median_lead_time"] == 2 * DAY + 12 * HOUR - 1, cart)
    got, want, lm = run_case("edges_default_end", args, events=events, revenue=revenue,
                             within=DAY, within_text="1 day", horizon=10 * DAY, min_weekly=1.0)
    expect("edges_default_end.ref", lm["observed_until"] == d("2024-02-20T00:00"))


def main():
    # 0. hand-made edges
    edges()

    # 1. generated data, default arguments (revenue = rows with a non-zero value: the purchases)
    u, t, n, v, _ = generate(users=20000, weeks=26, names=8, seed=1)
    psql("CREATE TABLE gen_events (user_id bigint, event_time timestamptz, event_name text, revenue numeric)")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    "\\copy gen_events FROM PROGRAM '/usr/bin/python3 test/gen_signal_data.py "
                    "--users 20000 --weeks 26 --names 8 --seed 1' WITH (FORMAT csv)"], check=True)
    psql("ANALYZE gen_events")
    cnt = int(psql("SELECT count(*) FROM gen_events")[0][0])
    expect("loaded", cnt == len(u), (cnt, len(u)))
    events = gen_events(u, t, n, v)

    got, want, lm = run_case("default", "'gen_events', '14 days'", events=events, horizon=14 * DAY)
    by = {r["event_name"]: r for r in got}
    expect("driver_recommended_first", got[0]["event_name"] == "add_to_cart"
           and got[0]["verdict"] == "ready" and got[0]["recommended"] == "t", got[0])
    expect("one_recommended", sum(r["recommended"] == "t" for r in got) == 1)
    tested_or = {k: num(r["odds_ratio"]) for k, r in by.items()
                 if r["is_revenue_event"] == "f" and r["odds_ratio"]}
    expect("rare_predictor_largest_or", max(tested_or, key=tested_or.get) == "vip_call", tested_or)
    expect("rare_predictor_too_rare", by["vip_call"]["verdict"] == "too rare", by["vip_call"])
    expect("rare_predictor_below_driver", int(by["vip_call"]["rank"]) > 1)
    for name in ("page_view", "newsletter_signup"):
        expect(f"{name}_no_signal", by[name]["verdict"] == "no signal", by[name])
        expect(f"{name}_below_rare", int(by[name]["rank"]) > int(by["vip_call"]["rank"]))
    expect("purchase_flagged_last", by["purchase"]["is_revenue_event"] == "t"
           and int(by["purchase"]["rank"]) == len(got), by["purchase"])
    expect("session_start_untestable", by["session_start"]["verdict"] == "not enough data"
           and by["session_start"]["users_with_event"] == by["session_start"]["users"],
           by["session_start"])
    expect("censored_counted", int(by["session_start"]["users_censored"]) > 0)
    expect("population", lm["users"] == lm["included"] + lm["censored"] and lm["no_entry"] == 0)

    # 2. revenue from a separate table, excluded events, an explicit end of observation
    psql("""CREATE TABLE gen_revenue AS SELECT user_id, event_time, revenue FROM gen_events
             WHERE event_name = 'purchase';
            CREATE VIEW gen_actions AS SELECT user_id, event_time, event_name FROM gen_events
             WHERE event_name <> 'purchase'""")
    end = int(np.datetime64("2024-06-01T00:00:00", "us").astype(np.int64))
    keep = n != "purchase"
    sel = ~keep
    ev = gen_events(u[keep], t[keep], n[keep], v[keep])
    got, _, _ = run_case(
        "revenue_table", "'gen_actions', '7 days', revenue_events => 'gen_revenue', "
        "exclude_events => '{event_01,event_02}', observed_until => '2024-06-01 00:00:00+00'",
        events=(ev[0], ev[1], ev[2], None),
        revenue=(u[sel].tolist(), (t[sel].astype(np.int64) * US).tolist(), v[sel].tolist()),
        observed_until=end, horizon=7 * DAY, exclude=("event_01", "event_02"))
    expect("revenue_table.excluded", not {"event_01", "event_02"} & {r["event_name"] for r in got})
    expect("revenue_table.driver_first", got[0]["event_name"] == "add_to_cart", got[0])

    # 3. a conversion event in the same table; a stricter volume threshold
    got, _, _ = run_case("conversion_event", "'gen_events', '30 days', conversion_event => "
                         "'purchase', min_weekly_volume => 300", events=events,
                         conversion_event="purchase", horizon=30 * DAY, min_weekly=300.0)
    by = {r["event_name"]: r for r in got}
    expect("conversion_event.flagged", by["purchase"]["is_revenue_event"] == "t")
    expect("conversion_event.driver_too_rare_at_300", by["add_to_cart"]["verdict"] == "too rare",
           by["add_to_cart"])

    # 4. entry events, a shorter exposure window, several thresholds
    got, _, lm = run_case(
        "entry_thresholds", "'gen_events', '14 days', entry_events => '{page_view}', "
        "within => '2 days', thresholds => '{3,1,2}', min_weekly_volume => 20",
        events=events, within=2 * DAY, within_text="2 days", horizon=14 * DAY,
        thresholds=(1, 2, 3), entry_events=("page_view",), min_weekly=20.0)
    expect("entry_thresholds.no_entry", lm["no_entry"] > 1000, lm["no_entry"])
    expect("entry_thresholds.verdicts", {"too late", "no signal", "revenue event"}
           <= {r["verdict"] for r in got}, sorted({r["verdict"] for r in got}))

    # 5. an event id column with planted copies, unusable rows, times to the microsecond
    rows = planted_copies()
    psql("CREATE TABLE id_events (user_id bigint, event_time timestamptz, event_name text, "
         "revenue numeric, event_id text)")
    copy_in("id_events", [(a, ts_text(b), c, d, e) for a, b, c, d, e in rows])
    cnt = int(psql("SELECT count(*) FROM id_events")[0][0])
    expect("id_events.loaded", cnt == len(rows), (cnt, len(rows)))
    got, want, lm = run_case(
        "event_ids", "'id_events', '14 days', event_id_column => 'event_id', "
        "thresholds => '{1,2}'",
        events=([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                [r[3] for r in rows]),
        event_ids=[r[4] for r in rows], horizon=14 * DAY, thresholds=(1, 2))
    dups = {e["event_name"]: e["duplicate_rate"] for e in want}
    expect("event_ids.copies_found", all(dups[k] and dups[k] > 0.01 for k in
                                         ("add_to_cart", "page_view", "purchase")), dups)
    expect("event_ids.skipped", lm["rows_skipped"] == 8, lm["rows_skipped"])
    # ... and without the id column every planted copy counts
    run_case("no_ids", "'id_events', '14 days', thresholds => '{1,2}'",
             events=([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                     [r[3] for r in rows]), horizon=14 * DAY, thresholds=(1, 2))

    # 6. the README's UCI example (revenue from a view of invoices), recomputed in Python
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "test/data/load_uci.sql"],
                   check=True, capture_output=True)
    psql("""CREATE VIEW uci_product_events AS
            SELECT customer_id AS user_id, invoice_date AS event_time, p.event_name
              FROM online_retail
              JOIN (VALUES ('85123A', 'bought heart t-light holder'), ('22423', 'bought cake stand'),
                           ('85099B', 'bought jumbo bag'), ('47566', 'bought party bunting'),
                           ('84879', 'bought bird ornament')) p(stock_code, event_name) USING (stock_code)
             WHERE customer_id IS NOT NULL AND quantity > 0
            UNION ALL
            SELECT customer_id, invoice_date, 'cancellation' FROM online_retail
             WHERE customer_id IS NOT NULL AND invoice_no LIKE 'C%';
            CREATE VIEW uci_invoices AS
            SELECT customer_id AS user_id, invoice_date AS event_time,
                   sum(quantity * unit_price) AS revenue
              FROM online_retail WHERE customer_id IS NOT NULL
             GROUP BY invoice_no, customer_id, invoice_date""")
    us = "(extract(epoch FROM event_time::timestamptz) * 1000000)::bigint"
    ev = copy_out(f"SELECT user_id, {us}, event_name FROM uci_product_events")
    rv = copy_out(f"SELECT user_id, {us}, revenue::float8 FROM uci_invoices")
    got, _, _ = run_case(
        "uci", "'uci_product_events', '90 days', revenue_events => 'uci_invoices'",
        events=([r[0] for r in ev], [int(r[1]) for r in ev], [r[2] for r in ev], None),
        revenue=([r[0] for r in rv], [int(r[1]) for r in rv], [float(r[2]) for r in rv]),
        horizon=90 * DAY)
    expect("uci.negative_revenue", any(float(r[2]) < 0 for r in rv))
    finish("check_rank_events")


main()
