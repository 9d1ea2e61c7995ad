#!/bin/sh
# The member search of two commits on the same 1,000,000 seeded members, in turns.
#   bench/search_side_by_side.sh SERVER_URL BEFORE_TREE [ROUNDS] [RUNS]
# SERVER_URL: a PostgreSQL server (default durability) holding `search_before` (seeded with
# bench/seed.py, migrated by the older commit) and `search_after` (a copy made with
# `CREATE DATABASE search_after TEMPLATE search_before`, then migrated by this commit).
# BEFORE_TREE: a checkout of the older commit (`git archive <commit> | tar -x -C …`) whose
# bench/ holds a copy of bench/member_search.py. Rounds alternate, so both see the same load.
set -eu
server=$1; before=$2; rounds=${3:-3}; runs=${4:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
i=1
while [ "$i" -le "$rounds" ]; do
  (cd "$before" && "$here/.venv/bin/python" bench/member_search.py \
    --database-url "$server/search_before" --runs "$runs" --label "before, round $i")
  (cd "$here" && .venv/bin/python bench/member_search.py \
    --database-url "$server/search_after" --runs "$runs" --label "after, round $i")
  i=$((i + 1))
done
