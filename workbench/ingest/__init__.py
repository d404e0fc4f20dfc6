"""Ingest: mapping files turn any CSV, Parquet or Excel layout into the canonical tables.

mapping.py   the mapping format (a typed model with a published JSON Schema)
canonical.py what each canonical table needs: keys, references, checks, known_at
sources.py   reading source files into staging tables (hash, encoding, joins)
transforms.py  the closed set of column transforms, compiled to SQL with bound values
validate.py  type, required, range, duplicate and reference checks -> quarantine reasons
write.py     versions against what the store holds, then insert
loader.py    one load = one transaction; retry of quarantined and waiting rows
"""
