"""The ``course`` command and the instructor's tools on top of nbgrader and the grader.

Assignments (``assignments``, ``scaffold``), hand-out and collection (``kit``, ``exchange``,
``lms``), results (``gradetable``, ``report``, ``export``, ``feedback``, ``feedback_pages``), the
demo (``demo``, ``sample_class``).
"""
