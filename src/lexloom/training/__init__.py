"""Training: corpus readers, batchers, schedules, the optimizer, the loop and its logger."""
