"""Load generation with Locust, always in a subprocess.

Importing locust monkey-patches the process with gevent (and crashes when requests or urllib3 are
already imported), so the parent process never imports it: :mod:`readiness.loadtest.runner` starts
``python -m locust -f locustfile.py`` and reads back the raw per-request timings the locustfile writes.
"""
