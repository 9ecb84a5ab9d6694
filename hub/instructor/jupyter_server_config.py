"""The instructor's Jupyter Server on the course hub: the formgrader's pages clean student HTML.

The autograded notebooks it shows are inert already (``grader.sanitize``, an autograde
step); here its HTML exporter also passes every HTML or markdown output through the same
sanitiser and shows no JavaScript or widget output, for notebooks graded before that step.
"""

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"clean_html": "grader.sanitize.clean_html"}
