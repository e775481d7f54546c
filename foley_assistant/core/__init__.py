"""Domain types and rules. No I/O; numpy and the standard library only."""
