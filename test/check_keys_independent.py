#!/usr/bin/python3
"""Checks match keys and dedup keys against independent tools.

- cq.match_key(...) must equal `sha256sum` of cq.normalize_identifier(...) for
  every example (the published platform examples among them);
- cq.dedup_key(...) must equal the documented encoding (README, "Key
  encodings") computed here with Python's hashlib.

Runs against the database in PGDATABASE (the harness creates it with the
extension installed).  Exit status 0 when every check passes.
"""
import hashlib
import struct
import subprocess
import sys

EXAMPLES = [
    # value, kind, platform, region, published hash prefix (or None)
    ("Person@Example.com", "email", "snap", None, "542d2401"),
    ("adsapi", "external_id", "generic", None, "49e0be2a"),
    ("  Cloudy.SanFrancisco+Shopping@gmail.com", "email", "google", None, None),
    ("Émile.Zoë@Exemple.FR", "email", "meta", None, None),
    ("(800)555-0100", "phone", "google", "US", None),
    ("+44 844 412 4653", "phone", "snap", None, None),
    ("020 7183 8750", "phone", "meta", "GB", None),
    ("1 (234) 567-8901", "phone", "uid2", None, None),
    ("  Mary-Jane ", "first_name", "meta", None, None),
    ("Ñúñez", "last_name", "tiktok", None, None),
    ("Seattle-98121", "city", "meta", None, None),
    ("98121-4892", "zip", "meta", None, None),
    (" US ", "country", "meta", None, None),
]

DEDUP = [
    ("Purchase", "ORDER-1001", None),
    ("Purchase", "ORDER-1001", "pixel:1234567890"),
    (None, "ORDER-1001", None),
    ("", "ORDER-1001", ""),
    ("Kauf", "Bestellung-ä€😀", None),
    ("ab", "c", None),
    ("a", "bc", None),
]


def psql(query):
    """Run one query; return its first row as a list of fields."""
    cmd = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    out = subprocess.run(cmd, input=query, capture_output=True, text=True, check=True)
    return out.stdout.rstrip("\n").split("\t")


def sql_literal(value):
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def field(value):
    if value is None:
        return b"\x00"
    data = value.encode("utf-8")
    return b"\x01" + struct.pack(">I", len(data)) + data


def reference_dedup_key(name, event_id, scope):
    digest = bytearray(hashlib.sha256(b"cq.dedup_key.v1\x00" + field(scope) + field(name)
                                      + field(event_id)).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x80
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def main():
    failures = 0
    for value, kind, platform, region, published in EXAMPLES:
        args = f"{sql_literal(value)}, '{kind}', '{platform}', {sql_literal(region)}"
        normalized, key = psql(f"SELECT cq.normalize_identifier({args}), cq.match_key({args})")
        tool = subprocess.run(["sha256sum"], input=normalized.encode("utf-8"),
                              capture_output=True, check=True).stdout.split()[0].decode()
        ok = key == tool and (published is None or key.startswith(published))
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'}: match_key({value!r}, {kind}, {platform}) = {key};"
              f" sha256sum({normalized!r}) = {tool}")
    for name, event_id, scope in DEDUP:
        args = f"{sql_literal(name)}, {sql_literal(event_id)}, {sql_literal(scope)}"
        key = psql(f"SELECT cq.dedup_key({args})")[0]
        ref = reference_dedup_key(name, event_id, scope)
        ok = key == ref
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'}: dedup_key({name!r}, {event_id!r}, {scope!r}) = {key};"
              f" reference {ref}")
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
