"""Finding and following the things that make sound: motion detection, tracking, labels, distance."""
