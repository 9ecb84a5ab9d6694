"""The two graded explorers of the notebooks (γ/β and the 1/(1 − β) window) and their view.

They run on the functions they are given (the student's own), so they work where the reference
is absent; ``course_lib.widgets`` holds the self-learners' explorers and gives these two the
reference functions by default.
"""
