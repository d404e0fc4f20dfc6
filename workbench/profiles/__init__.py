"""Risk profiles and target lists: the spec, its one meaning (compiler and reference evaluator),
backtests, the lifecycle with four eyes, monitoring and coverage.

The public functions, for notebooks and the other parts of the workbench:

- spec: :func:`read_profile`, :func:`parse_profile`, :class:`Profile`, :func:`json_schema`
- meaning: :func:`compile_profile` (SQL over the frame), :func:`build_frame`, :func:`hits`
  (the reference evaluator)
- measuring: :func:`backtest`
- lifecycle: :func:`save_profile`, :func:`get_profile`, :func:`transition`, :func:`list_profiles`,
  :func:`live_profiles`
- target lists: :func:`read_list`, :func:`save_list`, :func:`get_list`
"""

from workbench.profiles.backtest import BacktestResult, backtest
from workbench.profiles.compiler import compile_profile
from workbench.profiles.evaluate import hits
from workbench.profiles.frame import build_frame, create_empty_frame
from workbench.profiles.lifecycle import LifecycleError
from workbench.profiles.registry import get_profile, list_profiles, live_profiles, save_profile, transition
from workbench.profiles.spec import Profile, SpecError, json_schema, parse_profile, read_profile
from workbench.profiles.targets import get_list, read_list, save_list

__all__ = ["BacktestResult", "LifecycleError", "Profile", "SpecError", "backtest", "build_frame", "compile_profile",
           "create_empty_frame", "get_list", "get_profile", "hits", "json_schema", "list_profiles", "live_profiles",
           "parse_profile", "read_list", "read_profile", "save_list", "save_profile", "transition"]
