"""Conductor operation handlers, one module per operation family.

``cluster`` (create/update/resize/delete), ``nodegroup`` (create/update/delete) and
``certificate`` (sign/get CA/rotate). Each long operation runs inside :func:`common.run_op`,
which sets the *_IN_PROGRESS status and deadline, calls the COE driver with a monotonic
deadline, and writes the final status with a compare-and-set.
"""
