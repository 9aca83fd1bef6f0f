"""The per-event windows behind cq.rank_events, by the documented definition, in plain Python.

Shared by test/check_rank_events.py (the whole ranking, through the server) and
test/check_rank_accum.py (the accumulator alone, src/rank_accum.c, without the server).
"""
import numpy as np


def event_windows(u, t, n, v, horizon, *, rev=None, conversion=None, t_end=None):
    """Per event name of the event rows (u user, t time, n name, v value or nan):

    - users with the event: the revenue in (first occurrence, + horizon], and the lead from the
      first occurrence to the first revenue there;
    - users without it: the revenue in (their first event, + horizon];
    - users whose window ends after t_end are censored instead.

    Revenue: the rows of `rev` (user, time, value arrays) when given, else the rows of
    `conversion` when given, else every row with a non-zero value.  Returns (windows, t_end)
    where windows[name] = dict(with_values, without_values, censored, leads, occurrences,
    carries)."""
    if rev is None:
        sel = (n == conversion) & ~np.isnan(v) if conversion else (~np.isnan(v)) & (v != 0)
        ru, rt, rv = u[sel], t[sel], v[sel]
    else:
        ru, rt, rv = rev
    if t_end is None:
        t_end = max(t.max(), rt.max() if len(rt) else t.max())
    order = np.lexsort((rt, ru))
    ru, rt, rv = ru[order], rt[order], rv[order]
    users = np.unique(u)
    first_seen = {}
    for uu, tt in zip(u, t):
        if uu not in first_seen or tt < first_seen[uu]:
            first_seen[uu] = tt
    starts = np.searchsorted(ru, users, "left")
    ends = np.searchsorted(ru, users, "right")
    rev_of = {uu: (rt[a:b], rv[a:b]) for uu, a, b in zip(users, starts, ends)}

    def window(uu, anchor):
        ts, vs = rev_of[uu]
        m = (ts > anchor) & (ts <= anchor + horizon)
        return float(vs[m].sum()) if m.any() else 0.0, (ts[m].min() if m.any() else None)

    base = {uu: window(uu, first_seen[uu])[0] for uu in users}
    out = {}
    for name in sorted(set(n)):
        m = n == name
        first_e = {}
        for uu, tt in zip(u[m], t[m]):
            if uu not in first_e or tt < first_e[uu]:
                first_e[uu] = tt
        with_values, without_values, censored, leads = [], [], 0, []
        for uu in users:
            if uu in first_e:
                anchor = first_e[uu]
                if anchor + horizon > t_end:
                    censored += 1
                    continue
                val, first_rev = window(uu, anchor)
                if first_rev is not None:
                    leads.append(first_rev - anchor)
                with_values.append(val)
            else:
                if first_seen[uu] + horizon > t_end:
                    censored += 1
                    continue
                without_values.append(base[uu])
        carries = rev is None and conversion is None and bool(((~np.isnan(v[m])) & (v[m] != 0)).any())
        out[name] = dict(with_values=with_values, without_values=without_values, censored=censored,
                         leads=leads, occurrences=int(m.sum()), carries=carries)
    return out, t_end
