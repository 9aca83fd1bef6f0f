------------------------------------------------------------------------------
-- Identity: identifier normalization and match keys (src/identity.h)
------------------------------------------------------------------------------

CREATE FUNCTION cq.normalize_email(email text, platform text DEFAULT 'generic')
RETURNS text
AS 'MODULE_PATHNAME', 'normalize_email'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.normalize_email(text, text) IS
'Email normalized for an ad platform (generic, google, meta, tiktok, snap, uid2): trimmed and lowercased; google also removes dots and +tag from gmail.com/googlemail.com local parts, uid2 from gmail.com only. NULL when the value is not an address.';

CREATE FUNCTION cq.normalize_phone(phone text, default_region text DEFAULT NULL,
                                   platform text DEFAULT 'e164')
RETURNS text
AS 'MODULE_PATHNAME', 'normalize_phone'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.normalize_phone(text, text, text) IS
'Phone number parsed with libphonenumber (national formats in default_region, an ISO 3166-1 alpha-2 code): +<digits> for e164, generic, google, tiktok, uid2; digits only for meta, snap. NULL when the number is not valid or phone or platform is NULL.';

CREATE FUNCTION cq.phone_regions()
RETURNS text[]
AS 'MODULE_PATHNAME', 'phone_regions'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cq.phone_regions() IS
'The ISO 3166-1 alpha-2 region codes libphonenumber knows, sorted: the valid values of default_region in cq.normalize_phone and cq.match_key.';

CREATE FUNCTION cq.normalize_identifier(value text, kind text, platform text DEFAULT 'generic',
                                        default_region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'normalize_identifier'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.normalize_identifier(text, text, text, text) IS
'Clear-text platform-normalized customer identifier of a kind (email, phone, first_name, last_name, city, state, zip, country, external_id): what cq.match_key hashes, and what Google expects unhashed for city, state, zip and country. NULL when unusable.';

CREATE FUNCTION cq.match_key(value text, kind text, platform text DEFAULT 'generic',
                             default_region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'match_key'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cq.match_key(text, text, text, text) IS
'Lowercase hex SHA-256 of the UTF-8 bytes of cq.normalize_identifier(value, kind, platform, default_region): the hashed identifier uploaded for advanced matching / enhanced conversions. NULL when normalization gives NULL.';
