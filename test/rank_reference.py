"""cq.rank_events by its documented definition, in plain Python: the reference of
test/check_rank_accum.py (the per-user accumulator src/rank_accum.c, without the server) and of
test/check_rank_events.py (the whole ranking, through the server).

The landmark design
-------------------
For every user:

    entry E      the time of the user's first event row (or first row of one of the entry
                 events, when they are named); users without such a row have no entry
    landmark L   E + within
    outcome end  O = L + horizon

        E ---- exposure [E, L] ---- L ---- outcome (L, O] ---- O

A user is *included* when O <= observed_until (T), else *censored*: a rule that depends on no
event, so every included user has exactly one outcome Y, the sum of their revenue in (L, O].
Revenue at or before L is no outcome for anybody (per event and threshold it is reported as
revenue_before_landmark, summed over the exposed users, whatever its time, even before E).

Exposure to event e at threshold k: at least k rows of e with E <= time <= L.  For each (e, k)
the included users split into group 1 (exposed) and group 0 (all the others), and the summary
statistics are those of test/signal_reference.py's reference(flags, Y).  Beside them:

    median_lead_time (e, k)  over exposed users whose outcome window holds a revenue row > 0:
                             from their first row of e in [E, L] to the first revenue row > 0
                             in (L, O]
    median_event_latency e   over included users with a row of e in [E, O]: from E to the
                             first such row
    occurrences e            its rows up to T (copies and skipped rows left out)
    weekly_volume            occurrences / max((T - first_time) / 1 week, 1), first_time the
                             earliest event row (copies and skipped rows left out)

Medians are percentile_cont(0.5) in microseconds: the middle value, or lo + (hi - lo) / 2 with
the half microsecond rounded to even (PostgreSQL's interval arithmetic, and rint in C).

The rows
--------
Times are integer microseconds since 1970 (timestamptz without the 2000 offset);
INT64_MIN / INT64_MAX stand for -infinity / infinity.  A value is a float, NaN, or None (SQL
NULL).  Revenue rows: those of a separate revenue table when given (rows with a NULL value
are not revenue); else, with a conversion event, that event's rows with a value; else every
event row whose value is non-zero (NaN is non-zero).  An event whose rows carry revenue, or
the conversion event, is a revenue event.

Rows at +-infinity and revenue rows whose value is NaN or infinite are skipped (dropped whole,
counted in rows_skipped).  With event ids, a row is a *copy* when cq.dedup_keep would drop
it: per (event name, id), ordered by time, the first row is kept, a row at most 48 hours after
the last kept row is a copy, a later one is kept and opens a new window; NULL or blank ids
never make copies.  Skipped rows take no part in that rule (they are neither kept nor copies,
so they cannot make a usable row a copy).  Copies are dropped whole (their revenue too) and
counted per event name in `duplicates` when at or before the end of observation.

A user counts (with or without entry) only when some row of theirs is neither skipped nor a
copy.

Layout
------
  stream(...)             the rows of the tables as the accumulator reads them:
                          (user, time, event or None, revenue or None, copy)
  dedup_copies(...)       the copy flags of event rows with ids
  landmark(rows, ...)     the design on a stream: per event and threshold the group flags,
                          outcomes and figures, and the population's totals
  rank_events(lm, ...)    the rows of cq.rank_events: statistics, Benjamini-Hochberg q,
                          verdict, score, order
"""
import math

import numpy as np

from signal_reference import reference

US = 1000000
HOUR = 3600 * US
DAY = 24 * HOUR
WEEK = 7 * DAY
DEDUP_WINDOW = 48 * HOUR
NEG_INF = -(2 ** 63)          # timestamptz '-infinity'
POS_INF = 2 ** 63 - 1         # timestamptz 'infinity'


def finite_time(t):
    return NEG_INF < t < POS_INF


def median_us(values):
    """percentile_cont(0.5) of integer microseconds: the middle value, or the lower middle
    value plus half the gap, a half microsecond rounded to even; None when empty."""
    if not values:
        return None
    v = sorted(values)
    lo, hi = v[(len(v) - 1) // 2], v[len(v) // 2]
    gap = hi - lo
    half = gap // 2
    if gap % 2 == 1 and half % 2 == 1:
        half += 1
    return lo + half


def dedup_copies(names, times, ids, window=DEDUP_WINDOW, usable=None):
    """Copy flags of event rows (names, times, ids): per (name, id), in time order, the first
    row is kept, a row at most `window` after the last kept row is a copy, a later row is
    kept.  An id that is None, empty or only whitespace never makes a copy, nor does a row
    whose flag in `usable` is false (such a row is left out of the rule).  A kept row at
    +-infinity keeps only rows at its own time."""
    parts = {}
    for i, (name, ident) in enumerate(zip(names, ids)):
        if ident is None or ident.strip() == "":
            continue
        if usable is not None and not usable[i]:
            continue
        parts.setdefault((name, ident), []).append(i)
    copy = [False] * len(names)
    for rows in parts.values():
        rows.sort(key=lambda i: times[i])
        kept = None
        for i in rows:
            t = times[i]
            if kept is not None:
                deadline = kept if not finite_time(kept) else min(kept + window, POS_INF)
                if t <= deadline:
                    copy[i] = True
                    continue
            kept = t
    return copy


def stream(events, *, revenue=None, conversion_event=None, event_ids=None):
    """The rows of cq.rank_events' scan, ordered by user then time (stable):
    (user, time, event name or None, revenue or None, copy).

    events: (users, times, names, values) of the event table; values may be None when a
    revenue table is given.  revenue: (users, times, values) of a separate revenue table.
    event_ids: one id (str or None) per event row.  Also returns the default end of
    observation: the latest finite time of every row (event and revenue rows, copies and rows
    with a non-finite revenue included), None when there is none."""
    eu, et, en, ev = events
    rows = []
    for u, t, name, v in zip(eu, et, en, ev if ev is not None else [None] * len(eu)):
        if revenue is not None:
            rev = None
        elif conversion_event is not None:
            rev = v if (name == conversion_event and v is not None) else None
        else:
            rev = v if (v is not None and v != 0) else None      # NaN != 0 too
        rows.append((u, int(t), name, rev, False))
    if event_ids is not None:
        usable = [finite_time(r[1]) and (r[3] is None or math.isfinite(r[3])) for r in rows]
        copies = dedup_copies(en, et, event_ids, usable=usable)
        rows = [r[:4] + (c,) for r, c in zip(rows, copies)]
    if revenue is not None:
        for u, t, v in zip(*revenue):
            if v is not None:
                rows.append((u, int(t), None, v, False))
    finite = [r[1] for r in rows if finite_time(r[1])]
    if revenue is not None:
        finite += [int(t) for u, t, v in zip(*revenue) if v is None and finite_time(int(t))]
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows, (max(finite) if finite else None)


class Event:
    """The figures of one event name: occurrences, duplicates, carries, latencies and, per
    threshold k, group 1 (flags over the included users), revenue before the landmark of
    group 1, and lead times."""

    def __init__(self, name, nthr):
        self.name = name
        self.occurrences = 0
        self.duplicates = 0
        self.carries = False
        self.latencies = []
        self.flags = [[] for _ in range(nthr)]
        self.revenue_before = [0.0] * nthr
        self.revenue_before_scale = [0.0] * nthr     # the sum of |terms|, for tolerances
        self.leads = [[] for _ in range(nthr)]

    @property
    def median_latency(self):
        return median_us(self.latencies)

    def median_lead(self, j):
        return median_us(self.leads[j])


def landmark(rows, *, within, horizon, observed_until, thresholds=(1,), entry_events=None):
    """The landmark design on a stream of rows (see stream(); grouped by user, in time order
    within a user).  within >= 0, horizon > 0 and observed_until in microseconds; thresholds
    ascending distinct ints >= 1; entry_events None (any event) or names.

    Returns a dict: events (name -> Event, in order of first appearance; only names with a
    row that is not skipped), thresholds, user_keys (the included users, in order), y (their
    outcomes), and the totals users, included, censored, no_entry, rows_skipped, first_time
    (None without an event row) and observed_until."""
    T = observed_until
    thresholds = list(thresholds)
    events = {}
    totals = dict(users=0, included=0, censored=0, no_entry=0, rows_skipped=0, first_time=None,
                  observed_until=T)
    per_user = {}
    order = []
    for u, t, name, rev, copy in rows:
        if not finite_time(t) or (rev is not None and not math.isfinite(rev)):
            totals["rows_skipped"] += 1
            continue
        if name is not None:
            ev = events.get(name)
            if ev is None:
                ev = events[name] = Event(name, len(thresholds))
            if copy:
                if t <= T:
                    ev.duplicates += 1
                continue
            if t <= T:
                ev.occurrences += 1
            if rev is not None:
                ev.carries = True
            if totals["first_time"] is None or t < totals["first_time"]:
                totals["first_time"] = t
        if u not in per_user:
            per_user[u] = []
            order.append(u)
        per_user[u].append((t, name, rev))

    included, outcomes = [], []
    for u in order:
        urows = sorted(per_user[u], key=lambda r: r[0])      # stable: ties keep their order
        entries = [t for t, name, rev in urows
                   if name is not None and (entry_events is None or name in entry_events)]
        if not entries:
            totals["no_entry"] += 1
            continue
        totals["users"] += 1
        E = min(entries)
        L = E + within
        O = L + horizon
        if O > T:
            totals["censored"] += 1
            continue
        totals["included"] += 1
        y = pre = pre_scale = 0.0
        first_pos = None
        count, first_exposure, first_seen = {}, {}, {}
        for t, name, rev in urows:
            if rev is not None and t <= O:
                if t <= L:
                    pre += rev
                    pre_scale += abs(rev)
                else:
                    y += rev
                    if rev > 0 and first_pos is None:
                        first_pos = t
            if name is not None and E <= t <= O:
                first_seen.setdefault(name, t)
                if t <= L:
                    count[name] = count.get(name, 0) + 1
                    first_exposure.setdefault(name, t)
        included.append(u)
        outcomes.append(y)
        for name, t in first_seen.items():
            events[name].latencies.append(t - E)
        for ev in events.values():
            c = count.get(ev.name, 0)
            for j, k in enumerate(thresholds):
                exposed = c >= k
                ev.flags[j].append(exposed)
                if exposed:
                    ev.revenue_before[j] += pre
                    ev.revenue_before_scale[j] += pre_scale
                    if first_pos is not None:
                        ev.leads[j].append(first_pos - first_exposure[ev.name])
    for ev in events.values():
        ev.flags = [np.array(f, dtype=bool) for f in ev.flags]
    return dict(events=events, thresholds=thresholds, user_keys=included,
                y=np.array(outcomes, dtype=float), **totals)


def groups(flags, y):
    """The cq.event_signal figures of (flags, y) computed plainly: per group (0: without, 1:
    with) n, pos (y > 0), sum, sum of squared deviations (two-pass), and the same two of
    slog1p(y)."""
    out = []
    for g in (False, True):
        v = y[flags == g]
        lv = np.sign(v) * np.log1p(np.abs(v))
        out.append(dict(n=len(v), pos=int((v > 0).sum()), sx=float(v.sum()),
                        sxx=float(((v - v.mean()) ** 2).sum()) if len(v) else 0.0,
                        lsx=float(lv.sum()),
                        lsxx=float(((lv - lv.mean()) ** 2).sum()) if len(v) else 0.0,
                        scale=float(np.abs(v).sum()), lscale=float(np.abs(lv).sum())))
    return out


TIERS = {"ready": 1, "too rare": 2, "too late": 3, "no signal": 4, "not enough data": 5,
         "revenue event": 6}


def rank_events(lm, *, within, conversion_event=None, exclude_events=(), min_weekly_volume=50.0,
                alpha=0.05, with_ids=False):
    """The rows of cq.rank_events from landmark()'s result, as dicts named like its columns
    (times of median_lead_time and median_event_latency in microseconds), in rank order;
    besides: flags, y (the groups), groups (their cq.event_signal figures) and
    revenue_before_scale (the sum of the absolute terms of revenue_before_landmark)."""
    T, first = lm["observed_until"], lm["first_time"]
    weeks = max((T - first) / WEEK, 1.0) if first is not None else None
    y = lm["y"]
    out = []
    for name, ev in lm["events"].items():
        if name in exclude_events:
            continue
        for j, k in enumerate(lm["thresholds"]):
            flags = ev.flags[j]
            r = reference(flags, y)
            n0 = int((~flags).sum())
            out.append(dict(
                event_name=name, threshold=k, users=r["n"], users_with_event=r["n_event"],
                users_censored=lm["censored"], users_without_entry=lm["no_entry"],
                conversion_rate=r["precision"],
                baseline_conversion_rate=float((y[~flags] > 0).sum() / n0) if n0 else None,
                lift=r["lift"], odds_ratio=r["odds_ratio"], odds_ratio_lower=r["odds_ratio_lower"],
                odds_ratio_upper=r["odds_ratio_upper"], correlation=r["correlation"],
                p_value=r["p_value"], revenue_share=r["revenue_share"],
                revenue_before_landmark=ev.revenue_before[j],
                revenue_before_scale=ev.revenue_before_scale[j],
                median_lead_time=ev.median_lead(j), median_event_latency=ev.median_latency,
                weekly_volume=ev.occurrences / weeks,
                duplicate_rate=(ev.duplicates / (ev.occurrences + ev.duplicates)
                                if with_ids and ev.occurrences + ev.duplicates > 0 else None),
                rows_skipped=lm["rows_skipped"],
                is_revenue_event=ev.carries or name == conversion_event,
                flags=flags, y=y, groups=groups(flags, y)))

    # Benjamini-Hochberg over every tested row that is not a revenue event
    tested = sorted((e for e in out if e["p_value"] is not None and not e["is_revenue_event"]),
                    key=lambda e: (e["p_value"], e["event_name"], e["threshold"]))
    m, q = len(tested), 1.0
    for i in range(m, 0, -1):
        q = min(q, tested[i - 1]["p_value"] * m / i)
        tested[i - 1]["q_value"] = q
    for e in out:
        e.setdefault("q_value", None)
        r, weekly = e["correlation"], e["weekly_volume"]
        if e["is_revenue_event"]:
            e["verdict"] = "revenue event"
        elif e["p_value"] is None:
            e["verdict"] = "not enough data"
        elif e["q_value"] > alpha or r <= 0:
            e["verdict"] = "no signal"
        elif e["median_event_latency"] is not None and e["median_event_latency"] > within:
            e["verdict"] = "too late"
        elif weekly < min_weekly_volume:
            e["verdict"] = "too rare"
        else:
            e["verdict"] = "ready"
        if e["verdict"] in ("revenue event", "not enough data"):
            e["score"] = None
        elif e["verdict"] == "no signal":
            e["score"] = 0.0
        else:
            e["score"] = r * (min(1.0, weekly / min_weekly_volume) if min_weekly_volume > 0 else 1.0)
    out.sort(key=lambda e: (TIERS[e["verdict"]], e["score"] is None,
                            -(e["score"] if e["score"] is not None else 0.0),
                            e["event_name"], e["threshold"]))
    for i, e in enumerate(out, 1):
        e["rank"] = i
        e["recommended"] = i == 1 and e["verdict"] == "ready"
    return out
