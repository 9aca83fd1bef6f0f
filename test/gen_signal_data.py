#!/usr/bin/python3
"""Event data with planted signals, where the right ranking is known.

Writes CSV rows  user_id,event_time,event_name,revenue  (revenue empty except on purchases) to
stdout, for a table such as

    CREATE TABLE gen_events (user_id bigint, event_time timestamptz, event_name text,
                             revenue numeric);
    \\copy gen_events FROM PROGRAM '/usr/bin/python3 test/gen_signal_data.py' WITH (FORMAT csv)

Users sign up uniformly over the observation period (so the latest ones cannot be observed for
a full horizon).  Every user starts with session_start.  Planted:
  add_to_cart        30 % of users, a few days after signup; then, with probability 0.5, a
                     purchase over the following weeks (10 days later on average): the event
                     that truly drives revenue
  vip_call           0.2 % of users; always followed by a large purchase 2 to 20 days later:
                     the rare perfect predictor (too rare for an ad platform to learn from)
  page_view          85 % of users, several times, first within minutes of signup: frequent,
                     no effect on revenue
  newsletter_signup  40 % of users, within hours of signup: no effect
  event_01 ...       filler events without effect, up to --names event names in all
  purchase           the revenue event (carries the revenue)
Every user also buys at random (probability 0.1, any time in the 60 days after signup),
whatever they did.  Same seed, same data.
"""
import argparse
import sys

import numpy as np

DAY = 86400.0


def generate(users=20000, weeks=26, names=8, seed=1, start="2024-01-01"):
    """Return numpy arrays (user_id, epoch seconds, event name, revenue or nan)."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64(start + "T00:00:00").astype("datetime64[s]").astype(np.int64)
    span = weeks * 7 * DAY
    end = t0 + span
    uid = np.arange(1, users + 1)
    signup = t0 + rng.random(users) * span
    out_u, out_t, out_n, out_v = [], [], [], []

    def emit(mask_users, times, name, values=None):
        out_u.append(mask_users)
        out_t.append(times)
        out_n.append(np.full(len(mask_users), name, dtype=object))
        out_v.append(np.full(len(mask_users), np.nan) if values is None else values)

    emit(uid, signup, "session_start")
    # add_to_cart: the driver
    cart = rng.random(users) < 0.30
    cart_t = signup[cart] + rng.exponential(3 * DAY, cart.sum())
    emit(uid[cart], cart_t, "add_to_cart")
    buys = rng.random(cart.sum()) < 0.5
    emit(uid[cart][buys], cart_t[buys] + rng.exponential(10 * DAY, buys.sum()), "purchase",
         np.round(rng.lognormal(4.0, 0.8, buys.sum()), 2))
    # vip_call: rare perfect predictor
    vip = rng.random(users) < 0.002
    vip_t = signup[vip] + rng.exponential(5 * DAY, vip.sum())
    emit(uid[vip], vip_t, "vip_call")
    emit(uid[vip], vip_t + (2 + 18 * rng.random(vip.sum())) * DAY, "purchase",
         np.round(rng.lognormal(6.0, 0.3, vip.sum()), 2))
    # page_view: frequent, no effect; first one minutes after signup, then more
    pv = rng.random(users) < 0.85
    emit(uid[pv], signup[pv] + rng.exponential(600, pv.sum()), "page_view")
    extra = rng.poisson(4, pv.sum())
    rep_u = np.repeat(uid[pv], extra)
    rep_t = np.repeat(signup[pv], extra) + rng.random(extra.sum()) * 60 * DAY
    emit(rep_u, rep_t, "page_view")
    # newsletter_signup: no effect, hours after signup
    nl = rng.random(users) < 0.40
    emit(uid[nl], signup[nl] + rng.exponential(2 * 3600, nl.sum()), "newsletter_signup")
    # filler events without effect
    for k in range(1, max(0, names - 6) + 1):
        share = 0.05 + 0.55 * rng.random()
        has = rng.random(users) < share
        cnt = 1 + rng.poisson(2, has.sum())
        # the first occurrence within hours of signup, the others over the next month
        later = np.repeat(signup[has], cnt) + rng.random(cnt.sum()) * 30 * DAY
        first = np.concatenate(([True], np.repeat(uid[has], cnt)[1:] != np.repeat(uid[has], cnt)[:-1]))
        later[first] = signup[has] + rng.exponential(2 * 3600, has.sum())
        emit(np.repeat(uid[has], cnt), later, f"event_{k:02d}")
    # background purchases, independent of every event
    bg = rng.random(users) < 0.10
    emit(uid[bg], signup[bg] + rng.random(bg.sum()) * 60 * DAY, "purchase",
         np.round(rng.lognormal(3.5, 1.0, bg.sum()), 2))

    u = np.concatenate(out_u)
    t = np.concatenate(out_t)
    n = np.concatenate(out_n)
    v = np.concatenate(out_v)
    keep = t <= end
    # whole seconds, so the database and Python see the same times
    return u[keep], np.floor(t[keep]).astype(np.int64), n[keep], v[keep], int(end)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=20000)
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--names", type=int, default=8, help="event names in all (at least 6)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    u, t, n, v, _ = generate(a.users, a.weeks, a.names, a.seed)
    ts = t.astype("datetime64[s]").astype(str)
    vs = ["" if x != x else repr(float(x)) for x in v]
    out = sys.stdout
    chunk = 200000
    for a in range(0, len(u), chunk):
        out.write("".join(f"{uu},{tt}+00,{nn},{vv}\n" for uu, tt, nn, vv in
                          zip(u[a:a + chunk].tolist(), ts[a:a + chunk], n[a:a + chunk], vs[a:a + chunk])))


if __name__ == "__main__":
    main()
