#!/usr/bin/env bash
# Copied from the verified recipe: builds pgvector for Debian's PostgreSQL 15 from Debian's source package (about 7 s).
# Build pgvector for the installed Debian PostgreSQL 15 from Debian's own source package (trixie),
# without changing the system's apt configuration. Output: a relocatable PG tree under $ROOT.
set -euo pipefail
ROOT=${1:-$PWD/pgroot}; W=$PWD/work; mkdir -p "$W/lists/partial" "$W/src" "$ROOT"
MIRROR=$(grep -rhoE '^(deb|URIs:) *\S+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://\S+/debian/?$' | head -1 || true)
echo "deb-src ${MIRROR%/} trixie main" > "$W/sources.list"
APT=(-o Dir::Etc::sourcelist="$W/sources.list" -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists="$W/lists")
apt-get "${APT[@]}" update -qq
(cd "$W/src" && apt-get "${APT[@]}" source --download-only -qq pgvector && dpkg-source -x --skip-debianization -q pgvector_*.dsc vec)
command -v /usr/lib/postgresql/15/bin/postgres >/dev/null || apt-get install -y -qq postgresql-15 >/dev/null
V=$(dpkg-query -W -f='${Version}' postgresql-15)
(cd "$W" && apt-get download -qq "postgresql-server-dev-15=$V" && dpkg -x postgresql-server-dev-15_*.deb "$ROOT")
cp -a /usr/lib/postgresql/15/. "$ROOT/usr/lib/postgresql/15/"; mkdir -p "$ROOT/usr/share/postgresql"; cp -a /usr/share/postgresql/15 "$ROOT/usr/share/postgresql/"
make -s -C "$W/src/vec" -j2 PG_CONFIG="$ROOT/usr/lib/postgresql/15/bin/pg_config" with_llvm=no OPTFLAGS="" >/dev/null
make -s -C "$W/src/vec" install PG_CONFIG="$ROOT/usr/lib/postgresql/15/bin/pg_config" with_llvm=no >/dev/null
echo "built: $(ls "$ROOT"/usr/lib/postgresql/15/lib/vector.so)"
