"""Named exceptions. Each message names the file, key or column at fault and what was expected."""


class HiggshuntError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class ConfigError(HiggshuntError):
    """A configuration file is missing, unreadable or does not match its schema."""


class InputError(HiggshuntError):
    """An input file, tree, branch or column is missing, corrupt or of the wrong type."""


class NativeLibraryError(HiggshuntError):
    """The compiled C++ helper library is missing or cannot be loaded."""


class ModelFormatError(InputError):
    """A trained-model directory or exported model file is of another format or version, or inconsistent."""


class FitError(HiggshuntError):
    """A likelihood fit did not converge or gave an unusable result."""
