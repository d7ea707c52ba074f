"""Hold the desk's rules: pure, typed, and free of I/O, frameworks and the wall clock."""
