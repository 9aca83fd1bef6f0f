#!/usr/bin/python3
"""Independent reference implementation of conversion_quality's funnel semantics.

Standard library only.  Written from the semantics (ClickHouse's windowFunnel and retention, as
README "Funnels" states them), not from the C code: it expands rows into the entry list ClickHouse
sorts, (ts, step, row), and runs ClickHouse's scans on it literally, strict_once keeping every
candidate chain.  Two choices are ours, not ClickHouse's: rows are numbered in (ts, mask) order, so
that strict_once's tie order does not depend on input order (ClickHouse uses arrival order); and
the step times strict_once reports for a stage come from the preferred chain (latest start, or
with per-step windows latest last step) among those that reached it at the same entry.

A row is (ts, steps): ts an int (microseconds) or None, steps a list of True/False/None.
"""

MODES = ("strict_deduplication", "strict_order", "strict_increase", "strict_once", "allow_reentry")


def parse_mode(mode):
    """Set of mode names; ValueError for what the C code rejects with 22023."""
    if mode.strip() == "":
        return frozenset()
    names = [m.strip() for m in mode.split(",")]
    for n in names:
        if n not in MODES:
            raise ValueError("unknown funnel mode %r" % n)
    s = frozenset(names)
    if "allow_reentry" in s and "strict_order" not in s:
        raise ValueError("allow_reentry requires strict_order")
    return s


def usable_rows(rows):
    """(ts, mask) of the rows that count: no NULL time, no NULL step."""
    out = []
    for ts, steps in rows:
        if ts is None or any(s is None for s in steps):
            continue
        mask = 0
        for i, s in enumerate(steps):
            if s:
                mask |= 1 << i
        out.append((ts, mask))
    return out


def entries(rows, nsteps, strict_order, excluded=()):
    """ClickHouse's sorted entry list (ts, k, row) with canonical row numbers.

    Conditions nsteps+1 .. are excluded events: entry (ts, 1000 + c, row), after the steps of
    that time.  A row satisfying no step is strict_order's sentinel (ts, 0, row)."""
    canon = sorted(usable_rows(rows))
    ents = []
    for rid, (ts, mask) in enumerate(canon):
        any_step = False
        for k in range(1, nsteps + 1):
            if mask & (1 << (k - 1)):
                ents.append((ts, k, rid))
                any_step = True
        if strict_order and not any_step:
            ents.append((ts, 0, rid))
        for c in excluded:
            if mask & (1 << (c - 1)):
                ents.append((ts, 1000 + c, rid))
    ents.sort()
    return ents


def _fits(k, first, last, ts, window, windows):
    if windows is not None:
        return ts <= last + windows[k - 2]
    return ts <= first + window


def funnel(rows, nconds, window=None, mode="", windows=None, exclusions=()):
    """(stage, step times of the first chain that reached that stage).

    exclusions: (condition, from_step, to_step) triples; excluded conditions are the last ones,
    the others (1 .. n) are the steps."""
    m = parse_mode(mode)
    order = "strict_order" in m
    excluded = sorted({c for c, _f, _t in exclusions})
    n = nconds - len(excluded)
    assert excluded == list(range(n + 1, nconds + 1))
    ents = entries(rows, n, order, excluded)
    if "strict_once" in m:
        level, times = _scan_once(ents, n, window, windows, m, exclusions)
    else:
        level, times = _scan_greedy(ents, n, window, windows, m, exclusions)
    # ClickHouse's shortcut: one step and no strict_order -> 1 when any step entry exists
    if n == 1 and not order and any(1 <= k <= n for _ts, k, _r in ents):
        assert level == 1
    return level, times


def _scan_greedy(ents, n, window, windows, m, exclusions):
    # chain[k] = (first, last, times) of the latest chain that reached level k, None once broken;
    # reached[k] = some chain reached level k (what the modes and the result look at)
    chain = [None] * (n + 1)
    reached = [False] * (n + 1)
    first_times = {}
    first_event = False

    def reach(k, times):
        reached[k] = True
        first_times.setdefault(k, list(times))

    def result():
        lvl = max([k for k in range(1, n + 1) if reached[k]], default=0)
        return lvl, first_times.get(lvl, [])

    for ts, k, _row in ents:
        if k >= 1000:
            for c, f, t in exclusions:
                if c == k - 1000:
                    for lvl in range(f, t):
                        if chain[lvl] is not None and chain[lvl][2][f - 1] < ts:
                            chain[lvl] = None
            continue
        if k == 0:
            if first_event:
                break
            continue
        if k == 1:
            chain[1] = (ts, ts, [ts])
            first_event = True
            reach(1, [ts])
        elif "strict_deduplication" in m and reached[k]:
            return result()
        elif "strict_order" in m and first_event and not reached[k - 1]:
            if "allow_reentry" in m:
                continue
            return result()
        elif chain[k - 1] is not None:
            first, last, times = chain[k - 1]
            ok = _fits(k, first, last, ts, window, windows)
            if "strict_increase" in m:
                ok = ok and last < ts
            if ok:
                chain[k] = (first, ts, times + [ts])
                reach(k, times + [ts])
                if k == n:
                    return result()
    return result()


def _better(a, b, windows):
    """Is chain times a preferred to b for step_times under strict_once?  With one window the
    latest start wins (the greatest times, compared from step 1), with per-step windows the latest
    last step (compared from the last step back)."""
    if windows is not None:
        return a[::-1] > b[::-1]
    return a > b


def _scan_once(ents, n, window, windows, m, exclusions):
    # seqs[k] = list of chains (first, last, rows, times) at level k; reached[k] as above.  Every
    # candidate chain is kept (no pruning: this is the definition the C code's pruned scan must
    # reproduce).  When an entry reaches a level for the first time, the step times reported for
    # that level are those of the preferred chain (_better) among the chains that entry created.
    seqs = [[] for _ in range(n + 1)]
    reached = [False] * (n + 1)
    first_times = {}
    has_first = False

    def result():
        lvl = max([k for k in range(1, n + 1) if reached[k]], default=0)
        return lvl, first_times.get(lvl, [])

    for ts, k, row in ents:
        if k >= 1000:
            for c, f, t in exclusions:
                if c == k - 1000:
                    for lvl in range(f, t):
                        seqs[lvl] = [ch for ch in seqs[lvl] if not ch[3][f - 1] < ts]
            continue
        if k == 0:
            if has_first:
                break
            continue
        if k == 1:
            seqs[1].append((ts, ts, [row], [ts]))
            has_first = True
            reached[1] = True
            first_times.setdefault(1, [ts])
        elif "strict_deduplication" in m and reached[k]:
            return result()
        elif "strict_order" in m and has_first and not reached[k - 1]:
            if "allow_reentry" in m:
                continue
            return result()
        elif seqs[k - 1]:
            new = []
            for first, last, rows_used, times in seqs[k - 1]:
                if not _fits(k, first, last, ts, window, windows):
                    continue
                if row in rows_used:
                    continue
                if "strict_increase" in m and not last < ts:
                    continue
                new.append((first, ts, rows_used + [row], times + [ts]))
            seqs[k].extend(new)
            if new and not reached[k]:
                reached[k] = True
                best = new[0][3]
                for ch in new[1:]:
                    if _better(ch[3], best, windows):
                        best = ch[3]
                first_times[k] = best
            if new and k == n:
                return result()
    return result()


def any_order(rows, nconds, window):
    """cq.funnel_any_order: the most distinct conditions satisfied by rows within [t, t + window],
    t the time of a row satisfying one; brute force over every such t."""
    canon = usable_rows(rows)
    best = 0
    for ts, mask in canon:
        if mask == 0:
            continue
        seen = 0
        for ts2, mask2 in canon:
            if ts <= ts2 <= ts + window:
                seen |= mask2
        best = max(best, bin(seen & ((1 << nconds) - 1)).count("1"))
    return best


def flexible(rows, nsteps, window, optional=(), gaps=None):
    """cq.funnel_stage_flexible: every chain over the entry list (ts, k, row) of the default mode,
    steps increasing, skipped steps optional, gaps[k-1] the least time before step k, at most the
    window from the first entry; the largest last step.  Each entry keeps the set of every start
    a chain ending there can have (no "latest start" shortcut)."""
    ents = entries(rows, nsteps, False)
    gaps = gaps or [0] * nsteps
    starts = []
    best = 0
    for i, (ts, k, _r) in enumerate(ents):
        here = set()
        if all(s in optional for s in range(1, k)):
            here.add(ts)
        for j in range(i):
            ts2, k2, _r2 = ents[j]
            if k2 < k and all(s in optional for s in range(k2 + 1, k)) and ts - ts2 >= gaps[k - 1]:
                here |= starts[j]
        here = {s for s in here if ts - s <= window}
        starts.append(here)
        if here:
            best = max(best, k)
    return best


def completions(rows, nconds, window=None, mode="", windows=None, exclusions=()):
    """cq.funnel_completions: the first completion as funnel() finds it, then each next one in the
    rows strictly after the last step of the one before, as a funnel of its own."""
    n = nconds - len({c for c, _f, _t in exclusions})
    rest = [r for r in rows if r[0] is not None]
    done = 0
    while True:
        level, times = funnel(rest, nconds, window, mode, windows, exclusions)
        if level < n:
            return done
        done += 1
        rest = [r for r in rest if r[0] > times[-1]]


def retention(rows):
    """ClickHouse retention over rows of condition lists; None without rows."""
    if not rows:
        return None
    n = len(rows[0])
    held = [False] * n
    for conds in rows:
        if any(c is None for c in conds):
            continue
        for i, c in enumerate(conds):
            if c:
                held[i] = True
    return [held[0] and held[i] for i in range(n)]


def _selftest():
    S = 1000000
    a, b, c, d = ([True, False, False, False], [False, True, False, False],
                  [False, False, True, False], [False, False, False, True])
    rows = [(0, a), (10 * S, b), (20 * S, c), (30 * S, b), (40 * S, d)]
    assert funnel(rows, 4, 40 * S) == (4, [0, 10 * S, 20 * S, 40 * S])
    assert funnel(rows, 4, 39 * S)[0] == 3
    # strict_order vectors quoted in FUNNEL_SEMANTICS.md (ClickHouse 00632-q21/q23)
    def seq(s):
        return [(i, {"a": a, "b": b, "c": c, "d": d}[ch]) for i, ch in enumerate(s)]
    assert funnel(seq("aabbdcc"), 3, 100, "strict_order")[0] == 2   # steps a,b,c; d foreign
    assert funnel(seq("adbc"), 3, 100, "strict_order")[0] == 1
    assert funnel(seq("acb"), 3, 100, "strict_order")[0] == 1
    # strict_deduplication since PR #99003: the reached level
    assert funnel(seq("abdb"), 4, 100, "strict_deduplication")[0] == 2
    # strict_increase undercount of issue #52844
    p = [[True, False, False, False], [False, True, False, False],
         [False, False, True, False], [False, False, False, True]]
    rows = [(1, p[0])] + [(t, p[j]) for t in (2, 3, 4) for j in (1, 2, 3)]
    assert funnel(rows, 4, 100, "strict_increase")[0] == 2
    # strict_once: one row satisfying three identical steps -> 1 (00632-q33); default -> 3
    rows = [(5, [True, True, True])]
    assert funnel(rows, 3, 10, "strict_once")[0] == 1
    assert funnel(rows, 3, 10)[0] == 3
    # exclusions: condition 4 (x) between steps 1 and 3 breaks the chain a@0 b@1 .. c@3
    ab = [True, False, False, False]
    x = [False, False, False, True]
    rows = [(0, ab), (1, [False, True, False, False]), (2, x), (3, [False, False, True, False])]
    assert funnel(rows, 4, 10, "", None, [(4, 1, 3)])[0] == 2
    assert funnel(rows, 4, 10, "", None, [(4, 2, 3)])[0] == 2
    assert funnel(rows, 4, 10, "", None, [(4, 1, 2)])[0] == 3
    rows.append((4, ab))            # a new chain after the excluded event is not broken
    rows += [(5, [False, True, False, False]), (6, [False, False, True, False])]
    assert funnel(rows, 4, 10, "", None, [(4, 1, 3)]) == (3, [4, 5, 6])
    assert retention([[True, False], [False, True]]) == [True, True]
    assert retention([[False, True]]) == [False, False]
    print("funnel_reference self-test ok")


if __name__ == "__main__":
    _selftest()
