/*-------------------------------------------------------------------------
 *
 * fuzz_sequence.c
 *	  libFuzzer harness for the sequence patterns (src/sequence_pattern.c):
 *	  the parser and the three matchers, linked as the server links them.
 *
 * An input is: one byte for the number of conditions (1 to 32), the
 * pattern up to the first NUL byte, then events of 3 bytes each (a time
 * step of 0 to 255 seconds, so many events share a time or a second, and
 * a 16-bit mask of the first 16 conditions).
 *
 * Checked, besides "no crash, no sanitizer report, no libFuzzer timeout":
 *	- the parser either accepts with 2 to 128 actions, or refuses with a
 *	  message that names a position inside the pattern;
 *	- an accepted pattern is accepted again with more conditions;
 *	- the matchers end with a result or "too hard", never anything else;
 *	- sequence_count's matches do not outnumber the events plus one, and on
 *	  a group with events there is a match (sequence_match: active states
 *	  without time conditions) exactly when the count (backtracking) is
 *	  not 0: two implementations of the same language agree;
 *	- sequence_match_events returns increasing event indexes in range, at
 *	  most one per (?N) item, each event satisfying the condition of the
 *	  item it matched (complete match or longest partial chain).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"
#include "sequence.h"

#define MAX_EVENTS	512

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CqSeqPattern p;
	CqSeqPattern p2;
	CqCodecError e;
	CqFunnelEvent ev[MAX_EVENTS];
	int32_t		n = 0;
	int			nconds;
	size_t		plen = 0;
	size_t		pos;
	int64_t		ts = 0;
	int			nevent_items = 0;

	if (size < 1)
		return 0;
	nconds = 1 + data[0] % 32;
	while (1 + plen < size && data[1 + plen] != 0)
		plen++;
	if (!cq_seq_parse((const char *) data + 1, plen, nconds, &p, &e))
	{
		unsigned long at = 0;
		const char *where = strstr(e.message, "at position ");

		FUZZ_CHECK(where != NULL, "refusal without a position: %s", e.message);
		at = strtoul(where + strlen("at position "), NULL, 10);
		FUZZ_CHECK(at <= plen, "position %lu past the pattern (%zu bytes)", at, plen);
		return 0;
	}
	FUZZ_CHECK(p.nactions >= 1 && p.nactions <= CQ_SEQ_MAX_ACTIONS, "%d actions", p.nactions);
	FUZZ_CHECK(cq_seq_parse((const char *) data + 1, plen, 32, &p2, &e), "refused with 32 conditions");
	for (int i = 0; i < p.nactions; i++)
		if (p.actions[i].type == CQ_SEQ_EVENT)
		{
			FUZZ_CHECK(p.actions[i].extra < (uint64_t) nconds, "condition %llu of %d",
					   (unsigned long long) p.actions[i].extra, nconds);
			nevent_items++;
		}

	for (pos = 2 + plen; pos + 3 <= size && n < MAX_EVENTS; pos += 3)
	{
		ts += (int64_t) data[pos] * 1000000;
		ev[n].ts = ts;
		ev[n].mask = ((uint32_t) data[pos + 1] | ((uint32_t) data[pos + 2] << 8)) &
			(nconds == 32 ? UINT32_MAX : ((UINT32_C(1) << nconds) - 1));
		ev[n].reserved = 0;
		n = n + (ev[n].mask != 0 ? 1 : 0);	/* events only: rows with a condition */
	}

	{
		bool		matched = false;
		int64_t		count = -1;
		int32_t		idx[CQ_SEQ_MAX_ACTIONS];
		int			nidx = -1;
		CqSeqStatus s1 = cq_seq_match(&p, ev, n, NULL, &matched);
		CqSeqStatus s2 = cq_seq_count(&p, ev, n, NULL, &count);
		CqSeqStatus s3 = cq_seq_match_events(&p, ev, n, NULL, idx, &nidx);

		FUZZ_CHECK(s1 == CQ_SEQ_DONE || s1 == CQ_SEQ_TOO_HARD, "match status %d", s1);
		FUZZ_CHECK(s2 == CQ_SEQ_DONE || s2 == CQ_SEQ_TOO_HARD, "count status %d", s2);
		FUZZ_CHECK(s3 == CQ_SEQ_DONE || s3 == CQ_SEQ_TOO_HARD, "events status %d", s3);
		if (s1 == CQ_SEQ_DONE && s2 == CQ_SEQ_DONE && n > 0)
			FUZZ_CHECK(matched == (count > 0), "match %d but count %lld", matched, (long long) count);
		if (s2 == CQ_SEQ_DONE)
			FUZZ_CHECK(count >= 0 && count <= (int64_t) n + 1, "count %lld of %d events",
					   (long long) count, n);
		if (s3 == CQ_SEQ_DONE)
		{
			FUZZ_CHECK(nidx >= 0 && nidx <= nevent_items, "%d events for %d items", nidx, nevent_items);
			for (int i = 0; i < nidx; i++)
			{
				FUZZ_CHECK(idx[i] >= 0 && idx[i] < n, "index %d of %d", idx[i], n);
				FUZZ_CHECK(i == 0 || idx[i] > idx[i - 1], "indexes not increasing");
			}
			{
				/* chain event k satisfies the condition of the k-th (?N) */
				int			k = 0;

				for (int a = 0; a < p.nactions && k < nidx; a++)
					if (p.actions[a].type == CQ_SEQ_EVENT)
					{
						FUZZ_CHECK((ev[idx[k]].mask >> p.actions[a].extra) & 1,
								   "event %d does not satisfy condition %llu", idx[k],
								   (unsigned long long) p.actions[a].extra + 1);
						k++;
					}
			}
		}
	}
	return 0;
}
