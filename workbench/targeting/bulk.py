"""Batches as columns: the lodgement message (:mod:`workbench.targeting.message`) as an Arrow
table of declarations — read from an Arrow IPC stream (the bulk form), or from a JSON batch by
Arrow's JSON reader — checked on columns as the message schema checks each declaration, and laid
out as the scorer's two staging tables (declarations, items) with no Python object per value.

A JSON batch is read here only when Arrow reads it exactly as the standard decoder and the
schema would (:func:`read_json_batch`): ASCII, no escaped surrogate, one object, strict JSON
(Arrow refuses comments, trailing commas, a repeated key, a value of the wrong type), no field
the schema does not know (``attrs`` objects and indicators the bundle does not read are passed
over), numbers Arrow reads correctly rounded as ``float()`` does (NaN and infinities as
``json`` reads them), and times written ``YYYY-MM-DDTHH:MM:SS[.ffffff][Z]``. Anything else —
and every batch the checks of :func:`stage` refuse — goes the exact way (decoded, then checked
by pydantic), which also words the errors; tests/test_targeting_bulk.py holds the two ways to
the same answers, case by case. An Arrow stream has no exact way: its problems are found here,
each naming the declaration (its position and id) and the field.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.targeting.message import MAX_BATCH, MAX_ITEMS, MessageError

DECL_COLUMNS = ("declaration_id", "lodged_at", "direction", "office_code", "procedure_code", "transport_mode",
                "importer_id", "exporter_id", "declarant_id", "carrier_id", "voyage_id", "bill_of_lading",
                "container_id", "country_dispatch", "country_origin", "currency")
ITEM_COLUMNS = ("item_no", "hs_code", "description", "country_origin", "quantity", "quantity_unit", "net_mass_kg",
                "customs_value", "customs_value_base", "duty_rate", "duty", "preference_code")
NUMBERS = ("quantity", "net_mass_kg", "customs_value", "customs_value_base", "duty_rate", "duty")
ARROW_STREAM = "application/vnd.apache.arrow.stream"
HS_CODE = r"^[0-9]{2,10}$"
JSON_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z?$"


# -- the schemas ------------------------------------------------------------------------------

def _indicator_type(indicators: list[str]) -> pa.StructType:
    entry = pa.struct([("value", pa.float64()), ("flag", pa.bool_())])
    return pa.struct([(ind, entry) for ind in indicators])


def item_type(indicators: list[str]) -> pa.StructType:
    fields = [(c, pa.int64() if c == "item_no" else pa.float64() if c in NUMBERS else pa.string())
              for c in ITEM_COLUMNS]
    return pa.struct(fields + [("indicators", _indicator_type(indicators))])


def message_schema(indicators: list[str], *, time: pa.DataType = pa.timestamp("us")) -> pa.Schema:
    """One row per declaration, as an Arrow stream sends it (every column but
    ``declaration_id``, ``lodged_at`` and ``items`` may be left out)."""
    fields = [(c, time if c == "lodged_at" else pa.string()) for c in DECL_COLUMNS]
    fields += [("importer_trusted", pa.bool_()), ("items", pa.list_(item_type(indicators)))]
    return pa.schema(fields)


def staging_schemas(indicators: list[str]) -> tuple[pa.Schema, pa.Schema]:
    """The scorer's staging tables: declarations and items, columns named as in the store."""
    decl = [(c, pa.timestamp("us") if c == "lodged_at" else pa.string()) for c in DECL_COLUMNS]
    decl += [("attrs", pa.string()), ("importer_trusted", pa.bool_())]
    item = [("declaration_id", pa.string())]
    item += [(c, pa.int32() if c == "item_no" else pa.float64() if c in NUMBERS else pa.string())
             for c in ITEM_COLUMNS]
    item += [("attrs", pa.string())]
    for n in range(len(indicators)):
        item += [(f"ind_{n}", pa.float64()), (f"ind_{n}_flag", pa.bool_())]
    return pa.schema(decl), pa.schema(item)


# -- reading and writing ----------------------------------------------------------------------

def arrow_stream(table: pa.Table) -> bytes:
    """A table as the bytes of an Arrow IPC stream."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()



def _conform(arr: pa.Array, target: pa.DataType, where: str, *, passed_over: bool = False) -> pa.Array:
    """An array in the message's type: missing fields null, safe casts; a field the message
    does not have is an error, or left out when ``passed_over`` (fields already admitted)."""
    if pa.types.is_struct(target):
        if not pa.types.is_struct(arr.type):
            raise MessageError(f"{where}: a struct is expected, not {arr.type}")
        known = {f.name for f in target}
        extra = [f.name for f in arr.type if f.name not in known]
        if extra and not passed_over:
            raise MessageError(f"{where}: unexpected field {extra[0]!r}")
        given = {f.name for f in arr.type}
        children = [_conform(arr.field(f.name), f.type, f"{where}.{f.name}".lstrip("."), passed_over=passed_over)
                    if f.name in given
                    else pa.nulls(len(arr), f.type) for f in target]
        return pa.StructArray.from_arrays(children, fields=list(target), mask=arr.is_null() if arr.null_count else None)
    if pa.types.is_list(target):
        if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
            raise MessageError(f"{where}: a list is expected, not {arr.type}")
        lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False).astype(np.int32)
        offsets = pa.array(np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int32))
        values = _conform(pc.list_flatten(arr), target.value_type, where, passed_over=passed_over)
        return pa.ListArray.from_arrays(offsets, values, type=target,
                                        mask=arr.is_null() if arr.null_count else None)
    if arr.type == target:
        return arr
    if pa.types.is_timestamp(target):
        if not (pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type)):
            raise MessageError(f"{where}: a timestamp is expected, not {arr.type}")
        if pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
            arr = arr.cast(pa.timestamp(arr.type.unit))          # Arrow keeps UTC: the time in UTC
    try:
        return arr.cast(target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise MessageError(f"{where}: {target} is expected, not {arr.type} ({str(exc).splitlines()[0]})") from None


def read_stream(data: bytes, indicators: list[str]) -> pa.Table:
    """The declarations of an Arrow IPC stream, in the message's types."""
    try:
        table = pa.ipc.open_stream(data).read_all()
    except (pa.ArrowInvalid, OSError) as exc:
        raise MessageError(f"body is not an Arrow IPC stream: {str(exc).splitlines()[0]}") from None
    schema = message_schema(indicators)
    extra = [n for n in table.column_names if schema.get_field_index(n) < 0]
    if extra:
        hint = " (attributes travel in the JSON form only)" if "attrs" in extra else ""
        raise MessageError(f"unexpected column {extra[0]!r}{hint}; the columns are {', '.join(schema.names)}")
    cols = []
    for f in schema:
        if f.name in table.column_names:
            cols.append(_conform(table.column(f.name).combine_chunks(), f.type, f.name))
        elif f.name in ("declaration_id", "lodged_at", "items"):
            raise MessageError(f"column {f.name!r} is required")
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def read_json_batch(data: bytes, indicators: list[str]) -> pa.Table | None:
    """A JSON batch ``{"declarations": [...]}`` as the table :func:`read_stream` gives, or None
    when it is not certain Arrow reads it as the exact way would (see the module)."""
    import pyarrow.json as paj

    if not data.isascii() or b"\\ud" in data or b"\\uD" in data:
        return None
    message = message_schema(indicators, time=pa.string())
    schema = pa.schema([("declarations", pa.list_(pa.struct(list(message))))])
    try:
        read = paj.read_json(io.BytesIO(data), read_options=paj.ReadOptions(block_size=len(data) + 1),
                             parse_options=paj.ParseOptions(explicit_schema=schema, newlines_in_values=True,
                                                            unexpected_field_behavior="infer"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if read.num_rows != 1 or read.column_names != ["declarations"] or not _admitted(read.schema, indicators):
        return None
    batch = read.column("declarations").combine_chunks()
    if batch.null_count:
        return None
    rows = pc.list_flatten(batch)
    if len(rows) == 0 or rows.null_count:
        return None
    table = pa.Table.from_struct_array(rows)
    lodged = table.column("lodged_at").combine_chunks()
    if lodged.null_count or not pc.all(pc.match_substring_regex(lodged, JSON_TIME)).as_py():
        return None
    try:
        times = pc.replace_substring(lodged, "Z", "").cast(pa.timestamp("us"))
    except pa.ArrowInvalid:
        return None
    table = table.set_column(table.schema.get_field_index("lodged_at"), "lodged_at", times)
    schema = message_schema(indicators)
    return pa.Table.from_arrays([_conform(table.column(f.name).combine_chunks(), f.type, f.name, passed_over=True)
                                 for f in schema], schema=schema)


def _extra(given: pa.DataType, expected: pa.StructType) -> list[pa.Field]:
    names = {f.name for f in expected}
    return [f for f in given if f.name not in names]


def _admitted(schema: pa.Schema, indicators: list[str]) -> bool:
    """Whether the fields Arrow met beyond the message's own are ones the schema admits and the
    scorer may pass over: ``attrs`` objects (or nulls), and indicators the bundle does not read
    given as ``{value, flag}`` (a number and a flag, or nulls)."""
    def is_object(t: pa.DataType) -> bool:
        return pa.types.is_struct(t) or pa.types.is_null(t)

    decl = schema.field("declarations").type.value_type
    item = decl.field("items").type.value_type
    inds = item.field("indicators").type
    if any(f.name != "attrs" or not is_object(f.type) for f in _extra(decl, pa.struct(list(message_schema(indicators))))):
        return False
    if any(f.name != "attrs" or not is_object(f.type) for f in _extra(item, item_type(indicators))):
        return False
    expected = _indicator_type(indicators)
    if any(_extra(inds.field(f.name).type, f.type) for f in expected):
        return False
    for f in _extra(inds, expected):
        if pa.types.is_null(f.type):
            continue
        if not pa.types.is_struct(f.type):
            return False
        for child in f.type:
            ok = _ENTRY_TYPES.get(child.name)
            if ok is None or not (pa.types.is_null(child.type) or ok(child.type)):
                return False
    return True


_ENTRY_TYPES = {"value": lambda t: pa.types.is_floating(t) or pa.types.is_integer(t), "flag": pa.types.is_boolean}
"""What an indicator entry the bundle does not read may hold (besides nulls)."""


# -- checking and laying out ------------------------------------------------------------------

def _where(ids: pa.Array, n: int) -> str:
    decl_id = ids[n].as_py()
    return f"declarations[{n}]" + (f" ({decl_id})" if decl_id is not None else "")


def _first(bad: pa.Array | np.ndarray) -> int | None:
    arr = bad.to_numpy(zero_copy_only=False) if isinstance(bad, (pa.Array, pa.ChunkedArray)) else bad
    hits = np.flatnonzero(arr)
    return int(hits[0]) if len(hits) else None


def _outside(values: pa.Array, low: int, high: int) -> pa.Array:
    """Where a value is missing or out of [low, high]."""
    return pc.fill_null(pc.or_(pc.less(values, low), pc.greater(values, high)), True)


def _finite(arrays: list[pa.Array]) -> bool:
    return all(pc.all(pc.or_kleene(pc.is_finite(a), pc.is_null(a))).as_py() is not False for a in arrays
               if len(a))


class Staged:
    """A checked batch laid out for the scorer: ``decl`` and ``item`` (the staging tables),
    ``ids`` (declaration ids in order), ``missing`` (declaration id -> the required indicators
    some item left out), ``finite`` (no NaN or infinite number: the column evaluator's rows)."""

    def __init__(self, decl: pa.Table, item: pa.Table, ids: list[str], missing: dict[str, list[str]], finite: bool):
        self.decl, self.item, self.ids, self.missing, self.finite = decl, item, ids, missing, finite


def stage(table: pa.Table, indicators: list[str], trusted: set[str]) -> Staged:
    """Check a batch as the message schema checks each declaration (the first problem raised as
    :class:`MessageError`) and lay it out as the staging tables."""
    n = table.num_rows
    if n == 0:
        raise MessageError("batch: declarations is a non-empty list of declarations")
    if n > MAX_BATCH:
        raise MessageError(f"batch: {n:,} declarations, over the limit of {MAX_BATCH:,}")
    ids = table.column("declaration_id").combine_chunks()
    bad = _first(_outside(pc.utf8_length(ids), 1, 200))
    if bad is not None:
        raise MessageError(f"declarations[{bad}] declaration_id: text of 1 to 200 characters is required")
    bad = _first(table.column("lodged_at").is_null())
    if bad is not None:
        raise MessageError(f"{_where(ids, bad)} lodged_at: a time is required")
    if pc.count_distinct(ids).as_py() != n:
        counts = pc.value_counts(ids)
        twice = counts.field("values")[_first(pc.greater(counts.field("counts"), 1))].as_py()
        raise MessageError(f"declaration {twice} appears twice in the batch")
    items_list = table.column("items").combine_chunks()
    bad = _first(_outside(pc.list_value_length(items_list), 1, MAX_ITEMS))
    if bad is not None:
        raise MessageError(f"{_where(ids, bad)} items: 1 to {MAX_ITEMS} items are required")
    parent = pc.list_parent_indices(items_list).to_numpy(zero_copy_only=False)
    items = pc.list_flatten(items_list)
    if items.null_count:
        k = _first(items.is_null())
        raise MessageError(f"{_where(ids, int(parent[k]))} items: an item is an object, not null")
    item_no = items.field("item_no")
    bad = _first(_outside(item_no, 1, MAX_ITEMS))
    if bad is not None:
        raise MessageError(f"{_where(ids, int(parent[bad]))} item_no: a number from 1 to {MAX_ITEMS} is required")
    hs = items.field("hs_code")
    bad = _first(pc.invert(pc.fill_null(pc.match_substring_regex(hs, HS_CODE), False)))
    if bad is not None:
        raise MessageError(f"{_where(ids, int(parent[bad]))} hs_code: 2 to 10 digits are required")
    numbers = item_no.to_numpy(zero_copy_only=False).astype(np.int64)
    key = np.sort(parent.astype(np.int64) * (MAX_ITEMS + 1) + numbers)
    twice = np.flatnonzero(key[1:] == key[:-1])
    if len(twice):
        dup = int(key[twice[0]])
        raise MessageError(f"{_where(ids, dup // (MAX_ITEMS + 1))} item_no: {dup % (MAX_ITEMS + 1)} appears twice")
    return _layout(table, ids, items, parent, indicators, trusted)


def _layout(table: pa.Table, ids: pa.Array, items: pa.StructArray, parent: np.ndarray, indicators: list[str],
            trusted: set[str]) -> Staged:
    decl_schema, item_schema = staging_schemas(indicators)
    given = table.column("importer_trusted").combine_chunks()
    importer = table.column("importer_id").combine_chunks()
    listed = pc.if_else(pc.is_null(importer), pa.scalar(None, pa.bool_()),
                        pc.is_in(importer, value_set=pa.array(sorted(trusted), pa.string())))
    dcols = {c: table.column(c).combine_chunks() for c in DECL_COLUMNS}
    dcols["attrs"] = pa.nulls(table.num_rows, pa.string())
    dcols["importer_trusted"] = pc.coalesce(given, listed)
    take = pa.array(parent)
    icols: dict[str, Any] = {"declaration_id": ids.take(take)}
    icols.update({c: items.field(c) for c in ITEM_COLUMNS})
    icols["item_no"] = icols["item_no"].cast(pa.int32())
    icols["attrs"] = pa.nulls(len(items), pa.string())
    given_inds = items.field("indicators")
    missing: dict[str, set[str]] = {}
    numbers = [icols[c] for c in NUMBERS]
    for n, ind in enumerate(indicators):
        entry = given_inds.field(ind)
        absent = pc.or_(pc.is_null(given_inds), pc.is_null(entry)).to_numpy(zero_copy_only=False)
        value, flag = entry.field("value"), entry.field("flag")
        if given_inds.null_count or entry.null_count:       # an entry left out reads as null throughout
            value = pc.if_else(absent, pa.scalar(None, pa.float64()), value)
            flag = pc.if_else(absent, pa.scalar(None, pa.bool_()), flag)
        icols[f"ind_{n}"], icols[f"ind_{n}_flag"] = value, flag
        numbers.append(value)
        if absent.any():
            for k in np.unique(parent[absent]).tolist():
                missing.setdefault(ids[k].as_py(), set()).add(ind)
    decl = pa.Table.from_arrays([dcols[f.name] for f in decl_schema], schema=decl_schema)
    item = pa.Table.from_arrays([icols[f.name] for f in item_schema], schema=item_schema)
    return Staged(decl, item, ids.to_pylist(), {k: sorted(v) for k, v in missing.items()}, _finite(numbers))
