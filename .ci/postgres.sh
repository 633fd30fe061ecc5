# Starts a throw-away PostgreSQL server on 127.0.0.1 (TLS on, with a self-signed certificate) from
# the machine's packages and exports CXQA_TEST_POSTGRES_URL, and for the TLS tests
# CXQA_TEST_POSTGRES_TLS_URL (a role refused without TLS) and CXQA_TEST_POSTGRES_CA. Sourced by .ci/run; the server is stopped when the shell exits.
# Usable by hand too:  source .ci/postgres.sh   (then run the tests in the same shell)

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is not installed; installing it from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

pg_dir=$(mktemp -d /tmp/cxqa-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"

as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log"; echo "initdb failed"; exit 1; }
# TLS: a throw-away CA made here, and a certificate it signs for localhost/127.0.0.1. The role
# cxqa_tls may connect over TLS only (pg_hba is first match), so a test can show that a TLS-only
# server works; every other role may use either.
tls_ext="$pg_dir/server.ext"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tls_ext"
{ openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=cxqa test CA" -keyout "$pg_dir/ca.key" -out "$pg_dir/ca.pem" \
  && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$pg_dir/server.key" -out "$pg_dir/server.csr" \
  && openssl x509 -req -in "$pg_dir/server.csr" -CA "$pg_dir/ca.pem" -CAkey "$pg_dir/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls_ext" -out "$pg_dir/server.crt"; } >"$pg_dir/openssl.log" 2>&1 \
  || { cat "$pg_dir/openssl.log"; echo "could not make the test certificates"; exit 1; }
chmod 644 "$pg_dir/ca.pem" "$pg_dir/server.crt" "$pg_dir/server.key"
as_pg cp "$pg_dir/server.crt" "$pg_dir/server.key" "$pg_dir/data/"
as_pg chmod 600 "$pg_dir/data/server.key"
rm -f "$pg_dir/server.key" "$pg_dir/ca.key"
{ printf 'hostnossl all cxqa_tls all reject\nhostssl all cxqa_tls 127.0.0.1/32 trust\n'; cat "$pg_dir/data/pg_hba.conf"; } \
  >"$pg_dir/pg_hba.conf" && as_pg cp "$pg_dir/pg_hba.conf" "$pg_dir/data/pg_hba.conf"

as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c ssl=on" start >/dev/null \
  || { cat "$pg_dir/server.log"; echo "PostgreSQL did not start"; exit 1; }

stop_postgres() { as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap stop_postgres EXIT

"$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres cxqa_test
"$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d cxqa_test -c "CREATE ROLE cxqa_tls LOGIN SUPERUSER"
export CXQA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/cxqa_test"
# The TLS-only role, by name so verify-full can check the certificate's host name.
export CXQA_TEST_POSTGRES_TLS_URL="postgres://cxqa_tls@localhost:$pg_port/cxqa_test"
export CXQA_TEST_POSTGRES_CA="$pg_dir/ca.pem"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$pg_port"
