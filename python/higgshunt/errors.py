"""Named exceptions. Each message names the file, key or column at fault and what was expected."""


class HiggshuntError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class ConfigError(HiggshuntError):
    """A configuration file or command-line option is missing, unreadable or out of its allowed range."""


class InputError(HiggshuntError):
    """An input file, tree, branch or column is missing, corrupt or of the wrong type."""


class ArtifactError(InputError):
    """A file that one stage wrote for another (see `higgshunt.artifacts`) is missing, unreadable, of
    another format version or inconsistent. Each artifact module raises its own subclass."""


class ModelFormatError(ArtifactError):
    """A trained-model directory or exported model file is of another format or version, or inconsistent."""


class OutputError(HiggshuntError):
    """An output cannot be written (no space, file too large, no permission) or would replace something
    higgshunt did not write (a user's folder, the command's own input)."""


class NativeLibraryError(HiggshuntError):
    """The compiled C++ helper library is missing or cannot be loaded."""


class FitError(HiggshuntError):
    """A likelihood fit did not converge or gave an unusable result."""
