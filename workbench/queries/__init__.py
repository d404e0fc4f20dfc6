"""The query library: ``.sql`` files with typed, described parameters, run by name.

>>> from workbench.queries import list_queries
>>> "declarations_by_month" in [q.name for q in list_queries()]
True
"""

from workbench.queries.library import Query, QueryError, fetch, get_query, list_queries, parse_query, run_query
from workbench.queries.params import Param, ParamError

__all__ = ["Param", "ParamError", "Query", "QueryError", "fetch", "get_query", "list_queries", "parse_query", "run_query"]
