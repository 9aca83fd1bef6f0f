#!/usr/bin/env bash
# Every ```sql block of README.md's "## Funnels" section must appear verbatim in
# sql/funnel_readme.sql, which pg_regress runs (expected/funnel_readme.out pins the results).
set -euo pipefail
python3 - <<'PY'
import re, sys
readme = open("README.md").read()
start = readme.index("\n## Funnels\n")
end = readme.find("\n## ", start + 1)
section = readme[start:end if end != -1 else len(readme)]
blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
test = open("sql/funnel_readme.sql").read()
missing = [b for b in blocks if b not in test]
for b in missing:
    print("README block not in sql/funnel_readme.sql:\n" + b)
print("%d README funnel blocks, %d missing from sql/funnel_readme.sql" % (len(blocks), len(missing)))
sys.exit(1 if missing or not blocks else 0)
PY
