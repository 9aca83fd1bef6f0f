/*-------------------------------------------------------------------------
 *
 * fuzz_phone.c
 *	  libFuzzer harness for src/phone_shim.cpp (cq.normalize_phone): our
 *	  C++ shim over libphonenumber, exceptions and all.
 *
 * Input: byte 0 picks the default region (none, one of a list, or the next
 * two bytes taken as a code and used only when libphonenumber knows it, as
 * cq.normalize_phone's region check does); the rest is the number.
 * Invariants besides "no crash, no sanitizer report":
 *	- the shim never reports a failure (a C++ exception caught);
 *	- a result matches ^\+[0-9]{2,17}$;
 *	- the result parsed again, with no region and with the same region,
 *	  gives itself, and so do its digits alone with no region (the bare
 *	  country-code rescue that meta and snap output relies on).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"
#include "phone_shim.h"

static const char *const regions[] = {
	NULL, "US", "GB", "FR", "DE", "IN", "BR", "JP", "AU", "CN", "IT", "MX", "NG", "RU",
	"ZA", "CA", "SE", "AR", "KR", "ID"
};

static bool
is_e164(const char *s)
{
	size_t		n = strlen(s);

	if (n < 3 || n > 18 || s[0] != '+')
		return false;
	for (size_t i = 1; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

/* Parse again and require exactly the same E.164 string */
static void
check_reparse(const char *text, const char *region, const char *want)
{
	char		out[CQ_PHONE_BUFSIZE];
	CqPhoneStatus status = cq_phone_to_e164(text, strlen(text), region, out);

	FUZZ_CHECK(status == CQ_PHONE_OK && strcmp(out, want) == 0,
			   "\"%s\" (region %s) gives status %d \"%s\", not \"%s\"",
			   text, region ? region : "none", (int) status,
			   status == CQ_PHONE_OK ? out : "", want);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *region;
	char		code[3];
	char	   *s;
	size_t		skip = 1;
	char		out[CQ_PHONE_BUFSIZE];
	CqPhoneStatus status;

	if (size < 1 || size > 4096)
		return 0;
	if (data[0] < 0xf0)
		region = regions[data[0] % (sizeof(regions) / sizeof(regions[0]))];
	else
	{
		if (size < 3)
			return 0;
		code[0] = (char) data[1];
		code[1] = (char) data[2];
		code[2] = '\0';
		skip = 3;
		region = NULL;
		if (code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z' &&
			cq_phone_region_supported(code))
			region = code;
	}
	s = fuzz_dup(data + skip, size - skip);

	status = cq_phone_to_e164(s, size - skip, region, out);
	FUZZ_CHECK(status == CQ_PHONE_OK || status == CQ_PHONE_INVALID,
			   "shim failure (an exception) for region %s", region ? region : "none");
	if (status == CQ_PHONE_OK)
	{
		FUZZ_CHECK(is_e164(out), "\"%s\" is not +<2..17 digits>", out);
		check_reparse(out, NULL, out);
		if (region != NULL)
			check_reparse(out, region, out);
		check_reparse(out + 1, NULL, out);
	}
	free(s);
	return 0;
}
