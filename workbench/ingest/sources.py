"""Reading the files a mapping names into staging tables, every value as it was written.

A CSV is read by DuckDB with the dialect the mapping states (no sniffing), every column as text,
so codes keep their leading zeros; lines DuckDB cannot parse (broken quotes, missing or extra
fields) become rejected records with their raw text. Parquet keeps its types. Excel is read with
openpyxl. Before anything is read, each file is hashed and its encoding checked in one pass.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from workbench.ingest.mapping import Mapping, Source
from workbench.store.sql import rows

CHUNK = 1 << 22
NATIVE_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "latin-1": "latin-1", "latin1": "latin-1",
                    "iso-8859-1": "latin-1", "utf-16": "utf-16"}


class SourceError(ValueError):
    """A source file that cannot be read at all; nothing is loaded."""


@dataclass
class StagedSource:
    source: Source
    path: Path
    table: str                       # temp table holding the rows, with `_row`
    columns: list[str]               # source column names, in file order
    records: int                     # records read (good ones)
    rejects: int = 0                 # unparseable records (CSV only)
    rejects_table: str | None = None  # where they are kept: line, reason, raw


def resolve_path(load_path: Path, source: Source) -> Path:
    """The file of a source, kept inside the load folder."""
    if source.path is None:
        if load_path.is_dir():
            raise SourceError(f"{load_path} is a folder: give the file, or name it in the mapping's source `path`")
        return load_path
    if not load_path.is_dir():
        raise SourceError(f"mapping source {source.name!r} names {source.path!r}: give the folder that holds it")
    root = load_path.resolve()
    target = (root / source.path).resolve()
    if root != target and root not in target.parents:
        raise SourceError(f"source {source.name!r} path {source.path!r} leaves the load folder")
    return target


def _format_of(source: Source, path: Path) -> str:
    if source.format:
        return source.format
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".xlsx", ".xlsm"):
        return "excel"
    raise SourceError(f"cannot tell the format of {path.name}: set `format` in the mapping")


def fingerprint(path: Path, encoding: str | None, on_bytes: Callable[[int], None] | None = None) -> tuple[str, Path | None]:
    """SHA-256 of a file, checking a text file's encoding in the same pass.

    Returns the digest and, for encodings DuckDB does not read itself, a UTF-8 copy to read.
    """
    if not path.exists():
        raise SourceError(f"file not found: {path}")
    if path.is_dir():
        raise SourceError(f"{path} is a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{path.name} is empty (0 bytes)")
    digest = hashlib.sha256()
    decoder = codec = None
    copy = None
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise SourceError(f"unknown encoding {encoding!r} in the mapping") from None
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        if codec not in NATIVE_ENCODINGS.values() and codec != "utf-8":
            copy = Path(tempfile.mkstemp(prefix="wb-utf8-", suffix=".csv")[1])
    line = 1
    with path.open("rb") as fh, (copy.open("w", encoding="utf-8", newline="") if copy else io.StringIO()) as out:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            # ASCII is valid UTF-8: only a chunk with other bytes (or the rest of a character
            # begun in the chunk before) needs decoding to be checked
            plain = copy is None and codec == "utf-8" and chunk.isascii() and not decoder.getstate()[0]
            if decoder is not None and not plain:
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad_line = line + chunk[: exc.start].count(b"\n")
                    if copy:
                        copy.unlink(missing_ok=True)
                    raise SourceError(
                        f"{path.name} is not valid {encoding} (line {bad_line}, byte {exc.start}): "
                        "set `encoding` in the mapping (e.g. latin-1 or cp1252)"
                    ) from None
                if copy:
                    out.write(text)
            if decoder is not None:
                line += chunk.count(b"\n")
            if on_bytes:
                on_bytes(len(chunk))
    return digest.hexdigest(), copy


def _csv_header(path: Path, source: Source, encoding: str) -> list[str]:
    with path.open("r", encoding=encoding, newline="") as fh:
        for _ in range(source.skip_rows):
            fh.readline()
        reader = csv.reader(fh, delimiter=source.delimiter, quotechar=source.quote)
        try:
            first = next(reader)
        except StopIteration:
            raise SourceError(f"{path.name} has no header line") from None
        except csv.Error as exc:
            raise SourceError(f"{path.name}: cannot read the header line: {exc}") from None
    names = [n.strip().lstrip("\ufeff") for n in first]
    if not any(names):
        raise SourceError(f"{path.name}: the header line is empty")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SourceError(f"{path.name}: the header names {dupes} more than once")
    return names


def _stage_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path, source: Source, encoding: str) -> StagedSource:
    if source.header:
        names = _csv_header(path, source, encoding)
        if source.columns:
            if len(source.columns) != len(names):
                raise SourceError(f"{path.name}: mapping lists {len(source.columns)} columns, header has {len(names)}")
            names = list(source.columns)
    else:
        names = list(source.columns or [])
    rejects_table, rejects_scan = table + "_rej", table + "_rejscan"
    con.execute(f"drop table if exists {rejects_table}; drop table if exists {rejects_scan}")
    con.execute(
        f"create temp table {table}_raw as select * from read_csv($path, auto_detect=false, "
        "header=$header, skip=$skip, columns=$columns, delim=$delim, quote=$quote, escape=$quote, "
        f"nullstr=$nulls, strict_mode=true, store_rejects=true, rejects_table='{rejects_table}', "
        f"rejects_scan='{rejects_scan}', encoding=$encoding, parallel=true)",
        {
            "path": str(path), "header": source.header, "skip": source.skip_rows,
            "columns": {n: "VARCHAR" for n in names}, "delim": source.delimiter, "quote": source.quote,
            "nulls": list(source.null_tokens), "encoding": encoding,
        },
    )
    # A lone Ctrl-Z (0x1A) is the end-of-file mark of old DOS exports, not a record.
    con.execute(f"delete from {rejects_table} where trim(csv_line, chr(26) || ' ' || chr(13)) = ''")
    con.execute(
        f"create or replace temp table {table}_rejected as select line, first(error_message order by column_idx) "
        f"as reason, any_value(csv_line) as raw from {rejects_table} group by line"
    )
    rejects = rows(con, f"select count(*) from {table}_rejected")[0][0]
    # Line numbers of good records: file lines not taken by the header or a rejected record
    # (a broken quote can swallow several lines into one rejected record).
    first_line = 1 + source.skip_rows + (1 if source.header else 0)
    con.execute(
        f"create temp table {table}_taken as select unnest(range(line::bigint, (line + 1 + "
        f"length(raw) - length(replace(raw, chr(10), '')))::bigint)) as line "
        f"from (select line, any_value(csv_line) as raw from {rejects_table} group by line)"
    )
    _number_lines(con, table, first_line, rejects)
    count = rows(con, f"select count(*) from {table}_raw")[0][0]
    return StagedSource(source, path, table, names, count, rejects, f"{table}_rejected")


def _number_lines(con: duckdb.DuckDBPyConnection, table: str, first_line: int, rejects: int) -> None:
    """Expose the records as ``table`` with ``_row``, their file line, without copying them.

    With no rejected lines, line = first data line + position; otherwise the lines taken by
    rejected records are skipped over."""
    if not rejects:
        con.execute(f"create temp view {table} as select rowid + {int(first_line)} as _row, * from {table}_raw")
        return
    good = rows(con, f"select count(*) from {table}_raw")[0][0]
    taken = rows(con, f"select count(*) from {table}_taken")[0][0]
    con.execute(
        f"create temp table {table}_lines as select line, row_number() over (order by line) - 1 as _rid "
        f"from (select unnest(range($first, $last)) as line) l where line not in (select line from {table}_taken)",
        {"first": first_line, "last": first_line + good + taken + 1},
    )
    con.execute(
        f"create temp view {table} as select n.line as _row, g.* exclude (_rid) "
        f"from (select rowid as _rid, * from {table}_raw) g join {table}_lines n using (_rid)"
    )


def _stage_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path, source: Source) -> StagedSource:
    """Expose a Parquet file as ``table`` with ``_row``, its 1-based row number, without
    copying it: each step reads only the columns it needs."""
    try:
        names = con.read_parquet(str(path)).columns
        if "file_row_number" in names:      # the file has a column of that name: number rows as read
            con.execute(
                f"create temp table {table} as select row_number() over () as _row, * from read_parquet($path)",
                {"path": str(path)},
            )
        else:
            numbered = con.read_parquet(str(path), file_row_number=True)
            con.register(table, numbered.project("file_row_number + 1 AS _row, * EXCLUDE (file_row_number)"))
        count = rows(con, f"select count(*) from {table}")[0][0]
    except duckdb.Error as exc:
        raise SourceError(f"{path.name} is not a readable Parquet file: {str(exc).splitlines()[0]}") from None
    return StagedSource(source, path, table, list(names), count)


def _excel_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _stage_excel(con: duckdb.DuckDBPyConnection, table: str, path: Path, source: Source) -> StagedSource:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SourceError(f"{path.name} is not a readable Excel workbook: {exc}") from None
    try:
        if source.sheet and source.sheet not in book.sheetnames:
            raise SourceError(f"{path.name} has no sheet {source.sheet!r} (sheets: {', '.join(book.sheetnames)})")
        sheet = book[source.sheet] if source.sheet else book.worksheets[0]
        it = sheet.iter_rows(values_only=True, min_row=1 + source.skip_rows)
        if source.header:
            header = next(it, None)
            if header is None:
                raise SourceError(f"{path.name}: sheet {sheet.title!r} is empty")
            names = [str(h).strip() if h is not None else "" for h in header]
        else:
            names = list(source.columns or [])
        if source.columns:
            names = list(source.columns)
        nulls = set(source.null_tokens)
        data: list[list[str | None]] = [[] for _ in names]
        line_numbers = []
        first = 1 + source.skip_rows + (1 if source.header else 0)
        for offset, row in enumerate(it):
            texts = [_excel_text(v) for v in row[: len(names)]]
            texts += [None] * (len(names) - len(texts))
            texts = [None if t is None or t.strip() in nulls else t for t in texts]
            if all(t is None for t in texts):
                continue
            line_numbers.append(first + offset)
            for col, text in zip(data, texts):
                col.append(text)
    finally:
        book.close()
    arrow = pa.table({"_row": pa.array(line_numbers, pa.int64()),
                      **{n: pa.array(c, pa.string()) for n, c in zip(names, data)}})
    con.register(table + "_arrow", arrow)
    con.execute(f"create temp table {table} as select * from {table}_arrow")
    con.unregister(table + "_arrow")
    return StagedSource(source, path, table, names, len(line_numbers))


def _read(con: duckdb.DuckDBPyConnection, path: Path, copy: Path | None, source: Source) -> StagedSource:
    """Read one hashed and checked source into ``src_<name>``."""
    fmt = _format_of(source, path)
    table = f"src_{source.name}"
    if fmt == "csv":
        encoding = NATIVE_ENCODINGS.get(codecs.lookup(source.encoding).name, "utf-8")
        staged = _stage_csv(con, table, copy or path, source, "utf-8" if copy else encoding)
        staged.path = path
    elif fmt == "parquet":
        staged = _stage_parquet(con, table, path, source)
    else:
        staged = _stage_excel(con, table, path, source)
    if staged.records == 0 and not staged.rejects:
        raise SourceError(f"{path.name} has no data rows" + (" (header only)" if source.header else ""))
    return staged


def source_sha256(digests: dict[str, str]) -> str:
    """One digest for a multi-file load (by source name)."""
    if len(digests) == 1:
        return next(iter(digests.values()))
    h = hashlib.sha256()
    for name in sorted(digests):
        h.update(f"{name}:{digests[name]}\n".encode())
    return h.hexdigest()


def stage_all(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    load_path: Path,
    on_bytes: Callable[[int], None] | None = None,
    skip: Callable[[str], bool] = lambda digest: False,
) -> tuple[dict[str, StagedSource] | None, str]:
    """Hash and check every source, then read them unless ``skip(digest)`` says the same
    files were loaded before (then returns None and the digest)."""
    found: dict[str, tuple[Path, Path | None]] = {}
    digests: dict[str, str] = {}
    try:
        for source in mapping.sources:
            path = resolve_path(load_path, source)
            digests[source.name], copy = fingerprint(
                path, source.encoding if _format_of(source, path) == "csv" else None, on_bytes)
            found[source.name] = (path, copy)
        digest = source_sha256(digests)
        if skip(digest):
            return None, digest
        return {s.name: _read(con, *found[s.name], s) for s in mapping.sources}, digest
    finally:
        for _, copy in found.values():
            if copy:
                os.unlink(copy)


def total_bytes(mapping: Mapping, load_path: Path) -> int:
    total = 0
    for source in mapping.sources:
        try:
            total += resolve_path(load_path, source).stat().st_size
        except (OSError, SourceError):
            pass
    return total
