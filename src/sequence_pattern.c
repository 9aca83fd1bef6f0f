/*-------------------------------------------------------------------------
 *
 * sequence_pattern.c
 *	  The sequence pattern language (sequence.h): the parser and the
 *	  matchers of cq.sequence_match, cq.sequence_count and
 *	  cq.sequence_match_events.  PostgreSQL-free: no allocation, no error
 *	  raised; the fuzz harness links this file as the server does.
 *
 * The semantics are ClickHouse's (sequenceMatch and friends), written here
 * from its documentation and its tests:
 *
 *	- a pattern is read as a leading ".*" followed by its actions;
 *	- a match is searched by backtracking: (?N) and . consume one event; .*
 *	  and the time conditions may skip any number of events, the time
 *	  condition comparing the event the next action is tried on with the
 *	  event matched before it ("base"); a failed (?N), <= or < goes back to
 *	  the latest choice; a failed >=, > or == tries the next event;
 *	- sequence_match without time conditions runs the same language as a
 *	  set of active states over the events (linear, whatever the pattern);
 *	- sequence_count counts matches one after the other, each searched from
 *	  the event after the previous match (a match that consumed no event
 *	  still moves on by one);
 *	- a pattern naming a condition no event satisfies matches nothing (but
 *	  sequence_match_events still reports the longest partial chain), and
 *	  a time pattern whose fixed parts ((?N) and . runs between the others)
 *	  cannot be found in order is refused before any backtracking;
 *	- one backtracking search may take CQ_SEQ_MAX_ITERATIONS steps, as in
 *	  ClickHouse; past that the caller raises an error.
 *
 *-------------------------------------------------------------------------
 */
#include "sequence.h"

#include <stdio.h>

/* Record a refusal at pattern position pos */
static bool
seq_fail(CqCodecError *e, size_t pos, const char *what, const char *hint)
{
	return cq_codec_fail(e, CQ_CODEC_SYNTAX, false, hint,
						 "invalid sequence pattern: %s at position %zu\n"
						 "The pattern language is (?N), ., .* and (?t<=S), (?t<S), (?t>=S), (?t>S), (?t==S) with S in seconds.",
						 what, pos);
}

/* Read a decimal number at s[*i ..]: false when there is none or it passes 2^63 */
static bool
read_number(const char *s, size_t len, size_t *i, uint64_t *v)
{
	size_t		start = *i;

	*v = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9')
	{
		if (*v > (UINT64_C(1) << 63) / 10)
			return false;
		*v = *v * 10 + (uint64_t) (s[*i] - '0');
		(*i)++;
	}
	return *i > start && *v <= (UINT64_C(1) << 63);
}

/* Does s[*i ..] start with lit?  Then consume it */
static bool
take(const char *s, size_t len, size_t *i, const char *lit)
{
	size_t		n = strlen(lit);

	if (*i + n <= len && memcmp(s + *i, lit, n) == 0)
	{
		*i += n;
		return true;
	}
	return false;
}

bool
cq_seq_parse(const char *s, size_t len, int nconds, CqSeqPattern *p, CqCodecError *e)
{
	size_t		i = 0;

	memset(p, 0, sizeof(*p));
	p->actions[p->nactions++].type = CQ_SEQ_STAR;
	while (i < len)
	{
		size_t		at = i;
		CqSeqAction a = {CQ_SEQ_ANY, 0};

		if (p->nactions == CQ_SEQ_MAX_ACTIONS)
			return seq_fail(e, at, "more than 127 items", "Shorten the pattern.");
		if (take(s, len, &i, "(?"))
		{
			uint64_t	v;

			if (take(s, len, &i, "t"))
			{
				CqSeqActionType prev = p->actions[p->nactions - 1].type;

				if (take(s, len, &i, "<="))
					a.type = CQ_SEQ_TIME_LE;
				else if (take(s, len, &i, "<"))
					a.type = CQ_SEQ_TIME_LT;
				else if (take(s, len, &i, ">="))
					a.type = CQ_SEQ_TIME_GE;
				else if (take(s, len, &i, ">"))
					a.type = CQ_SEQ_TIME_GT;
				else if (take(s, len, &i, "=="))
					a.type = CQ_SEQ_TIME_EQ;
				else
					return seq_fail(e, i, "unknown time condition",
									"Use <=, <, >=, > or == after (?t.");
				if (!read_number(s, len, &i, &v))
					return seq_fail(e, i, "expected a number of seconds",
									"Write whole seconds, at most 2^63, such as (?t<=3600).");
				if (prev != CQ_SEQ_EVENT && prev != CQ_SEQ_ANY && prev != CQ_SEQ_STAR)
					return seq_fail(e, at, "a time condition must follow (?N), . or .*",
									"Put an event between two time conditions.");
				/* microseconds, saturated: past 2^64 us no two times are that far apart */
				a.extra = v > UINT64_MAX / 1000000 ? UINT64_MAX : v * 1000000;
				p->has_time = true;
			}
			else
			{
				if (!read_number(s, len, &i, &v))
					return seq_fail(e, i, "expected a condition number", "Write (?1) for the first condition.");
				if (v < 1 || v > (uint64_t) nconds)
					return seq_fail(e, at, "condition number out of range",
									"Conditions are numbered from 1 to the number of conditions passed.");
				a.type = CQ_SEQ_EVENT;
				a.extra = v - 1;
				p->conditions |= UINT32_C(1) << (v - 1);
			}
			if (!take(s, len, &i, ")"))
				return seq_fail(e, i, "expected )", "Close each (? item with ).");
		}
		else if (take(s, len, &i, ".*"))
			a.type = CQ_SEQ_STAR;
		else if (take(s, len, &i, "."))
			a.type = CQ_SEQ_ANY;
		else
			return seq_fail(e, at, "unexpected character",
							"A pattern is made of (?N), ., .* and (?t...) items, with no spaces.");
		p->actions[p->nactions++] = a;
	}
	return true;
}

int32_t
cq_seq_events(const CqFunnelEvent *rows, int32_t n, CqFunnelEvent *ev)
{
	int32_t		m = 0;

	for (int32_t i = 0; i < n; i++)
		if (rows[i].mask != 0)
			ev[m++] = rows[i];
	return m;
}

/* Do the events satisfy, between them, every condition the pattern names? */
static bool
conditions_met(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n)
{
	uint32_t	met = 0;

	for (int32_t i = 0; i < n && (met & p->conditions) != p->conditions; i++)
		met |= ev[i].mask;
	return (met & p->conditions) == p->conditions;
}

/*
 * fixed_parts_found
 *		Can the runs of (?N) and . between the other actions be found in
 *		order, each run on consecutive events after the previous run?  If
 *		not, no match exists (a quick refusal before backtracking).
 */
static bool
fixed_parts_found(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n, CqSeqTick tick)
{
	int32_t		pos = 0;
	int			begin = 0;
	uint64_t	work = 0;

	for (int end = 0; end <= p->nactions; end++)
	{
		int32_t		start;
		int			k;

		if (end < p->nactions && (p->actions[end].type == CQ_SEQ_EVENT ||
								  p->actions[end].type == CQ_SEQ_ANY))
			continue;
		/* the run actions[begin .. end) */
		start = pos;
		k = begin;
		while (k < end && pos < n)
		{
			if (p->actions[k].type == CQ_SEQ_ANY ||
				(ev[pos].mask >> p->actions[k].extra) & 1)
				pos++, k++;
			else
				pos = ++start, k = begin;
			if (tick && (++work & 0xffff) == 0)
				tick();
		}
		if (k < end)
			return false;
		begin = end + 1;
	}
	return true;
}

/* Does event e satisfy time action a against event base? */
static bool
time_ok(const CqSeqAction *a, const CqFunnelEvent *e, const CqFunnelEvent *base)
{
	/* events are sorted, e after base: the difference is >= 0 and fits uint64 */
	uint64_t	d = (uint64_t) e->ts - (uint64_t) base->ts;

	switch (a->type)
	{
		case CQ_SEQ_TIME_LE:
			return d <= a->extra;
		case CQ_SEQ_TIME_LT:
			return d < a->extra;
		case CQ_SEQ_TIME_GE:
			return d >= a->extra;
		case CQ_SEQ_TIME_GT:
			return d > a->extra;
		default:
			return d == a->extra;
	}
}

/* A choice to come back to: the action, the event it was tried on, the base, the path */
typedef struct Choice
{
	int			action;
	int32_t		event;
	int32_t		base;
	int			path;
} Choice;

/* What one backtracking search reports */
typedef struct Search
{
	int32_t	   *path;			/* events matched by (?N), in order, or NULL */
	int			npath;
	int32_t	   *best;			/* the longest path seen, or NULL */
	int			nbest;
} Search;

/*
 * backtrack
 *		One search from event *pos, as ClickHouse's backtracking: *matched
 *		when the actions are all matched; *pos is left after the match (or
 *		at the end), and moved on by one if it did not move.  *work counts
 *		the steps of all searches of the caller, for tick.
 */
static CqSeqStatus
backtrack(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n, int32_t *pos,
		  CqSeqTick tick, uint64_t *work, Search *s, bool *matched)
{
	Choice		stack[CQ_SEQ_MAX_ACTIONS];
	int			depth = 0;
	int			a = 0;
	int32_t		e = *pos;
	int32_t		begin = e;
	int32_t		base = e;
	int			npath = 0;
	long		steps = 0;

#define PUSH() (stack[depth].action = a, stack[depth].event = e, stack[depth].base = base, \
				stack[depth].path = npath, depth++)

	while (a < p->nactions && e < n)
	{
		const CqSeqAction *act = &p->actions[a];
		bool		back = false;

		switch (act->type)
		{
			case CQ_SEQ_EVENT:
				if ((ev[e].mask >> act->extra) & 1)
				{
					if (s && s->path)
					{
						s->path[npath++] = e;
						if (s->best && npath > s->nbest)
						{
							memcpy(s->best, s->path, sizeof(int32_t) * npath);
							s->nbest = npath;
						}
					}
					base = e;
					a++, e++;
				}
				else
					back = true;
				break;
			case CQ_SEQ_ANY:
				base = e;
				a++, e++;
				break;
			case CQ_SEQ_STAR:
				PUSH();
				base = e;
				a++;
				break;
			case CQ_SEQ_TIME_LE:
			case CQ_SEQ_TIME_LT:
				if (time_ok(act, &ev[e], &ev[base]))
				{
					PUSH();
					base = e;
					a++;
				}
				else
					back = true;
				break;
			default:
				if (time_ok(act, &ev[e], &ev[base]))
				{
					PUSH();
					base = e;
					a++;
				}
				else if (++e == n)
					back = true;
				break;
		}
		if (back)
		{
			/* back to the latest choice that still has an event to try */
			bool		resumed = false;

			while (depth > 0 && !resumed)
			{
				Choice	   *c = &stack[--depth];

				a = c->action;
				e = c->event + 1;
				base = c->base;
				npath = c->path;
				resumed = e != n;
			}
			if (!resumed)
				break;
		}
		if (++steps > CQ_SEQ_MAX_ITERATIONS)
			return CQ_SEQ_TOO_HARD;
		/* the work of every search of one call (a count makes many): ticks at a steady pace */
		if (tick && (++*work & 0xffff) == 0)
			tick();
	}
#undef PUSH
	/* what is left may match nothing: .*, <= and <, and >= 0 */
	while (a < p->nactions &&
		   (p->actions[a].type == CQ_SEQ_STAR || p->actions[a].type == CQ_SEQ_TIME_LE ||
			p->actions[a].type == CQ_SEQ_TIME_LT ||
			(p->actions[a].type == CQ_SEQ_TIME_GE && p->actions[a].extra == 0)))
		a++;
	if (e == begin)
		e++;
	*pos = e;
	*matched = a == p->nactions;
	if (s)
		s->npath = npath;
	return CQ_SEQ_DONE;
}

/*
 * active_states_match
 *		The language of a pattern without time conditions, run over the
 *		events as a set of active states: state k has read the first k (?N)
 *		and . items; a .* keeps its state active.  Linear in the events.
 */
static bool
active_states_match(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n, CqSeqTick tick)
{
	/* per state: its transition (an action index, or -1) and whether a .* loops on it */
	int			trans[CQ_SEQ_MAX_ACTIONS + 1];
	bool		loop[CQ_SEQ_MAX_ACTIONS + 1];
	bool		active[CQ_SEQ_MAX_ACTIONS + 1];
	bool		next[CQ_SEQ_MAX_ACTIONS + 1];
	int			nstates = 1;

	trans[0] = -1;
	loop[0] = false;
	for (int a = 0; a < p->nactions; a++)
	{
		if (p->actions[a].type == CQ_SEQ_STAR)
			loop[nstates - 1] = true;
		else
		{
			trans[nstates - 1] = a;
			trans[nstates] = -1;
			loop[nstates] = false;
			nstates++;
		}
	}
	memset(active, 0, sizeof(active));
	active[0] = true;
	for (int32_t i = 0; i < n && !active[nstates - 1]; i++)
	{
		bool		any = false;

		memset(next, 0, sizeof(bool) * nstates);
		for (int k = 0; k < nstates; k++)
		{
			if (!active[k])
				continue;
			if (trans[k] >= 0 &&
				(p->actions[trans[k]].type == CQ_SEQ_ANY ||
				 (ev[i].mask >> p->actions[trans[k]].extra) & 1))
				next[k + 1] = any = true;
			if (loop[k])
				next[k] = any = true;
		}
		memcpy(active, next, sizeof(bool) * nstates);
		if (!any)
			break;
		if (tick && (i & 0xffff) == 0xffff)
			tick();
	}
	return active[nstates - 1];
}

CqSeqStatus
cq_seq_match(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n, CqSeqTick tick,
			 bool *matched)
{
	int32_t		pos = 0;
	uint64_t	work = 0;

	*matched = false;
	if (!conditions_met(p, ev, n))
		return CQ_SEQ_DONE;
	if (!p->has_time)
	{
		*matched = active_states_match(p, ev, n, tick);
		return CQ_SEQ_DONE;
	}
	if (!fixed_parts_found(p, ev, n, tick))
		return CQ_SEQ_DONE;
	return backtrack(p, ev, n, &pos, tick, &work, NULL, matched);
}

CqSeqStatus
cq_seq_count(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n, CqSeqTick tick,
			 int64_t *count)
{
	int32_t		pos = 0;
	uint64_t	work = 0;

	*count = 0;
	if (!conditions_met(p, ev, n) || !fixed_parts_found(p, ev, n, tick))
		return CQ_SEQ_DONE;
	while (pos < n)
	{
		bool		matched;
		CqSeqStatus st = backtrack(p, ev, n, &pos, tick, &work, NULL, &matched);

		if (st != CQ_SEQ_DONE)
			return st;
		if (!matched)
			break;
		(*count)++;
	}
	return CQ_SEQ_DONE;
}

CqSeqStatus
cq_seq_match_events(const CqSeqPattern *p, const CqFunnelEvent *ev, int32_t n, CqSeqTick tick,
					int32_t *out, int *nout)
{
	int32_t		path[CQ_SEQ_MAX_ACTIONS];
	Search		s = {path, 0, out, 0};
	int32_t		pos = 0;
	uint64_t	work = 0;
	bool		matched;
	CqSeqStatus st;

	/*
	 * No shortcut when a condition never occurs: the longest partial chain is
	 * the answer then (ClickHouse's documented example)
	 */
	*nout = 0;
	st = backtrack(p, ev, n, &pos, tick, &work, &s, &matched);
	if (st != CQ_SEQ_DONE)
		return st;
	if (matched)
	{
		memcpy(out, path, sizeof(int32_t) * s.npath);
		*nout = s.npath;
	}
	else
		*nout = s.nbest;
	return CQ_SEQ_DONE;
}
