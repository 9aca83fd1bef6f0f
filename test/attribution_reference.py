"""An independent model of the attribution rules of cq.attribute (README, "Attribution"),
written from the rules as stated, not from the C code:

- a touch is eligible for a conversion when it is the same user's and its time t satisfies
  conversion - lookback <= t <= conversion (lookback in microseconds here: the tests use
  intervals of days and hours, which are exact in UTC);
- eligible touches are ordered by (time, channel as UTF-8 bytes);
- first_touch / last_touch: all to the first / last; last_non_direct: to the last whose channel
  is not 'direct', else to the last; linear: 1/n each; position_based: 1 for one touch, 1/2
  each for two, else 0.4 first, 0.4 last, 0.2 / (n - 2) each between; time_decay: weights
  2 ** (-(conversion - t) / half_life), divided by their sum;
- a conversion with no eligible touch is unattributed; a conversion's value (None or NaN: no
  value) is shared in proportion to the credits.

attribute(touches, conversions, model, lookback_us, half_life_us) takes touches as (user, t,
channel) and conversions as (user, t, value) with t in microseconds, and returns
{channel: (conversions, value)} with the unattributed conversions under the key None.
"""
import math
from collections import defaultdict

MODELS = ["first_touch", "last_touch", "last_non_direct", "linear", "position_based",
          "time_decay"]


def credits(model, eligible, conv_t, half_life_us):
    n = len(eligible)
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "last_non_direct":
        out = [0.0] * n
        idx = max((i for i, (_, ch) in enumerate(eligible) if ch != "direct"), default=n - 1)
        out[idx] = 1.0
        return out
    if model == "linear":
        return [1.0 / n] * n
    if model == "position_based":
        if n == 1:
            return [1.0]
        if n == 2:
            return [0.5, 0.5]
        return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]
    if model == "time_decay":
        w = [math.pow(2.0, -(conv_t - t) / half_life_us) for t, _ in eligible]
        if sum(w) == 0.0:      # every weight underflowed: scale by the youngest touch
            m = max(t for t, _ in eligible)
            w = [math.pow(2.0, -(m - t) / half_life_us) for t, _ in eligible]
        s = sum(w)
        return [x / s for x in w]
    raise ValueError(model)


def attribute(touches, conversions, model, lookback_us, half_life_us):
    by_user = defaultdict(list)
    for u, t, ch in touches:
        by_user[u].append((t, ch))
    out = defaultdict(lambda: [0.0, 0.0])
    for u, ct, v in conversions:
        usable = v is not None and math.isfinite(v)
        eligible = sorted(((t, ch) for t, ch in by_user.get(u, [])
                           if ct - lookback_us <= t <= ct),
                          key=lambda x: (x[0], x[1].encode("utf-8")))
        if not eligible:
            out[None][0] += 1.0
            if usable:
                out[None][1] += v
            continue
        for (t, ch), c in zip(eligible, credits(model, eligible, ct, half_life_us)):
            if c == 0.0:
                continue
            out[ch][0] += c
            if usable:
                out[ch][1] += c * v
    out[None]       # always present
    return {k: tuple(v) for k, v in out.items()}
