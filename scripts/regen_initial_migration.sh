#!/usr/bin/env bash
# Regenerate the initial Alembic migration from the ORM models. Only while Maitre has no release:
# once one exists, add a new revision with `alembic revision --autogenerate -m "..."` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f src/maitre/db/migrations/versions/0001_*.py
MAITRE_DATABASE_URL="sqlite:///$tmp/gen.db" .venv/bin/alembic revision --autogenerate \
  -m "initial schema" --rev-id 0001 >/dev/null
rm -rf "$tmp"
sed -i 's/^Create Date: .*/Create Date: (regenerated)/' src/maitre/db/migrations/versions/0001_*.py

.venv/bin/ruff format -q src/maitre/db/migrations/versions/
echo "regenerated src/maitre/db/migrations/versions/0001_initial_schema.py"
