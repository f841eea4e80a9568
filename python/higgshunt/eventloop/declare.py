"""C++ in ROOT's interpreter: the helper library, a config's own declarations (once per process), and the
readable first line of the errors ROOT raises."""

from __future__ import annotations

import hashlib

from higgshunt import native
from higgshunt.errors import ConfigError

_declared: set[str] = set()


def declare(code: str | None, *, source: str) -> None:
    """Load the helper library into ROOT and declare a config's C++ `declarations` (`source` names the config
    in the error when they do not compile)."""
    native.load_into_root()
    if code and not declare_code(code):
        raise ConfigError(f"{source}: declarations: ROOT could not compile the C++ code (see above)")


def declare_code(code: str) -> bool:
    """Declare C++ code once per process (ROOT rejects redefinitions); False if it does not compile."""
    digest = hashlib.sha256(code.encode()).hexdigest()
    if digest in _declared:
        return True
    import ROOT

    if not ROOT.gInterpreter.Declare(code):
        return False
    _declared.add(digest)
    return True


def first_line(exc: BaseException) -> str:
    """The informative line of a ROOT/cppyy error (cppyy prefixes the C++ message with overload details)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    for position, line in enumerate(lines):
        if "_error:" in line or "exception:" in line:
            message = line.split(":", 1)[1].strip()
            return message or (lines[position + 1] if position + 1 < len(lines) else line)
    return lines[0] if lines else type(exc).__name__
