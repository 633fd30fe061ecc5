"""`cargo xtask parquet-check`: DuckDB (from PyPI) reads the Parquet sink's datasets.

    python parquet_check.py LAKE

Prints the row count of every stream's dataset and the README's per-agent query: the latest
version of each record (the sink appends), deletions left out, QA next to CSAT per agent.
"""

import sys

import duckdb

lake = sys.argv[1]


def dataset(stream):
    return f"read_parquet('{lake}/stream={stream}/*/*/*.parquet', union_by_name = true)"


connection = duckdb.connect()
for stream in ["agents", "assessment_forms", "interactions", "assessments", "feedback",
               "surveys", "transcripts"]:
    rows, vendors = connection.sql(
        f"SELECT count(*), string_agg(DISTINCT vendor, ', ') FROM {dataset(stream)}").fetchall()[0]
    print(f"{stream:<17} {rows:>6} rows  ({vendors})")
    if rows == 0:
        sys.exit(f"FAILED: no {stream} rows in {lake}")

PER_AGENT = f"""
WITH latest AS (
  SELECT * FROM {dataset('assessments')}
  QUALIFY row_number() OVER (PARTITION BY vendor, id ORDER BY modified_at DESC) = 1),
live AS (
  SELECT * FROM latest
  WHERE (vendor, id) NOT IN (SELECT (vendor, id) FROM read_parquet('{lake}/tombstones/*/*/*.parquet')
                             WHERE stream = 'assessments')),
qa AS (SELECT vendor, agent_id, count(*) AS evaluations, avg(normalized_score) AS qa
       FROM live GROUP BY ALL),
csat AS (SELECT vendor, interaction.agent_id AS agent_id, avg(csat_score) AS csat
         FROM {dataset('surveys')} GROUP BY ALL),
names AS (SELECT DISTINCT vendor, id, name FROM {dataset('agents')})
SELECT qa.vendor, names.name AS agent, qa.evaluations, round(qa.qa, 1) AS qa, round(csat.csat, 1) AS csat
FROM qa LEFT JOIN csat USING (vendor, agent_id)
LEFT JOIN names ON names.vendor = qa.vendor AND names.id = qa.agent_id
ORDER BY qa.vendor, qa DESC
"""
print()
print(connection.sql(PER_AGENT))
print("parquet-check passed: DuckDB read every dataset and answered the per-agent query")
