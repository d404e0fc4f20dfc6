"""The workbench inside JupyterLab: the server side of the ``extensions/`` front end.

Enabled by the data file ``jupyter_server_config.d/workbench.json`` the wheel installs. Linking the
extension makes :class:`workbench.lab.identity.WorkbenchIdentityProvider` the server's identity
provider (one token per named user, see docs/analysts/jupyterlab.md) unless the server's
configuration names another one. Handlers: :mod:`workbench.lab.handlers`.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "workbench.lab"}]


def _link_jupyter_server_extension(serverapp: Any) -> None:
    """Before the server makes its identity provider: ours, unless another was configured."""
    from jupyter_server.auth.identity import PasswordIdentityProvider

    from workbench.lab.identity import WorkbenchIdentityProvider

    if serverapp.identity_provider_class is PasswordIdentityProvider:
        serverapp.identity_provider_class = WorkbenchIdentityProvider


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from workbench.lab.handlers import routes

    web_app = serverapp.web_app
    web_app.add_handlers(".*$", routes(web_app.settings["base_url"]))
    serverapp.log.info("workbench: /workbench/api handlers registered")
