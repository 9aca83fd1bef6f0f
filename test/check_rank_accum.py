#!/usr/bin/python3
"""The per-user accumulator behind cq.rank_events (src/rank_accum.c), without the server.

src/rank_accum.c is free of PostgreSQL; test/unit/rank_accum_driver.c feeds it rows from a file.
This suite builds the driver with the same C files the module ships, runs it on generated event
logs with planted signals (test/gen_signal_data.py) and on logs with revenue from a separate
table, refunds, users with revenue but no event and rows at equal times, and compares every
figure with the reference definition in test/rank_reference.py:

- per event name: its rows, whether they carry revenue, the censored users, and for users with
  and without the event the row count, the rows with revenue > 0 (exact), the sum of the window
  revenues (1e-9 relative) and the sums of squared deviations of the revenue and of its slog1p
  (1e-9 relative, against numpy's two-pass variance);
- the median lead time from the first occurrence to the first revenue (exact, in microseconds).

A second run checks that a user whose rows go back in time is refused (status "unordered").
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cqtest import check, expect, finish  # noqa: E402
from gen_signal_data import generate  # noqa: E402
from rank_reference import event_windows  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(TOP, "src")


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


def run(exe, rows, horizon_us, until_us):
    """rows: (user, time_us, event or None, revenue or None), already in (user, time) order."""
    text = "".join(f"{u}\t{tt}\t{'' if e is None else e}\t{'' if r is None else repr(float(r))}\n"
                   for u, tt, e, r in rows)
    out = subprocess.run([exe, str(horizon_us), str(until_us)], input=text, capture_output=True,
                         text=True)
    return out.returncode, out.stdout


def slog1p(x):
    return np.sign(x) * np.log1p(np.abs(x))


def compare(label, out, want, conversion=None):
    """want: test/rank_reference.py's windows (its `carries` leaves out the conversion event,
    whose rows are the revenue rows the accumulator sees)."""
    got = {}
    for line in out.splitlines():
        f = line.split("\t")
        got[f[0]] = f
    expect(f"{label}.names", sorted(got) == sorted(want), (sorted(got), sorted(want)))
    for name, w in want.items():
        f = got.get(name)
        if f is None:
            continue
        expect(f"{label}.{name}.occurrences", int(f[1]) == w["occurrences"], (f[1], w["occurrences"]))
        carries = w["carries"] or name == conversion
        expect(f"{label}.{name}.carries", (f[2] == "1") == carries, (f[2], carries))
        expect(f"{label}.{name}.censored", int(f[3]) == w["censored"], (f[3], w["censored"]))
        for g, vals in ((0, w["without_values"]), (1, w["with_values"])):
            vals = np.array(vals, dtype=float)
            n, pos, sx, sxx, lsx, lsxx = f[4 + 6 * g: 10 + 6 * g]
            expect(f"{label}.{name}.g{g}.n", int(n) == len(vals), (n, len(vals)))
            expect(f"{label}.{name}.g{g}.pos", int(pos) == int((vals > 0).sum()), (pos, (vals > 0).sum()))
            if len(vals) == 0:
                continue
            check(f"{label}.{name}.g{g}.sum", float(sx), float(vals.sum()))
            check(f"{label}.{name}.g{g}.ss", float(sxx), float(((vals - vals.mean()) ** 2).sum()))
            lv = slog1p(vals)
            check(f"{label}.{name}.g{g}.log_sum", float(lsx), float(lv.sum()))
            check(f"{label}.{name}.g{g}.log_ss", float(lsxx), float(((lv - lv.mean()) ** 2).sum()))
        leads = sorted(w["leads"])
        expect(f"{label}.{name}.has_lead", (f[16] == "1") == bool(leads), (f[16], len(leads)))
        if leads:
            lo, hi = leads[(len(leads) - 1) // 2], leads[len(leads) // 2]
            expect(f"{label}.{name}.median_lead", int(f[17]) == lo + round((hi - lo) * 0.5),
                   (f[17], lo, hi))


def sorted_rows(u, t, n, v, rev=None):
    rows = [(int(a), int(b), c, None if np.isnan(d) else d) for a, b, c, d in zip(u, t, n, v)]
    if rev is not None:
        rows += [(int(a), int(b), None, d) for a, b, d in zip(*rev)]
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def main():
    with tempfile.TemporaryDirectory() as tmp:
        exe = build(tmp)

        # 1. generated log, revenue = rows with a non-zero value (the purchases)
        u, t, n, v, _ = generate(users=3000, weeks=20, names=6, seed=7)
        t = np.round(t * 1e6).astype(np.int64)          # microseconds, as timestamptz
        h = 14 * 86400 * 1000000
        want, until = event_windows(u, t, n, v, h)
        rc, out = run(exe, sorted_rows(u, t, n, v), h, until)
        expect("generated.rc", rc == 0, out)
        compare("generated", out, want)

        # 2. revenue from a separate table (with refunds), users with revenue and no event,
        #    an explicit end of observation, rows at equal times
        rng = np.random.default_rng(3)
        keep = n != "purchase"
        ru = np.concatenate([u[~keep], rng.integers(4001, 4100, 200)])
        rt = np.concatenate([t[~keep], rng.choice(t, 200)])
        rv = np.concatenate([v[~keep], np.round(rng.normal(-20, 30, 200), 2)])
        eu, et, en = u[keep], t[keep].copy(), n[keep]
        et[::50] = et[::50] // 3600000000 * 3600000000    # some rows on the hour
        until = int(np.percentile(et, 80))
        h = 7 * 86400 * 1000000
        ev = np.full(len(eu), np.nan)
        want, _ = event_windows(eu, et, en, ev, h, rev=(ru, rt, rv), t_end=until)
        rc, out = run(exe, sorted_rows(eu, et, en, ev, rev=(ru, rt, rv)), h, until)
        expect("revenue_table.rc", rc == 0, out)
        compare("revenue_table", out, want)

        # 3. a conversion event: only its rows are revenue
        want, until = event_windows(u, t, n, v, 30 * 86400 * 1000000, conversion="purchase")
        rows = [(a, b, c, (d if c == "purchase" else None)) for a, b, c, d in sorted_rows(u, t, n, v)]
        rc, out = run(exe, rows, 30 * 86400 * 1000000, until)
        expect("conversion.rc", rc == 0, out)
        compare("conversion", out, want, conversion="purchase")

        # 4. window edges: revenue exactly at the window's end counts, at its anchor does not; a
        #    window ending exactly at the end of observation is observed, one microsecond
        #    later censored
        eu = np.array([1, 1, 2, 3, 3])
        et = np.array([0, 1000, 0, 1, 1001], dtype=np.int64)
        en = np.array(["a", "b", "a", "a", "b"], dtype=object)
        ev = np.array([5.0, 7.0, np.nan, np.nan, 3.0])
        want, _ = event_windows(eu, et, en, ev, 1000, t_end=1000)
        rc, out = run(exe, sorted_rows(eu, et, en, ev), 1000, 1000)
        expect("edges.rc", rc == 0, out)
        compare("edges", out, want)
        expect("edges.a_censored", want["a"]["censored"] == 1 and len(want["a"]["with_values"]) == 2,
               want["a"])

        # 5. rows going back in time within a user are refused, not misread
        rc, out = run(exe, [(1, 100, "a", None), (1, 50, "b", None)], 1000, 10000)
        expect("unordered", rc == 1 and out.strip() == "status 2", (rc, out))
        # a NaN revenue is refused
        rc, out = run(exe, [(1, 100, "a", float("nan"))], 1000, 10000)
        expect("not_finite", rc == 1 and out.strip() == "status 1", (rc, out))
    finish("check_rank_accum")


main()
