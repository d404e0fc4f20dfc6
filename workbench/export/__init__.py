"""Export to the targeting system: signed bundles of approved profiles and target lists with the
reference state they need, adapters for each kind of receiver, and delivery through a durable
outbox.

- :func:`make_bundle` (gather, write, sign, keep, audit) and :func:`stored_bundle`;
- :func:`make_keypair` (the Ed25519 signing key, private file mode 0600);
- :func:`verify_packed` / :func:`read_folder` and :func:`json_schema` (the bundle format, for
  receivers);
- :func:`enqueue`, :func:`deliver`, :func:`status` (the outbox).

docs/analysts/export.md describes the bundle, its contract and the adapters.
"""

from workbench.export.bundle import ExportResult, make_bundle, stored_bundle
from workbench.export.content import ExportError
from workbench.export.keys import SigningKeyError, make_keypair
from workbench.export.manifest import BundleError, json_schema, read_folder, verify, verify_packed
from workbench.export.outbox import deliver, enqueue, resolve_destination, status

__all__ = ["BundleError", "ExportError", "ExportResult", "SigningKeyError", "deliver", "enqueue", "json_schema",
           "make_bundle", "make_keypair", "read_folder", "resolve_destination", "status", "stored_bundle", "verify",
           "verify_packed"]
