"""OrgStack's commands: ``orgstack``, ``orgstack-collect``, ``orgstack-assess`` and ``orgstack-report``.

Nothing outside this package imports it: the commands are built on the library, never the reverse.
"""
