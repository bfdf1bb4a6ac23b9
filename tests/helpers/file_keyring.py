"""A keyring backend for tests: entries in a JSON file named by `AHA_TEST_KEYRING_FILE`.

Selected with `PYTHON_KEYRING_BACKEND=tests.helpers.file_keyring.FileKeyring`, keyring's own
switch, so `aha keys set` and a route looking up its key in a subprocess go through the real
`keyring` API exactly as on a desktop, while the headless test machine has no OS keyring. The
file lives in the test's temp dir, outside AHA_HOME, so a search of aha's files for the key is
not fooled by the store itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV_VAR = "AHA_TEST_KEYRING_FILE"
BACKEND = f"{__name__}.FileKeyring"


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # viable, but never chosen unless named

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[ENV_VAR])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def _save(self, entries: dict[str, str]) -> None:
        self._path().write_text(json.dumps(entries))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}/{username}"] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if entries.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(entries)
