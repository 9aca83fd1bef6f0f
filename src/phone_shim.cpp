/*-------------------------------------------------------------------------
 *
 * phone_shim.cpp
 *	  The one C++ file: phone number parsing with libphonenumber.
 *
 * Contract: plain C in, plain C out, every exception caught here, no call
 * into PostgreSQL.  See phone_shim.h.
 *
 *-------------------------------------------------------------------------
 */
#include "phone_shim.h"

#include <cstring>
#include <set>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

/* libphonenumber refuses longer input anyway; stop before copying it */
static const size_t kMaxPhoneInput = 250;

/*
 * Parse text with the given region ("ZZ" for none) and, if libphonenumber
 * judges the result a valid number, store its E.164 form.
 */
static bool
parse_valid(const PhoneNumberUtil &util, const std::string &text,
			const std::string &region, std::string *e164)
{
	PhoneNumber number;

	if (util.Parse(text, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR)
		return false;
	if (!util.IsValidNumber(number))
		return false;
	util.Format(number, PhoneNumberUtil::E164, e164);
	return true;
}

/*
 * Rewrite a number written with an international call prefix (00 or 011)
 * or, when no region is known, with a bare country code, so that it starts
 * with '+'.  Returns false when there is nothing to rewrite.
 */
static bool
as_international(const std::string &text, bool have_region, std::string *out)
{
	size_t		first = text.find_first_of("0123456789+");

	if (first == std::string::npos || text[first] == '+')
		return false;
	if (text.compare(first, 3, "011") == 0)
		*out = "+" + text.substr(first + 3);
	else if (text.compare(first, 2, "00") == 0)
		*out = "+" + text.substr(first + 2);
	else if (!have_region)
		*out = "+" + text.substr(first);
	else
		return false;
	return true;
}

extern "C" CqPhoneStatus
cq_phone_to_e164(const char *number, size_t len, const char *region,
				 char out[CQ_PHONE_BUFSIZE])
{
	try
	{
		if (len > kMaxPhoneInput)
			return CQ_PHONE_INVALID;

		const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
		std::string text(number, len);
		std::string reg(region != NULL ? region : "ZZ");
		std::string e164;
		std::string alt;

		if (!parse_valid(util, text, reg, &e164) &&
			!(as_international(text, region != NULL, &alt) &&
			  parse_valid(util, alt, reg, &e164)))
			return CQ_PHONE_INVALID;

		/*
		 * The answer must read back as itself.  A national number can keep a
		 * prefix that libphonenumber strips from the international form (a
		 * Mexican "1" after +52: "114989489018" in MX gives +5214989489018,
		 * which reads back as +524989489018), so read the E.164 form again
		 * until it no longer changes; a few rounds are enough.
		 */
		for (int round = 0; round < 3; round++)
		{
			std::string again;

			if (!parse_valid(util, e164, "ZZ", &again) || again == e164)
				break;
			e164 = again;
		}

		/*
		 * E.164 numbers have at most 15 digits, and an answer must be stable:
		 * refuse one that is longer, or that still does not read back as
		 * itself (fuzz_phone found a Japanese national number whose E.164
		 * form had 19 digits).
		 */
		{
			std::string again;

			if (e164.size() > 16 || !parse_valid(util, e164, "ZZ", &again) || again != e164)
				return CQ_PHONE_INVALID;
		}
		if (e164.size() >= CQ_PHONE_BUFSIZE)
			return CQ_PHONE_INVALID;
		std::memcpy(out, e164.c_str(), e164.size() + 1);
		return CQ_PHONE_OK;
	}
	catch (...)
	{
		return CQ_PHONE_FAILURE;
	}
}

extern "C" int
cq_phone_region_supported(const char *region)
{
	try
	{
		const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();

		return util.GetCountryCodeForRegion(region) != 0;
	}
	catch (...)
	{
		return 0;
	}
}

/*
 * Write the regions libphonenumber supports, sorted and comma-separated, into
 * out (NUL-terminated, truncated to outsize).  Returns the number of regions,
 * or 0 if the library failed.
 */
extern "C" size_t
cq_phone_regions(char *out, size_t outsize)
{
	try
	{
		std::set<std::string> regions;
		std::string joined;

		PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
		for (const std::string &r : regions)
		{
			if (!joined.empty())
				joined += ',';
			joined += r;
		}
		if (outsize > 0)
		{
			size_t		n = joined.size() < outsize - 1 ? joined.size() : outsize - 1;

			std::memcpy(out, joined.data(), n);
			out[n] = '\0';
		}
		return regions.size();
	}
	catch (...)
	{
		if (outsize > 0)
			out[0] = '\0';
		return 0;
	}
}
