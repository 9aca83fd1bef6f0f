#!/usr/bin/python3
"""The per-user accumulator behind cq.rank_events (src/rank_accum.c), without the server.

src/rank_accum.c is free of PostgreSQL; test/unit/rank_accum_driver.c feeds it rows from a file.
This suite builds the driver with the same C files the module ships, runs it on event logs and
compares every figure with the landmark design of test/rank_reference.py:

- per event name and threshold: occurrences, duplicates, carries; for group 1 (included users
  exposed at least k times in [entry, landmark]) and group 0 (the other included users) the
  count and the users with outcome > 0 (exact), the sum of the outcomes and of their slog1p
  (1e-9 relative to the sum of the absolute terms), their sums of squared deviations (1e-9
  relative, against numpy's two-pass computation); the revenue before the landmark of group 1;
  the median lead and latency times (exact, in microseconds);
- the totals: users, included, censored, without entry, rows skipped, first time (exact).

The logs: generated ones with planted signals (test/gen_signal_data.py), with revenue from the
event rows, from a separate table with refunds and users who have revenue but no event, or from
a conversion event; several thresholds, named entry events, copies, rows on the same time, an
explicit end of observation, within 0; and a hand-made log for the edges (refunds and
zero-value orders before the first positive revenue, revenue before entry, at the landmark and
at the outcome's end, rows at +-infinity, NaN and infinite revenue, copies, users with only
copies or only skipped rows, a window ending exactly at the end of observation, a median
between two times an odd number of microseconds apart).  Rows going back in time are refused
(status "unordered"), an outcome past double's range too (status "overflow").
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import COUNT, FAILURES, expect, finish  # noqa: E402
from gen_signal_data import generate  # noqa: E402
from rank_reference import DAY, HOUR, NEG_INF, POS_INF, US, dedup_copies, groups, landmark  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(TOP, "src")
STATUS_UNORDERED = 1
STATUS_OVERFLOW = 3


def build(workdir):
    """The driver, linked with the accumulator and the summary arithmetic the module ships."""
    objs = []
    for c in ("rank_accum.c", "signal_core.c"):
        o = os.path.join(workdir, c + ".o")
        subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", SRC, "-c",
                        os.path.join(SRC, c), "-o", o], check=True)
        objs.append(o)
    o = os.path.join(workdir, "signal_dist.o")
    subprocess.run(["g++", "-std=c++14", "-O2", "-Wall", "-Wextra", "-Werror", "-I", SRC, "-c",
                    os.path.join(SRC, "signal_dist.cpp"), "-o", o], check=True)
    objs.append(o)
    d = os.path.join(workdir, "driver.o")
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", SRC, "-c",
                    os.path.join(TOP, "test", "unit", "rank_accum_driver.c"), "-o", d], check=True)
    exe = os.path.join(workdir, "rank_accum_driver")
    subprocess.run(["g++", d] + objs + ["-lm", "-o", exe], check=True)
    return exe


def run(exe, rows, within, horizon, until, thresholds, entry):
    """rows: (user, time_us, event or None, revenue or None, copy), grouped by user."""
    text = "".join(f"{u}\t{t}\t{'' if e is None else e}\t{'' if r is None else repr(float(r))}"
                   f"\t{1 if c else 0}\n" for u, t, e, r, c in rows)
    out = subprocess.run([exe, str(within), str(horizon), str(until),
                          ",".join(str(k) for k in thresholds),
                          "-" if entry is None else ",".join(entry)],
                         input=text, capture_output=True, text=True)
    return out.returncode, out.stdout


def near(name, got, want, scale, rel=1e-9):
    """got within rel of want, relative to the larger of |want| and scale (the sum of the
    absolute terms: a sum of refunds and orders may cancel to about 0)."""
    COUNT[0] += 1
    ok = abs(got - want) <= rel * max(abs(want), scale)
    if not ok:
        FAILURES.append(name)
        print(f"FAIL {name}: got {got!r}, want {want!r} (scale {scale!r})")
    return ok


def compare(label, out, rows, within, horizon, until, thresholds, entry):
    """The driver's output against the reference's figures of the same rows."""
    lm = landmark(rows, within=within, horizon=horizon, observed_until=until,
                  thresholds=thresholds, entry_events=entry)
    got = {}
    tot = None
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "totals":
            tot = f
        else:
            got[(f[0], int(f[1]))] = f
    want_keys = [(name, k) for name in lm["events"] for k in thresholds]
    expect(f"{label}.rows", sorted(got) == sorted(want_keys), (sorted(got), sorted(want_keys)))
    expect(f"{label}.totals", tot is not None and [int(x) for x in tot[1:]] == [
        lm["users"], lm["included"], lm["censored"], lm["no_entry"], lm["rows_skipped"],
        int(lm["first_time"] is not None),
        lm["first_time"] if lm["first_time"] is not None else int(tot[7])],
        (tot, {k: lm[k] for k in ("users", "included", "censored", "no_entry", "rows_skipped",
                                  "first_time")}))
    expect(f"{label}.population", lm["users"] == lm["included"] + lm["censored"])
    y = lm["y"]
    for name, ev in lm["events"].items():
        for j, k in enumerate(thresholds):
            f = got.get((name, k))
            if f is None:
                continue
            tag = f"{label}.{name}.k{k}"
            expect(f"{tag}.occurrences", int(f[2]) == ev.occurrences, (f[2], ev.occurrences))
            expect(f"{tag}.duplicates", int(f[3]) == ev.duplicates, (f[3], ev.duplicates))
            expect(f"{tag}.carries", (f[4] == "1") == ev.carries, (f[4], ev.carries))
            for g, w in enumerate(groups(ev.flags[j], y)):
                n, pos, sx, sxx, lsx, lsxx = f[5 + 6 * g: 11 + 6 * g]
                expect(f"{tag}.g{g}.n", int(n) == w["n"], (n, w["n"]))
                expect(f"{tag}.g{g}.pos", int(pos) == w["pos"], (pos, w["pos"]))
                near(f"{tag}.g{g}.sum", float(sx), w["sx"], w["scale"])
                near(f"{tag}.g{g}.log_sum", float(lsx), w["lsx"], w["lscale"])
                # a sum of squared deviations: relative to itself, above the rounding floor of
                # values of that size
                v = y[ev.flags[j] == bool(g)]
                floor = 1e-6 * float((v * v).sum()) / max(len(v), 1)
                lv = np.log1p(np.abs(v))
                lfloor = 1e-6 * float((lv * lv).sum()) / max(len(v), 1)
                near(f"{tag}.g{g}.ss", float(sxx), w["sxx"], floor)
                near(f"{tag}.g{g}.log_ss", float(lsxx), w["lsxx"], lfloor)
            near(f"{tag}.revenue_before", float(f[17]), ev.revenue_before[j],
                 ev.revenue_before_scale[j])
            lead = ev.median_lead(j)
            expect(f"{tag}.has_lead", (f[18] == "1") == (lead is not None), (f[18], lead))
            if lead is not None:
                expect(f"{tag}.median_lead", int(f[19]) == lead, (f[19], lead, sorted(ev.leads[j])))
            lat = ev.median_latency
            expect(f"{tag}.has_latency", (f[20] == "1") == (lat is not None), (f[20], lat))
            if lat is not None:
                expect(f"{tag}.median_latency", int(f[21]) == lat, (f[21], lat))
    return lm


def check_case(exe, label, rows, *, within, horizon, until, thresholds=(1,), entry=None):
    rc, out = run(exe, rows, within, horizon, until, thresholds, entry)
    expect(f"{label}.rc", rc == 0, out[-500:])
    return compare(label, out, rows, within, horizon, until, thresholds, entry)


def gen_rows(u, t, n, v, *, revenue=None, conversion=None, ids=None):
    """Driver rows from event arrays (t in seconds): revenue from the rows with a non-zero
    value, from the conversion event's rows, or from `revenue` (user, us, value) rows."""
    copies = dedup_copies(list(n), [int(x) for x in t], ids) if ids is not None else [False] * len(u)
    rows = []
    for uu, tt, nn, vv, cc in zip(u.tolist(), t.tolist(), n.tolist(), v.tolist(), copies):
        if revenue is not None:
            rev = None
        elif conversion is not None:
            rev = vv if nn == conversion and vv == vv else None
        else:
            rev = vv if vv == vv and vv != 0 else None
        rows.append((uu, tt, nn, rev, cc))
    if revenue is not None:
        rows += [(uu, tt, None, vv, False) for uu, tt, vv in zip(*revenue)]
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def handmade():
    """Edges, times in microseconds: within 100, horizon 1000, observed until 5000."""
    F = False
    return [
        # a: revenue before entry (7.5, -50) and at the landmark (4, 100): before the landmark;
        #    cart 3 times in [0, 100]; in the outcome 0, -12.5, 30 (the first positive: lead
        #    300 - 10), 2.25 at its end (1100); 1000 after it; a cart after the outcome
        ("a", -50, None, 7.5, F), ("a", 0, "visit", None, F), ("a", 10, "cart", None, F),
        ("a", 20, "cart", None, F), ("a", 100, "cart", None, F), ("a", 100, None, 4.0, F),
        ("a", 150, None, 0.0, F), ("a", 200, None, -12.5, F), ("a", 300, None, 30.0, F),
        ("a", 1100, None, 2.25, F), ("a", 1101, None, 1000.0, F), ("a", 1200, "cart", None, F),
        # b: revenue, no event
        ("b", 10, None, 50.0, F), ("b", 20, None, 5.0, F),
        # c: rows at -infinity and infinity (skipped), a visit and a cart at the same time, a
        #    copy, a NaN-revenue row (skipped whole: "vip" never appears), an event after the
        #    landmark (latency only), only a refund in the outcome
        ("c", NEG_INF, "visit", None, F), ("c", 5, "visit", None, F), ("c", 5, "cart", None, F),
        ("c", 50, "cart", None, True), ("c", 60, "vip", float("nan"), F),
        ("c", 106, None, -3.0, F), ("c", 120, "late", None, F), ("c", POS_INF, "visit", None, F),
        # d: outcome ends at 5050 > 5000: censored
        ("d", 3950, "visit", None, F), ("d", 3960, "cart", None, F), ("d", 4200, None, 9.0, F),
        # e: outcome ends exactly at 5000: included; revenue at 5000 counts
        ("e", 3900, "visit", None, F), ("e", 3999, "cart", None, F), ("e", 4502, None, 10.0, F),
        ("e", 5000, None, 1.5, F),
        # f: only copies (nothing left: counted nowhere; "echo" has nothing but a copy);
        # g: only a skipped row
        ("f", 30, "cart", None, True), ("f", 31, "echo", None, True),
        ("g", POS_INF, "visit", None, F),
        # h: the first row is a copy, so the entry is the cart at 10
        ("h", 0, "visit", None, True), ("h", 10, "cart", None, F), ("h", 111, None, 20.0, F),
        # i: a NaN and an infinite revenue (skipped), then a purchase carrying revenue
        ("i", 0, "visit", None, F), ("i", 30, "purchase", float("nan"), F),
        ("i", 40, "purchase", float("inf"), F), ("i", 200, "purchase", 5.0, F),
        # j: a lead of 105: the cart leads are 101, 105, 290, 503: median 105 + 185 / 2 = 197.5,
        #    which rounds to even (197)
        ("j", 1000, "visit", None, F), ("j", 1000, "cart", None, F), ("j", 1105, None, 8.0, F),
        # k: a copy carrying revenue (dropped with it), after the end of observation a cart
        ("k", 2000, "visit", None, F), ("k", 2050, "cart", 99.0, True), ("k", 2150, None, 1.0, F),
        ("k", 6000, "cart", None, F),
    ]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        exe = build(tmp)

        # 1. a generated log, revenue = rows with a non-zero value (the purchases); the end of
        #    observation: the latest time; several thresholds
        u, t, n, v, _ = generate(users=3000, weeks=20, names=7, seed=7)
        t = t * US
        rows = gen_rows(u, t, n, v)
        until = max(r[1] for r in rows)
        lm = check_case(exe, "generated", rows, within=7 * DAY, horizon=14 * DAY, until=until,
                        thresholds=(1, 2, 3))
        expect("generated.censored_some", lm["censored"] > 0 and lm["included"] > 1000, lm["censored"])
        expect("generated.exposure_varies", 0 < lm["events"]["page_view"].flags[1].sum()
               < lm["events"]["page_view"].flags[0].sum())

        # 2. revenue from a separate table (refunds, users with revenue and no event, orders of
        #    value 0), rows on the hour (equal times), an explicit end of observation, named
        #    entry events, copies (ids repeated within and after 48 hours), within 1 day
        rng = np.random.default_rng(3)
        keep = n != "purchase"
        ru = np.concatenate([u[~keep], rng.integers(4001, 4100, 200), rng.choice(u, 300)])
        rt = np.concatenate([t[~keep], rng.choice(t, 200), rng.choice(t, 300)])
        rv = np.concatenate([v[~keep], np.round(rng.normal(-20, 30, 200), 2), np.zeros(300)])
        eu, et, en = u[keep], t[keep].copy(), n[keep]
        et[::50] = et[::50] // HOUR * HOUR
        ids = [f"id{i % 5000}" for i in range(len(eu))]         # each id reused by a few rows
        for i in range(0, len(eu), 97):
            ids[i] = None
        # planted copies: the same event and id 1 hour, exactly 48 hours, and 60 hours later
        extra = rng.choice(len(eu), 400, replace=False)
        lag = np.array([HOUR, 48 * HOUR, 60 * HOUR])[np.arange(400) % 3]
        eu2 = np.concatenate([eu, eu[extra]])
        et2 = np.concatenate([et, et[extra] + lag])
        en2 = np.concatenate([en, en[extra]])
        ids2 = ids + [ids[i] for i in extra]
        until = int(np.percentile(et2, 80))
        ev2 = np.full(len(eu2), np.nan)
        rows = gen_rows(eu2, et2, en2, ev2, revenue=(ru.tolist(), rt.tolist(), rv.tolist()), ids=ids2)
        lm = check_case(exe, "revenue_table", rows, within=DAY, horizon=7 * DAY, until=until,
                        thresholds=(1, 2), entry=("page_view", "newsletter_signup"))
        expect("revenue_table.copies_some", sum(e.duplicates for e in lm["events"].values()) > 100)
        expect("revenue_table.no_entry_some", lm["no_entry"] > 100, lm["no_entry"])

        # 3. a conversion event: only its rows are revenue; within 0 (exposure: at the entry
        #    itself), the latest time as the end of observation
        rows = gen_rows(u, t, n, v, conversion="purchase")
        check_case(exe, "conversion", rows, within=0, horizon=30 * DAY,
                   until=max(r[1] for r in rows), thresholds=(1, 2))

        # 4. the hand-made edges, checked first by hand against the reference, then the driver
        rows = handmade()
        lm = landmark(rows, within=100, horizon=1000, observed_until=5000, thresholds=(1, 2, 3))
        cart, y = lm["events"]["cart"], lm["y"]
        by_user = dict(zip(lm["user_keys"], y))
        expect("edges.ref.population", (lm["users"], lm["included"], lm["censored"], lm["no_entry"],
                                        lm["rows_skipped"], lm["first_time"]) == (8, 7, 1, 1, 6, 0), lm)
        expect("edges.ref.outcomes", by_user == {"a": 19.75, "c": -3.0, "e": 11.5, "h": 20.0,
                                                 "i": 5.0, "j": 8.0, "k": 1.0}, by_user)
        expect("edges.ref.cart", [int(f.sum()) for f in cart.flags] == [5, 1, 1]
               and sorted(cart.leads[0]) == [101, 105, 290, 503] and cart.median_lead(0) == 197
               and cart.revenue_before[0] == 11.5 and cart.revenue_before[2] == 11.5
               and cart.occurrences == 9 and cart.duplicates == 3 and not cart.carries,
               vars(cart))
        expect("edges.ref.events", list(lm["events"]) == ["visit", "cart", "late", "echo", "purchase"]
               and (lm["events"]["echo"].occurrences, lm["events"]["echo"].duplicates) == (0, 1)
               and lm["events"]["purchase"].carries and lm["events"]["late"].latencies == [115]
               and lm["events"]["visit"].duplicates == 1, list(lm["events"]))
        check_case(exe, "edges", rows, within=100, horizon=1000, until=5000, thresholds=(1, 2, 3))
        # named entry events, one of them never seen: "a", "c", "h" and "j" enter at their cart;
        # "d", "e" and "k" (whose first cart is a copy) are censored; "b" and "i" never enter
        lm = check_case(exe, "edges_entry", rows, within=100, horizon=1000, until=5000,
                        thresholds=(1, 3), entry=("cart", "ghost"))
        expect("edges_entry.ref", (lm["included"], lm["censored"], lm["no_entry"]) == (4, 3, 2),
               (lm["included"], lm["censored"], lm["no_entry"]))
        # within 0: only rows at the entry itself are exposure (the carts of "c", "h" and "j")
        lm = check_case(exe, "edges_within_0", rows, within=0, horizon=1000, until=5000,
                        thresholds=(1,))
        expect("edges_within_0.ref", int(lm["events"]["cart"].flags[0].sum()) == 3)

        # 5. rows going back in time within a user are refused, not misread
        rc, out = run(exe, [(1, 100, "a", None, False), (1, 50, "b", None, False)], 0, 1000,
                      10000, (1,), None)
        expect("unordered", rc == 1 and out.strip() == f"status {STATUS_UNORDERED}", (rc, out))
        # ... also when the row going back is a revenue row
        rc, out = run(exe, [(1, 100, "a", None, False), (1, 50, None, 3.0, False)], 0, 1000,
                      10000, (1,), None)
        expect("unordered_revenue", rc == 1 and out.strip() == f"status {STATUS_UNORDERED}", (rc, out))
        # an outcome past double's range is refused
        rc, out = run(exe, [(1, 0, "a", None, False), (1, 10, None, 1e308, False),
                            (1, 20, None, 1e308, False)], 0, 1000, 10000, (1,), None)
        expect("overflow", rc == 1 and out.strip() == f"status {STATUS_OVERFLOW}", (rc, out))
    finish("check_rank_accum")


main()
