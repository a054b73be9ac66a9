"""readiness: is this machine-learning model ready to leave proof-of-concept for production?

The public API for plugin authors lives in :mod:`readiness.check`; the programmatic entry point is
:func:`readiness.api.assess`. This module stays import-light: the CLI imports it on every start.
"""

__version__ = "0.1.0"
