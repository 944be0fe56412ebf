"""The two errors a user can cause; each message is one sentence that names what to fix."""


class IngestError(Exception):
    """A problem with an uploaded file that the user can fix; its message is one sentence."""


class SettingsError(ValueError):
    """A setting the user gave is invalid; the message is one sentence."""
