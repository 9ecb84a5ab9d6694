"""What runs inside the student's (sandboxed) kernel: the kernel's end of the grader's channel."""
