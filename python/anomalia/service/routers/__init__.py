"""One router per resource: health, models, detection, metrics."""
