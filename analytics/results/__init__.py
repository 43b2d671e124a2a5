"""Results computed from stored facts: points, stars, flags, tasks, participation, arena, trends, traces and impact."""
