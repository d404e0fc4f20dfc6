"""The Ed25519 key that signs bundles: made once, kept private (file mode 0600), its public half
handed to every receiver.

A receiver holds only public keys. A bundle names the key that signed it by ``key_id`` (the
first 16 hex digits of the SHA-256 of the raw public key), so a receiver can hold the keys of
several workbenches, or an old and a new key during a change of keys.

>>> import tempfile, pathlib
>>> private = pathlib.Path(tempfile.mkdtemp()) / "signing.key"
>>> made = make_keypair(private)
>>> oct(private.stat().st_mode & 0o777)
'0o600'
>>> key = load_private_key(private)
>>> verify(load_public_key(made.public_path), sign(key, b"manifest"), b"manifest")
True
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path


class SigningKeyError(ValueError):
    """A key that cannot be made, read or trusted."""


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    key_id: str


def _serialization():
    from cryptography.hazmat.primitives import serialization

    return serialization


def key_id(public_key) -> str:
    """The id a bundle gives for the key that signed it."""
    s = _serialization()
    raw = public_key.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_path_for(private_path: Path) -> Path:
    return private_path.with_name(private_path.name + ".pub")


def make_keypair(private_path: str | Path, *, overwrite: bool = False) -> KeyPair:
    """Write a new private key (mode 0600, made with that mode: never readable by others, even
    for an instant) and its public key beside it (``<name>.pub``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    s = _serialization()
    private_path = Path(private_path).expanduser()
    public_path = public_path_for(private_path)
    if private_path.exists() and not overwrite:
        raise SigningKeyError(f"{private_path} exists: a new key would orphan every receiver's public key "
                        "(pass --force to replace it)")
    private_path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption())
    tmp = private_path.with_name(private_path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    os.replace(tmp, private_path)
    public_path.write_bytes(key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
    return KeyPair(private_path, public_path, key_id(key.public_key()))


def load_private_key(path: str | Path):
    """The signing key, refused when others can read its file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path).expanduser()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SigningKeyError(f"no signing key at {path}: make one with `workbench export keygen`") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(f"signing key {path} is readable by others (mode {oct(mode & 0o777)}): "
                        f"run `chmod 600 {path}` first")
    try:
        key = _serialization().load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path} is not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: str | Path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = Path(path).expanduser()
    try:
        key = _serialization().load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise SigningKeyError(f"no public key at {path}") from None
    except ValueError as exc:
        raise SigningKeyError(f"{path} is not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 public key")
    return key


def sign(private_key, data: bytes) -> str:
    """The signature of ``data``, base64."""
    return base64.b64encode(private_key.sign(data)).decode("ascii")


def verify(public_key, signature: str, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
